"""
### NHS national equity monitoring

Ingests every file in the landing folder (trust WRES returns, NHS Staff Survey responses,
practitioner-concerns extracts and the ODS reference files), validates them with Great
Expectations, models them with dbt into the national equity metrics, and publishes a new,
immutable, versioned release of every year.

**Story:** ingest → validate (bad files are quarantined, the rest go on) → previous release
inputs (the input hashes of the release `LATEST` names, for submission status) → dbt build
(models and every data test) → publish (parquet + CSV + data-quality evidence; `LATEST`
moves only when the release is complete).

**Params:** `reporting_year` names the year the run is for (the year ending 31 March). It
goes into the release id and the reports. Empty means the latest year present in landing.
Every run processes every year in landing, so each release is complete on its own.
`backfill_years` (a list of years, empty by default) asks for a backfill after late or
historic files arrive: the run is for the latest year listed (unless `reporting_year` names
one of them), every listed year must be in landing, and the release, which covers every year
in landing as always, records the list in its manifest as `requested_years`. Each release
also lists in `figure_revisions.csv` the published figures that changed since the previous
release.

**Configuration (environment):** `EQUITY_LANDING_DIR`, `EQUITY_OUTPUT_DIR`,
`EQUITY_PSEUDONYMISATION_KEY` (required for any landing other than the bundled sample).
"""

from __future__ import annotations

import shlex
import shutil
import sys
from datetime import timedelta
from pathlib import Path

import pendulum
from airflow.sdk import Asset, Param, dag, get_current_context, task

from ingest import config

# dbt is installed beside Airflow: next to its Python in a virtualenv, else on PATH.
_VENV_DBT = Path(sys.executable).parent / "dbt"
DBT_EXECUTABLE = str(_VENV_DBT) if _VENV_DBT.exists() else (shutil.which("dbt") or "dbt")
EQUITY_RELEASE = Asset("nhs-equity/equity-release")


def _log_failure(context) -> None:
    # The task log has the detail; this line makes the failing step obvious in the DAG log.
    ti = context["ti"]
    print(f"Equity pipeline step {ti.task_id} failed in run {ti.run_id}", file=sys.stderr)


@dag(
    dag_id="nhs_equity_monitoring",
    description="WRES, staff survey and concerns casework into published national equity metrics",
    doc_md=__doc__,
    # WRES returns are due by 31 August; the annual run follows on 1 September.
    schedule="0 6 1 9 *",
    start_date=pendulum.datetime(2025, 9, 1, tz="Europe/London"),
    catchup=False,
    max_active_runs=1,
    params={
        "reporting_year": Param(
            None,
            type=["null", "integer"],
            minimum=2015,
            description="Reporting year (year ending 31 March) that this run is for. "
            "Empty: the latest year present in landing.",
        ),
        "backfill_years": Param(
            [],
            type=["null", "array"],
            items={"type": "integer", "minimum": 2015},
            description="Backfill: the reporting years this run is asked to (re)publish. The run is "
            "for the latest of them; the release covers every year in landing and records the list.",
        ),
    },
    default_args={"on_failure_callback": _log_failure},
    tags=["equity", "wres", "publication"],
)
def nhs_equity_monitoring():
    # Reading files can meet a transient storage error, so these steps retry.
    @task(retries=2, retry_delay=timedelta(seconds=30))
    def ingest() -> dict:
        from ingest.run import ingest_landing

        return ingest_landing(config.paths())

    @task(retries=2, retry_delay=timedelta(seconds=30))
    def validate(ingest_summary: dict) -> dict:
        from expectations.validate import validate_landed

        return validate_landed(config.paths(), run_id=get_current_context()["run_id"])

    # After ingest (which replaces the work zone) and before publish (which moves LATEST).
    @task(retries=2, retry_delay=timedelta(seconds=30))
    def previous_release_inputs(validation_summary: dict) -> dict:
        from exports.previous_release import write_previous_input_hashes

        return write_previous_input_hashes(config.paths())

    # A failed dbt test is a finding, not a transient fault: no retry. Every data test runs;
    # unit tests prove the SQL on fixed fixtures, not the data, so they run in CI (`make
    # test`), as dbt recommends, and not again on every production run.
    @task.bash
    def dbt_build(validation_summary: dict) -> str:
        paths = config.paths()
        # ingest.dbt_reuse keeps dbt's partial parse between runs and reuses the last build
        # when none of its inputs changed (exit 3: build needed).
        reuse = f"{shlex.quote(sys.executable)} -m ingest.dbt_reuse"
        return (
            f"cd {shlex.quote(str(config.DBT_PROJECT_DIR))} && "
            f"export EQUITY_WORK_DIR={shlex.quote(str(paths.work))} DBT_SEND_ANONYMOUS_USAGE_STATS=false && "
            f"{{ {reuse} restore; rc=$?; [ $rc -ne 3 ] && exit $rc; }}; "
            f"{shlex.quote(DBT_EXECUTABLE)} build --exclude-resource-type unit_test --profiles-dir . "
            f"--target-path {shlex.quote(str(paths.dbt_target))} "
            f"--log-path {shlex.quote(str(paths.work / 'dbt_logs'))}; "
            f"rc=$?; {reuse} save $rc; exit $rc"
        )

    @task(outlets=[EQUITY_RELEASE])
    def publish(ingest_summary: dict) -> str:
        from exports.release import publish_release
        from exports.run_years import resolve_run_years

        context = get_current_context()
        year, requested = resolve_run_years(context["params"], ingest_summary)
        release = publish_release(
            config.paths(), reporting_year=year, run_id=context["run_id"], requested_years=requested
        )
        return str(release)

    ingested = ingest()
    validated = validate(ingested)
    built = dbt_build(validated)
    previous_release_inputs(validated) >> built
    built >> publish(ingested)


nhs_equity_monitoring()
