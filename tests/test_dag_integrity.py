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
    order = ["ingest", "validate", "dbt_build", "publish"]
    for upstream, downstream in zip(order, order[1:]):
        assert downstream in dag.get_task(upstream).downstream_task_ids


def test_equity_dag_scheduling_guards():
    dag = _dagbag().dags["nhs_equity_monitoring"]
    assert dag.max_active_runs == 1
    assert dag.catchup is False
    assert dag.doc_md and "reporting_year" in dag.doc_md
    assert "reporting_year" in dag.params
    assert type(dag.timetable).__name__ == "CronTriggerTimetable"  # yearly, not manual-only
    assert dag.get_task("ingest").retries == 2
