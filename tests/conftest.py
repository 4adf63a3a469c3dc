"""Shared fixtures: an isolated Airflow home, and one full DAG run shared by the tests
that inspect its outputs (running the real DAG is the slow part of the suite)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEST_KEY = "test-suite-pseudonymisation-key"

# Airflow reads its configuration when first imported, so the isolated home is set before
# any test module imports it.
_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="equity-airflow-home-"))
os.environ["AIRFLOW_HOME"] = str(_AIRFLOW_HOME)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(PROJECT_ROOT / "dags")
os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
# Tests sign off automatically, as `make run` does: the build DAG publishes at once. The
# sign-off tests (tests/test_sign_off.py) unset it to reach the human gate.
os.environ["EQUITY_SIGN_OFF"] = "automatic"
sys.path.insert(0, str(PROJECT_ROOT / "dags"))


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """A migrated SQLite metadata database for dag.test()."""
    subprocess.run(
        [str(Path(sys.executable).parent / "airflow"), "db", "migrate"],
        check=True,
        capture_output=True,
    )
    return _AIRFLOW_HOME / "airflow.db"


def run_pipeline(landing: Path, output: Path, conf: dict | None = None, key: str = TEST_KEY):
    """Run the real DAG once with dag.test() on a landing folder, with an optional run conf
    (params); return the DagRun.

    A fresh DAG object each time, because dag.test(run_conf=...) leaves params on the
    tasks of the object it ran (see PITFALLS.md).
    """
    import nhs_equity_monitoring

    previous = {k: os.environ.get(k) for k in ("EQUITY_LANDING_DIR", "EQUITY_OUTPUT_DIR", "EQUITY_PSEUDONYMISATION_KEY")}
    os.environ.update(
        EQUITY_LANDING_DIR=str(landing), EQUITY_OUTPUT_DIR=str(output), EQUITY_PSEUDONYMISATION_KEY=key
    )
    try:
        return nhs_equity_monitoring.nhs_equity_monitoring().test(run_conf=conf)
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


SMALL_NATION = dict(scale=0.05, trusts=14, first_year=2021, last_year=2025, seed=7)


@pytest.fixture(scope="session")
def small_nation(tmp_path_factory) -> Path:
    from ingest.synthetic import generate_nation

    landing = tmp_path_factory.mktemp("small-nation") / "landing"
    generate_nation(landing, **SMALL_NATION)
    return landing


@pytest.fixture(scope="session")
def pipeline_run(airflow_db, small_nation, tmp_path_factory):
    """One full run of the real DAG on the small nation, shared by the tests that inspect it."""
    output = tmp_path_factory.mktemp("small-nation-output")
    dag_run = run_pipeline(small_nation, output)
    return dag_run, output
