"""A failure no retry can mend fails its task once, without retries (input contract 1.1).

The ingest step retries (a storage read can fail for a moment), but a missing
pseudonymisation key or an unusable reference file fails the same way every time: the
project's NonRetryableError, which the DAG turns into Airflow's AirflowFailException.
"""

from __future__ import annotations

import pytest
from landing_builders import build_landing

from conftest import run_pipeline

pytestmark = pytest.mark.slow


def _ingest_attempts(dag_run) -> tuple[str, int, int]:
    ti = next(ti for ti in dag_run.get_task_instances() if ti.task_id == "ingest")
    return ti.state, ti.try_number, ti.max_tries


def test_a_missing_reference_file_fails_ingest_once_without_retries(airflow_db, tmp_path):
    landing = build_landing(tmp_path / "landing")
    (landing / "reference" / "etr.csv").unlink()
    dag_run = run_pipeline(landing, tmp_path / "output")
    assert dag_run.state == "failed"
    state, tries, max_tries = _ingest_attempts(dag_run)
    assert max_tries == 2  # the task does retry other failures...
    assert (state, tries) == ("failed", 1)  # ...but not this one
    assert not (tmp_path / "output" / "LATEST").exists()


def test_a_missing_pseudonymisation_key_fails_ingest_once_without_retries(airflow_db, tmp_path):
    landing = build_landing(tmp_path / "landing")
    dag_run = run_pipeline(landing, tmp_path / "output", key="")
    assert dag_run.state == "failed"
    assert _ingest_attempts(dag_run)[:2] == ("failed", 1)
