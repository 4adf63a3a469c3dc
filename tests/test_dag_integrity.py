"""Every DAG file imports cleanly and the equity DAG is wired as the pipeline's story."""

from __future__ import annotations

from pathlib import Path

DAGS_FOLDER = Path(__file__).resolve().parent.parent / "dags"


def _dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_FOLDER))


def test_every_dag_file_imports_without_errors():
    bag = _dagbag()
    assert bag.import_errors == {}
    assert "nhs_equity_monitoring" in bag.dag_ids
    assert "nhs_equity_sign_off" in bag.dag_ids


def test_equity_dag_runs_the_steps_in_order():
    dag = _dagbag().dags["nhs_equity_monitoring"]
    order = ["take_run_lock", "ingest", "validate", "previous_release_inputs", "dbt_build", "build_candidate", "release_run_lock"]
    for upstream, downstream in zip(order, order[1:]):
        assert downstream in dag.get_task(upstream).downstream_task_ids


def test_previous_release_inputs_are_written_after_ingest_and_before_publish():
    # ingest replaces the work zone, and publish moves LATEST to the new release: the
    # previous release's input hashes must be read in between, and reach dbt.
    dag = _dagbag().dags["nhs_equity_monitoring"]
    task = dag.get_task("previous_release_inputs")
    assert "ingest" in task.get_flat_relative_ids(upstream=True)
    assert "build_candidate" in task.get_flat_relative_ids(upstream=False)
    assert task.upstream_task_ids == {"validate"}
    assert task.downstream_task_ids == {"dbt_build"}


def test_equity_dag_scheduling_guards():
    dag = _dagbag().dags["nhs_equity_monitoring"]
    assert dag.max_active_runs == 1
    assert dag.catchup is False
    assert dag.doc_md and "reporting_year" in dag.doc_md
    assert "reporting_year" in dag.params
    assert dag.doc_md and "backfill_years" in dag.doc_md
    assert "backfill_years" in dag.params
    assert not dag.params["backfill_years"]  # not a backfill unless asked
    assert type(dag.timetable).__name__ == "CronTriggerTimetable"  # yearly, not manual-only
    assert dag.get_task("ingest").retries == 2


def test_dag_file_imports_only_airflow_and_the_standard_library_at_parse_time():
    # The dag-processor has neither the project nor dbt (README, "Running on a real Airflow
    # deployment"): every project import happens inside a task.
    import ast
    import sys

    allowed = {"airflow", "__future__", *sys.stdlib_module_names}
    for dag_file in DAGS_FOLDER.glob("*.py"):
        tree = ast.parse(dag_file.read_text(encoding="utf-8"))
        for node in tree.body:  # module level only: imports inside functions run in tasks
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                top = name.split(".")[0]
                assert top in allowed, f"{dag_file.name} imports {name} at parse time"
                if top == "airflow":
                    assert name.startswith(("airflow.sdk", "airflow.providers.standard")), name


def test_run_lock_spans_ingest_to_the_candidate_and_is_always_released():
    dag = _dagbag().dags["nhs_equity_monitoring"]
    take, release = dag.get_task("take_run_lock"), dag.get_task("release_run_lock")
    assert take.is_setup and release.is_teardown
    assert take.retries == 0  # a held lock is another run's, not a transient fault
    assert {"ingest", "build_candidate"} <= take.get_flat_relative_ids(upstream=False)
    assert "build_candidate" in release.get_flat_relative_ids(upstream=True)
    # The lock never covers sign-off.
    assert "sign_off_automatically" not in release.get_flat_relative_ids(upstream=True)


def test_the_build_ends_with_a_candidate_that_triggers_the_sign_off_dag():
    bag = _dagbag()
    build, sign_off = bag.dags["nhs_equity_monitoring"], bag.dags["nhs_equity_sign_off"]
    candidate_outlets = {asset.uri for asset in build.get_task("build_candidate").outlets}
    assert candidate_outlets == {"nhs-equity/release-candidate"}
    assert {asset.uri for asset in build.get_task("sign_off_automatically").outlets} == {"nhs-equity/equity-release"}
    assert type(sign_off.timetable).__name__ == "AssetTriggeredTimetable"
    assert "nhs-equity/release-candidate" in str(sign_off.timetable.asset_condition)


def test_sign_off_dag_holds_a_human_gate_before_publishing():
    from airflow.providers.standard.operators.hitl import ApprovalOperator

    dag = _dagbag().dags["nhs_equity_sign_off"]
    gate = dag.get_task("sign_off")
    assert isinstance(gate, ApprovalOperator)
    assert gate.options == ["Approve", "Reject"]
    assert gate.defaults is None  # a timeout chooses nothing: it fails and counts as a reject
    assert gate.response_timeout.days == 14
    assert gate.notifiers
    assert "comment" in gate.params
    assert dag.get_task("open_candidate").downstream_task_ids == {"sign_off", "publish_release"}
    assert gate.downstream_task_ids == {"publish_release"}
    assert dag.get_task("publish_release").downstream_task_ids == {"reject_candidate"}
    assert {asset.uri for asset in dag.get_task("publish_release").outlets} == {"nhs-equity/equity-release"}
    # Sign-off waits must not block a newer candidate's run.
    assert dag.max_active_runs > 1
