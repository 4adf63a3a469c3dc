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


def test_equity_dag_runs_the_steps_in_order():
    dag = _dagbag().dags["nhs_equity_monitoring"]
    order = ["ingest", "validate", "previous_release_inputs", "dbt_build", "publish"]
    for upstream, downstream in zip(order, order[1:]):
        assert downstream in dag.get_task(upstream).downstream_task_ids


def test_previous_release_inputs_are_written_after_ingest_and_before_publish():
    # ingest replaces the work zone, and publish moves LATEST to the new release: the
    # previous release's input hashes must be read in between, and reach dbt.
    dag = _dagbag().dags["nhs_equity_monitoring"]
    task = dag.get_task("previous_release_inputs")
    assert "ingest" in task.get_flat_relative_ids(upstream=True)
    assert "publish" in task.get_flat_relative_ids(upstream=False)
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
