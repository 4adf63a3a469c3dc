"""The pipeline on a real Airflow deployment: PostgreSQL, Redis, api-server, scheduler,
dag-processor and a Celery worker, run as a non-root user from a `git archive` copy installed
with the README's own commands (tests/deployment.py). `make deploy-test` runs this file alone.

The tests run in file order on one deployment: a run that finds the output folder locked, a
run without the key, a run to a release, and (once the sign-off DAG exists) a gate left
unanswered. Without root the deployment cannot be made, so the tests skip, except under
CI=true, where that is a failure.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import SMALL_NATION
from deployment import PROJECT_ROOT, Deployment, DeploymentError, ensure_service_user, uv_executable

BUILD_DAG = "nhs_equity_monitoring"
SIGN_OFF_DAG = "nhs_equity_sign_off"
SIGN_OFF_TASK = "sign_off"
HOLDER_RUN = "manual__another-run-holds-this-folder"
# Deadlines, not timings: a whole run takes about a minute alone, several on a busy machine.
RUN_DEADLINE = 600


@pytest.fixture(scope="module")
def deployment():
    if os.geteuid() != 0:
        reason = "the deployment test needs root: to install PostgreSQL and Redis and run them as a service user"
        if os.environ.get("CI") == "true":
            pytest.fail(f"Under CI=true this is a failure: {reason}")
        pytest.skip(reason)
    commit = subprocess.run(["git", "-C", str(PROJECT_ROOT), "rev-parse", "HEAD"],
                            check=True, capture_output=True, text=True).stdout.strip()  # fmt: skip
    root = Path(tempfile.mkdtemp(prefix="equity-deployment-"))
    deployed = Deployment(root=root, user=ensure_service_user(), commit=commit)
    try:
        deployed.copy_project()
        dags_folder = deployed.build_venv(uv_executable())
        from ingest.synthetic import generate_nation

        generate_nation(deployed.landing, **SMALL_NATION)
        subprocess.run(["chmod", "-R", "a+rX", str(root)], check=True)
        deployed.prepare_state(dags_folder)
        deployed.start_services()
        # Both DAGs ship in the package; an import error of either fails here, with its text.
        try:
            deployed.wait_for(f"the DAGs {BUILD_DAG} and {SIGN_OFF_DAG} to be parsed",
                              lambda: all(deployed.dag_exists(d) for d in (BUILD_DAG, SIGN_OFF_DAG)), deadline=180)  # fmt: skip
        except DeploymentError as error:
            raise DeploymentError(f"{error}\nimport errors: {deployed.api('GET', '/importErrors').text}") from error
        # A new DAG is paused; the sign-off DAG is unpaused as the README says, so that a
        # candidate starts it. The build DAG's first unpause is a test of its own.
        response = deployed.api("PATCH", f"/dags/{SIGN_OFF_DAG}", json={"is_paused": False})
        assert response.status_code == 200, response.text
        yield deployed
    finally:
        deployed.stop()
        if all(process.poll() is not None for process in deployed.processes.values()):
            subprocess.run(["rm", "-rf", str(root)], check=False)


def latest(deployed: Deployment) -> str | None:
    pointer = deployed.output / "LATEST"
    return pointer.read_text(encoding="utf-8").strip() if pointer.exists() else None


def answer_sign_off_gate(deployed: Deployment, sign_off_run: str, choice: str = "Approve") -> None:
    """Answer the human gate of a sign-off run through the HITL API. Only called where the
    sign-off DAG exists (issue 9); until then the build DAG publishes directly."""
    path = f"/dags/{SIGN_OFF_DAG}/dagRuns/{sign_off_run}/taskInstances/{SIGN_OFF_TASK}/-1/hitlDetails"
    deployed.wait_for(f"the sign-off gate of {sign_off_run} to wait for an answer",
                      lambda: deployed.api("GET", path).status_code == 200, deadline=120)  # fmt: skip
    response = deployed.api("PATCH", path, json={"chosen_options": [choice], "params_input": {}})
    assert response.status_code == 200, response.text


def sign_off_runs(deployed: Deployment) -> set[str]:
    return {run["dag_run_id"] for run in deployed.runs(SIGN_OFF_DAG)}


def wait_for_new_sign_off_run(deployed: Deployment, known: set[str]) -> str:
    """The sign-off run that the build run's candidate asset scheduled."""
    found: list[str] = []

    def appeared() -> bool:
        found[:] = sorted(sign_off_runs(deployed) - known)
        return bool(found)

    deployed.wait_for(f"a new {SIGN_OFF_DAG} run", appeared, deadline=120)
    return found[0]


def test_a_run_while_another_holds_the_output_folder_fails_at_once_naming_it(deployment):
    from nhs_equity_monitor import run_lock

    # Another run (say a `make run` beside the scheduler) holds the folder and is alive.
    run_lock.acquire(deployment.output, HOLDER_RUN)
    # The first unpause runs the last scheduled interval at once (catchup=False).
    response = deployment.api("PATCH", f"/dags/{BUILD_DAG}", json={"is_paused": False})
    assert response.status_code == 200, response.text
    deployment.wait_for("the first unpause's scheduled run", lambda: deployment.runs(BUILD_DAG), deadline=60)
    (scheduled,) = deployment.runs(BUILD_DAG)
    assert scheduled["run_type"] == "scheduled"

    assert deployment.wait_for_run(BUILD_DAG, scheduled["dag_run_id"], deadline=300) == "failed"
    tasks = deployment.task_instances(BUILD_DAG, scheduled["dag_run_id"])
    assert tasks["take_run_lock"]["state"] == "failed"
    assert tasks["take_run_lock"]["try_number"] == 1
    assert tasks["ingest"]["state"] == "upstream_failed"
    log = deployment.task_log(BUILD_DAG, scheduled["dag_run_id"], "take_run_lock")
    assert f"in use by run '{HOLDER_RUN}'" in log
    assert run_lock.holder(deployment.output)["run_id"] == HOLDER_RUN  # the holder keeps it
    assert latest(deployment) is None
    assert run_lock.release(deployment.output, HOLDER_RUN)


def test_without_the_key_the_run_fails_once_without_retries_and_latest_stays(deployment):
    run_id = deployment.trigger(BUILD_DAG)
    assert deployment.wait_for_run(BUILD_DAG, run_id, deadline=300) == "failed"
    tasks = deployment.task_instances(BUILD_DAG, run_id)
    assert tasks["ingest"]["state"] == "failed"
    assert tasks["ingest"]["try_number"] == 1  # AirflowFailException: retries=2 are not used
    assert "EQUITY_PSEUDONYMISATION_KEY is not set" in deployment.task_log(BUILD_DAG, run_id, "ingest")
    assert tasks["release_run_lock"]["state"] == "success"  # the teardown gave the folder back
    assert not (deployment.output / ".run-lock.json").exists()
    assert latest(deployment) is None


def test_a_run_publishes_a_verified_release_naming_its_run_and_commit(deployment):
    import json

    # The key as the platform holds it: a variable whose name Airflow masks.
    response = deployment.api("POST", "/variables", json={"key": "equity_pseudonymisation_secret", "value": deployment.key})
    assert response.status_code in (200, 201), response.text
    assert deployment.dag_exists(SIGN_OFF_DAG)
    known, before = sign_off_runs(deployment), latest(deployment)
    run_id = deployment.trigger(BUILD_DAG)
    assert deployment.wait_for_run(BUILD_DAG, run_id, deadline=RUN_DEADLINE) == "success", deployment.component_logs()
    assert latest(deployment) == before  # the candidate waits for sign-off: nothing is published yet
    sign_off_run = wait_for_new_sign_off_run(deployment, known)
    answer_sign_off_gate(deployment, sign_off_run)
    assert deployment.wait_for_run(SIGN_OFF_DAG, sign_off_run, deadline=90) == "success"

    # Every task succeeds; on a deployment automatic sign-off is skipped, and a person signed off.
    tasks = deployment.task_instances(BUILD_DAG, run_id)
    expected = {**dict.fromkeys(tasks, "success"), "sign_off_automatically": "skipped"}
    assert {task_id: ti["state"] for task_id, ti in tasks.items()} == expected
    gate = deployment.task_instances(SIGN_OFF_DAG, sign_off_run)
    assert gate["sign_off"]["state"] == "success" and gate["publish_release"]["state"] == "success"
    release = deployment.output / "releases" / latest(deployment)
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run_id"] == run_id
    assert manifest["git_commit"] == deployment.commit
    assert manifest["code"] == {"source": "build stamp", "version": "0.1.0", "commit": deployment.commit, "dirty": False}
    for line in (release / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        assert hashlib.sha256((release / name.lstrip("*")).read_bytes()).hexdigest() == digest, name
    assert not list((deployment.output / "releases").glob(".tmp-*"))

    # The key never reaches a log: not a task's, not a component's.
    logged = [*deployment.airflow_home.rglob("*.log"), *deployment.logs.glob("*.log")]
    assert logged
    leaks = [str(path) for path in logged if deployment.key in path.read_text(encoding="utf-8", errors="replace")]
    assert leaks == []


def test_an_unanswered_sign_off_gate_fails_and_publishes_nothing(deployment):
    releases = sorted(path.name for path in (deployment.output / "releases").iterdir())
    before = latest(deployment)
    known = sign_off_runs(deployment)
    run_id = deployment.trigger(BUILD_DAG)
    assert deployment.wait_for_run(BUILD_DAG, run_id, deadline=RUN_DEADLINE) == "success"
    sign_off_run = wait_for_new_sign_off_run(deployment, known)
    deadline = deployment.sign_off_timeout + 90
    assert deployment.wait_for_run(SIGN_OFF_DAG, sign_off_run, deadline=deadline) == "failed"
    assert latest(deployment) == before
    assert sorted(path.name for path in (deployment.output / "releases").iterdir()) == releases
    # The timeout counts as a reject: the candidate is moved aside with its reason.
    assert not [path for path in (deployment.output / "candidates").iterdir() if not path.name.startswith(".")]
    assert list((deployment.output / "rejected").glob("*.reason.json"))
