"""Sign-off before publication, through the real DAGs.

The build DAG runs once (dag.test()) without automatic sign-off and leaves a candidate. Each
scenario copies that output folder and runs the real sign-off DAG under dag.test() in a
process of its own, while an Airflow api-server on the same metadata database serves the
human-in-the-loop REST API, through which the test answers the gate as a reviewer would.

A waiting gate never resolves under dag.test() and ignores SIGTERM, so every run that can
reach the gate is under a watchdog that kills its whole process group with SIGKILL.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from exports.checksums import release_files
from exports.release import CANDIDATE_FILE, build_candidate, latest_release_id, publish_release
from exports.sign_off import CandidateRejected, Decision, finalise_candidate
from exports.reports.page import CANDIDATE_BANNER
from exports.revisions import release_history
from ingest.config import Paths
from conftest import PROJECT_ROOT, TEST_KEY, run_pipeline

pytestmark = pytest.mark.slow

APPROVER, APPROVER_ROLE = "lead-statistician", "Head of Workforce Statistics"
OUTSIDER = "analyst"  # may use Airflow, but is not an approver
PASSWORDS = {APPROVER: "approver-password", OUTSIDER: "analyst-password"}
SIGN_OFF_DAG = "nhs_equity_sign_off"
GATE_DEADLINE_S = 240  # the watchdog's limit for one sign-off run
COMMENT = "Quality report read; quarantines explained. Approved for publication."

RUN_SIGN_OFF = """
import json, sys
sys.path.insert(0, {dags!r})
import nhs_equity_sign_off
run = nhs_equity_sign_off.nhs_equity_sign_off().test()
print("RESULT " + json.dumps({{"state": str(run.state), "run_id": run.run_id,
      "tasks": {{ti.task_id: str(ti.state) for ti in run.get_task_instances()}}}}))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(output: Path, **extra: str) -> dict[str, str]:
    environment = {
        **os.environ,
        "EQUITY_OUTPUT_DIR": str(output),
        "EQUITY_PSEUDONYMISATION_KEY": TEST_KEY,
        "EQUITY_SIGN_OFF_APPROVERS": json.dumps({APPROVER: APPROVER_ROLE}),
    }
    environment.pop("EQUITY_SIGN_OFF", None)  # a deployment: a person signs off
    return {**environment, **extra}


class Api:
    """The api-server's REST API, as a reviewer's script would call it."""

    def __init__(self, base: str) -> None:
        self.base = base
        self._tokens: dict[str, str] = {}

    def _request(self, method: str, path: str, user: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if user:
            request.add_header("Authorization", f"Bearer {self.token(user)}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def token(self, user: str) -> str:
        if user not in self._tokens:
            status, body = self._request("POST", "/auth/token", "", {"username": user, "password": PASSWORDS[user]})
            assert status in (200, 201), body
            self._tokens[user] = body["access_token"]
        return self._tokens[user]

    def waiting_gate(self, deadline_s: float = GATE_DEADLINE_S) -> dict:
        """The one sign-off gate waiting for an answer (polls until it opens)."""
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            status, body = self._request("GET", "/api/v2/dags/~/dagRuns/~/hitlDetails?limit=100", APPROVER)
            assert status == 200, body
            waiting = [
                detail for detail in body["hitl_details"]
                if detail["task_instance"]["dag_id"] == SIGN_OFF_DAG and not detail["response_received"]
            ]
            if waiting:
                assert len(waiting) == 1, waiting
                return waiting[0]
            time.sleep(1)
        raise AssertionError("the sign-off gate did not open")

    def answer(self, gate: dict, option: str, comment: str, user: str = APPROVER) -> tuple[int, dict]:
        run_id = gate["task_instance"]["dag_run_id"]
        path = f"/api/v2/dags/{SIGN_OFF_DAG}/dagRuns/{run_id}/taskInstances/sign_off/-1/hitlDetails"
        return self._request("PATCH", path, user, {"chosen_options": [option], "params_input": {"comment": comment}})


@pytest.fixture(scope="module")
def api(airflow_db, tmp_path_factory) -> Api:
    """`airflow api-server` on a free localhost port, on the tests' metadata database."""
    home = Path(os.environ["AIRFLOW_HOME"])
    passwords = tmp_path_factory.mktemp("auth") / "passwords.json"
    passwords.write_text(json.dumps(PASSWORDS), encoding="utf-8")
    port = _free_port()
    environment = {
        **os.environ,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{APPROVER}:admin,{OUTSIDER}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__WORKERS": "1",
    }
    log = (home / "api-server.log").open("wb")
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "airflow"), "api-server", "--port", str(port), "--workers", "1"],
        env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, (home / "api-server.log").read_text(errors="replace")[-3000:]
            try:
                with urllib.request.urlopen(base + "/api/v2/monitor/health", timeout=5):
                    break
            except OSError:
                assert time.monotonic() < deadline, "the api-server did not start"
                time.sleep(1)
        yield Api(base)
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        log.close()


@pytest.fixture(scope="module")
def waiting_candidate(airflow_db, small_nation, tmp_path_factory) -> Path:
    """The output folder of one build run on a deployment: a candidate waits for sign-off."""
    output = tmp_path_factory.mktemp("candidate-output")
    saved = os.environ.pop("EQUITY_SIGN_OFF")
    try:
        dag_run = run_pipeline(small_nation, output)
    finally:
        os.environ["EQUITY_SIGN_OFF"] = saved
    states = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
    assert str(dag_run.state) == "success", states
    assert states["build_candidate"] == "success"
    assert states["sign_off_automatically"] == "skipped"
    return output


def _copy(output: Path, tmp_path: Path) -> Paths:
    target = tmp_path / "output"
    shutil.copytree(output, target, symlinks=True)
    return Paths(landing=tmp_path / "unused-landing", output=target)


def _start_sign_off(paths: Paths, **extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", RUN_SIGN_OFF.format(dags=str(PROJECT_ROOT / "dags"))],
        cwd=PROJECT_ROOT, env=_environment(paths.output, **extra),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )


def _finish(process: subprocess.Popen, deadline_s: float = GATE_DEADLINE_S) -> dict:
    """The watchdog: wait for the run, or kill its whole process group with SIGKILL."""
    try:
        output, _ = process.communicate(timeout=deadline_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        raise AssertionError("the sign-off run did not finish: " + output.decode(errors="replace")[-4000:])
    text = output.decode(errors="replace")
    results = [line for line in text.splitlines() if line.startswith("RESULT ")]
    assert process.returncode == 0 and results, text[-4000:]
    # The run's log tail rides along, so a failed assertion on the result shows why.
    return {**json.loads(results[-1].removeprefix("RESULT ")), "log": text[-3000:]}


def _only_candidate(paths: Paths) -> str:
    (candidate,) = [folder.name for folder in paths.candidates.iterdir()]
    return candidate


def _published_text(release: Path) -> str:
    return "\n".join(
        (release / relative).read_text(encoding="utf-8", errors="replace")
        for relative in release_files(release)
        if relative.suffix in {".json", ".csv", ".md", ".html", ""}
    )


# --- the candidate ----------------------------------------------------------------------


def test_a_candidate_is_complete_but_invisible_through_latest_and_the_history(waiting_candidate) -> None:
    paths = Paths(landing=Path("unused"), output=waiting_candidate)
    candidate = paths.candidates / _only_candidate(paths)

    assert not paths.latest_pointer.exists()
    assert release_history(paths.releases) == []
    assert not paths.releases.exists() or not any(paths.releases.iterdir())
    for relative in ["equity_metrics", "csv/equity_metrics.csv", "data_dictionary.md", "datapackage.json",
                     "figure_revisions.csv", "quality/test_summary.json", "quality/data_docs/index.html",
                     "reports/national_report.html", "reports/data_quality_report.html", CANDIDATE_FILE]:
        assert (candidate / relative).exists(), relative
    # What sign-off writes is not there yet.
    for relative in ["manifest.json", "SHA256SUMS", "revisions.csv", "sign_off.json"]:
        assert not (candidate / relative).exists(), relative
    for report in ["national_report.html", "data_quality_report.html"]:
        page = (candidate / "reports" / report).read_text(encoding="utf-8")
        assert CANDIDATE_BANNER in page and "candidate, not published" in page


# --- approve, reject, supersede through the real sign-off DAG ---------------------------


def test_approval_publishes_the_release_with_the_approvers_role_never_their_id(
    api, waiting_candidate, tmp_path
) -> None:
    paths = _copy(waiting_candidate, tmp_path)
    candidate_id = _only_candidate(paths)
    notified = tmp_path / "gate-notified.txt"
    run = _start_sign_off(
        paths,
        EQUITY_SIGN_OFF_NOTIFIER="gate_notifier:notify",
        GATE_NOTIFIED_FILE=str(notified),
        PYTHONPATH=os.pathsep.join([str(PROJECT_ROOT / "tests"), os.environ.get("PYTHONPATH", "")]),
    )
    try:
        gate = api.waiting_gate()
        # The gate shows the headline facts and where the reports are, and announced itself
        # through the deployment's notifier.
        assert candidate_id in gate["subject"]
        deadline = time.monotonic() + 60  # the notifier runs just after the gate is written
        while not notified.exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert notified.read_text(encoding="utf-8") == gate["subject"]
        for fact in ["Landing files quarantined", "Trusts missing", "Suppressions",
                     "Figures revised since the previous release", "national_report.html",
                     "data_quality_report.html"]:
            assert fact in gate["body"], fact
        assert [user["id"] for user in gate["assigned_users"]] == [APPROVER]
        # Nobody else may answer; nothing is published while the gate waits.
        status, _ = api.answer(gate, "Approve", "not mine to approve", user=OUTSIDER)
        assert status == 403
        assert not paths.latest_pointer.exists()

        status, response = api.answer(gate, "Approve", COMMENT)
        assert status == 200, response
    finally:
        result = _finish(run)

    assert result["state"] == "success", result
    assert result["tasks"]["publish_release"] == "success"
    assert result["tasks"]["reject_candidate"] == "skipped"
    release = paths.releases / candidate_id
    assert latest_release_id(paths) == candidate_id
    assert [record.release_id for record in release_history(paths.releases)] == [candidate_id]
    assert not any(paths.candidates.iterdir())

    sign_off = json.loads((release / "sign_off.json").read_text(encoding="utf-8"))
    assert sign_off["decision"] == "approved"
    assert sign_off["signed_off_by_role"] == APPROVER_ROLE and sign_off["comment"] == COMMENT
    assert sign_off["statement"] == f"signed off by the {APPROVER_ROLE}"
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["sign_off"] == sign_off
    assert "manifest.json" not in {entry["path"] for entry in manifest["files"]}
    assert "sign_off.json" in {entry["path"] for entry in manifest["files"]}
    check = subprocess.run(["sha256sum", "--check", "--strict", "--quiet", "SHA256SUMS"], cwd=release)
    assert check.returncode == 0
    for report in ["national_report.html", "data_quality_report.html"]:
        assert CANDIDATE_BANNER not in (release / "reports" / report).read_text(encoding="utf-8")
    assert not (release / CANDIDATE_FILE).exists()
    # The user id is only in Airflow's record and the unpublished log.
    assert APPROVER not in _published_text(release)
    (logged,) = [json.loads(line) for line in paths.sign_off_log.read_text(encoding="utf-8").splitlines()]
    assert logged["user_id"] == APPROVER and logged["outcome"] == "approved"


def test_rejection_publishes_nothing_and_keeps_the_candidate_with_its_reason(
    api, waiting_candidate, tmp_path
) -> None:
    paths = _copy(waiting_candidate, tmp_path)
    candidate_id = _only_candidate(paths)
    run = _start_sign_off(paths)
    try:
        status, response = api.answer(api.waiting_gate(), "Reject", "Two regions' survey files look truncated.")
        assert status == 200, response
    finally:
        result = _finish(run)

    assert result["state"] == "success", result
    assert result["tasks"]["publish_release"] == "skipped"
    assert result["tasks"]["reject_candidate"] == "success"
    assert not paths.latest_pointer.exists()
    assert release_history(paths.releases) == []
    assert (paths.rejected / candidate_id / "reports" / "national_report.html").exists()
    reason = json.loads((paths.rejected / f"{candidate_id}.reason.json").read_text(encoding="utf-8"))
    assert reason["reason"] == "rejected at sign-off"
    assert reason["decided_by_role"] == APPROVER_ROLE
    assert reason["comment"] == "Two regions' survey files look truncated."
    assert APPROVER not in json.dumps(reason)


def test_a_newer_candidate_supersedes_one_waiting_at_the_gate(api, waiting_candidate, tmp_path) -> None:
    paths = _copy(waiting_candidate, tmp_path)
    older = _only_candidate(paths)
    run = _start_sign_off(paths)
    try:
        gate = api.waiting_gate()
        # A late resubmission arrives while the reviewer reads: the next build run makes a
        # newer candidate from its work zone (the build DAG is free: its run has ended).
        newer = build_candidate(paths, int(older[:4]), "late-resubmission").name
        assert (paths.rejected / older).is_dir()
        reason = json.loads((paths.rejected / f"{older}.reason.json").read_text(encoding="utf-8"))
        assert reason["reason"] == "superseded" and newer in reason["detail"]
        # Approving the superseded candidate publishes nothing.
        status, _ = api.answer(gate, "Approve", COMMENT)
        assert status == 200
    finally:
        result = _finish(run)

    assert result["state"] == "success", result
    assert not paths.latest_pointer.exists()
    assert release_history(paths.releases) == []
    assert [folder.name for folder in paths.candidates.iterdir()] == [newer]


def test_automatic_sign_off_skips_the_gate(waiting_candidate, tmp_path) -> None:
    paths = _copy(waiting_candidate, tmp_path)
    candidate_id = _only_candidate(paths)

    result = _finish(_start_sign_off(paths, EQUITY_SIGN_OFF="automatic"))

    assert result["state"] == "success", result
    assert result["tasks"]["sign_off"] == "skipped"
    assert latest_release_id(paths) == candidate_id
    sign_off = json.loads((paths.releases / candidate_id / "sign_off.json").read_text(encoding="utf-8"))
    assert sign_off["statement"] == "signed off automatically (local run)"
    assert sign_off["signed_off_by_role"] is None


def test_a_candidate_whose_base_is_no_longer_latest_is_rejected_as_stale(waiting_candidate, tmp_path) -> None:
    paths = _copy(waiting_candidate, tmp_path)
    candidate_id = _only_candidate(paths)
    # Another release went out meanwhile (here: LATEST names one the candidate was not built on).
    other = publish_release(paths, int(candidate_id[:4]), "another-run")
    assert (paths.rejected / candidate_id).is_dir()  # building it superseded the waiting one
    shutil.move(paths.rejected / candidate_id, paths.candidates / candidate_id)

    with pytest.raises(CandidateRejected, match="stale"):
        finalise_candidate(paths, candidate_id, Decision.signed_automatically("approve-stale"))

    assert latest_release_id(paths) == other.name
    assert not (paths.releases / candidate_id).exists()
    reason = json.loads((paths.rejected / f"{candidate_id}.reason.json").read_text(encoding="utf-8"))
    assert reason["reason"] == "stale"


# --- configuration ------------------------------------------------------------------------


def test_sign_off_configuration_fails_closed(monkeypatch, tmp_path) -> None:
    from exports.sign_off import UNCONFIGURED_ROLE, approver_roles, automatic_sign_off
    from ingest.config import ConfigurationError

    monkeypatch.setenv("EQUITY_SIGN_OFF", "skip-it")
    with pytest.raises(ConfigurationError, match="EQUITY_SIGN_OFF"):
        automatic_sign_off()
    # Publishing at once is for local runs only.
    monkeypatch.delenv("EQUITY_SIGN_OFF")
    with pytest.raises(ConfigurationError, match="EQUITY_SIGN_OFF=automatic"):
        publish_release(Paths(landing=tmp_path, output=tmp_path / "output"), 2025, "deployment-run")

    monkeypatch.setenv("EQUITY_SIGN_OFF_APPROVERS", "jdoe=Head of Statistics")
    with pytest.raises(ConfigurationError, match="not JSON"):
        approver_roles()
    monkeypatch.setenv("EQUITY_SIGN_OFF_APPROVERS", json.dumps({"jdoe": "Head of Statistics"}))
    answer = {"chosen_options": ["Reject"], "params_input": {"comment": " Not yet. "},
              "responded_at": None, "responded_by_user": {"id": "someone-else", "name": "Someone Else"}}
    decision = Decision.from_gate(answer, "run-1")
    assert not decision.approved and decision.comment == "Not yet."
    assert decision.role == UNCONFIGURED_ROLE and "Someone" not in json.dumps(decision.published())
