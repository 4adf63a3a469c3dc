"""`make run`'s command, `python -m nhs_equity_monitor.local_run`, runs the DAG by Airflow and
ends as `airflow dags test` does: a failed run fails the command, so `make run` stops there."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from landing_builders import build_landing

from conftest import PROJECT_ROOT, TEST_KEY

pytestmark = pytest.mark.slow


def test_a_failed_run_is_recorded_by_airflow_and_fails_the_command(airflow_db, tmp_path):
    from airflow.models import DagRun

    landing = build_landing(tmp_path / "landing")
    (landing / "reference" / "etr.csv").unlink()  # ingest fails at once, without retries
    environment = dict(
        os.environ, EQUITY_LANDING_DIR=str(landing), EQUITY_OUTPUT_DIR=str(tmp_path / "output"),
        EQUITY_PSEUDONYMISATION_KEY=TEST_KEY,
    )
    before = {run.run_id for run in DagRun.find(dag_id="nhs_equity_monitoring")}
    result = subprocess.run(
        [sys.executable, "-m", "nhs_equity_monitor.local_run"],
        cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True,
    )
    assert result.returncode == 1
    assert result.stderr.rstrip().endswith("DagRun failed")
    runs = [run for run in DagRun.find(dag_id="nhs_equity_monitoring") if run.run_id not in before]
    assert [run.state for run in runs] == ["failed"]
    states = {ti.task_id: ti.state for ti in runs[0].get_task_instances()}
    assert states["take_run_lock"] == "success" and states["ingest"] == "failed"
    assert states["release_run_lock"] == "success"  # the teardown gives the output folder back
    assert not (tmp_path / "output" / "LATEST").exists()
