"""
### NHS national equity monitoring

Ingests every file in the landing folder (trust WRES returns, NHS Staff Survey responses,
practitioner-concerns extracts and the ODS reference files), validates them with Great
Expectations, models them with dbt into the national equity metrics, and publishes a new,
immutable, versioned release of every year.

**Story:** ingest → validate (bad files are quarantined, the rest go on) → previous release
inputs (the input hashes of the release `LATEST` names, for submission status) → dbt build
(models and every data test) → build candidate (parquet + CSV + reports + data-quality
evidence in `candidates/<id>/`; `LATEST` does not move) → sign-off in the DAG
`nhs_equity_sign_off`, which the Asset `nhs-equity/release-candidate` triggers: a named
reviewer approves (the release is published and `LATEST` moves) or rejects. With
`EQUITY_SIGN_OFF=automatic` (local runs only) the last step here publishes at once.

**Params:** `reporting_year` names the year the run is for (the year ending 31 March). It
goes into the release id and the reports. Empty means the latest year present in landing.
Every run processes every year in landing, so each release is complete on its own.
`backfill_years` (a list of years, empty by default) asks for a backfill after late or
historic files arrive: the run is for the latest year listed (unless `reporting_year` names
one of them), every listed year must be in landing, and the release, which covers every year
in landing as always, records the list in its manifest as `requested_years`. Each release
also lists in `figure_revisions.csv` the published figures that changed since the previous
release.

**Configuration (environment):** `EQUITY_LANDING_DIR`, `EQUITY_OUTPUT_DIR`. The
pseudonymisation key (required for any landing other than the bundled sample) comes from the
connection `equity_pseudonymisation` (its password), the variable
`equity_pseudonymisation_secret`, or `EQUITY_PSEUDONYMISATION_KEY`, in that order.

**One run at a time:** `take_run_lock` takes the output folder for this run (a second run
fails at once and names the holder); `release_run_lock`, a teardown, gives it back.

**Sign-off:** `EQUITY_SIGN_OFF` (`automatic` on local runs only; see `nhs_equity_sign_off`).
"""

# Parse time imports only Airflow and the standard library: the dag-processor needs neither
# the project nor dbt. Each step imports the project when it runs, on the worker.
from __future__ import annotations

import sys
from contextlib import contextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from airflow.sdk import Asset, Param, dag, get_current_context, setup, task, teardown
from airflow.sdk.exceptions import AirflowSkipException

EQUITY_RELEASE = Asset("nhs-equity/equity-release")
# Emitted when a candidate is ready; the DAG nhs_equity_sign_off is scheduled on it.
RELEASE_CANDIDATE = Asset("nhs-equity/release-candidate")


def _log_failure(context) -> None:
    # The task log has the detail; this line makes the failing step obvious in the DAG log.
    ti = context["ti"]
    print(f"Equity pipeline step {ti.task_id} failed in run {ti.run_id}", file=sys.stderr)


@contextmanager
def _holding_run_lock():
    """The step's run must hold the output folder; it beats the lock while it works.

    A failure no retry can mend (the project's NonRetryableError: a missing or unusable
    reference file, a missing pseudonymisation key) fails the task at once, without its
    retries. Any other error, such as a storage read that fails for a moment, is retried."""
    from airflow.sdk.exceptions import AirflowFailException

    from ingest import config
    from ingest.errors import NonRetryableError
    from nhs_equity_monitor import run_lock

    try:
        with run_lock.held(config.paths().output, get_current_context()["run_id"]) as lock:
            yield lock
    except NonRetryableError as error:
        raise AirflowFailException(str(error)) from error


@dag(
    dag_id="nhs_equity_monitoring",
    description="WRES, staff survey and concerns casework into published national equity metrics",
    doc_md=__doc__,
    # WRES returns are due by 31 August; the annual run follows on 1 September.
    schedule="0 6 1 9 *",
    start_date=datetime(2025, 9, 1, tzinfo=ZoneInfo("Europe/London")),
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
    # A held lock is a finding about another run, not a transient fault: no retry.
    @setup
    def take_run_lock() -> None:
        from ingest import config
        from nhs_equity_monitor import provenance, run_lock

        # The code's provenance is read as the run starts and kept with the lock for publish.
        run_lock.acquire(config.paths().output, get_current_context()["run_id"], provenance.code_provenance())

    @teardown
    def release_run_lock() -> None:
        from ingest import config
        from nhs_equity_monitor import run_lock

        run_lock.release(config.paths().output, get_current_context()["run_id"])

    # Reading files can meet a transient storage error, so these steps retry; a failure no
    # retry can mend fails at once (_holding_run_lock).
    # Ingest and validate run in a child process each (nhs_equity_monitor/child_process.py), so
    # the memory they use is given back before dbt runs.
    @task(retries=2, retry_delay=timedelta(seconds=30))
    def ingest() -> dict:
        from ingest import config
        from nhs_equity_monitor.child_process import run_in_child
        from nhs_equity_monitor.platform_secrets import pseudonymisation_key

        paths = config.paths()
        with _holding_run_lock():
            # The key is an argument, never an XCom value (platform_secrets masks it in logs).
            return run_in_child("ingest.run:ingest_landing", paths, key=pseudonymisation_key(paths.landing))

    @task(retries=2, retry_delay=timedelta(seconds=30))
    def validate(ingest_summary: dict) -> dict:
        from ingest import config
        from nhs_equity_monitor.child_process import run_in_child

        with _holding_run_lock():
            return run_in_child("expectations.validate:validate_landed", config.paths(),
                                run_id=get_current_context()["run_id"])

    # After ingest (which replaces the work zone) and before publish (which moves LATEST).
    @task(retries=2, retry_delay=timedelta(seconds=30))
    def previous_release_inputs(validation_summary: dict) -> dict:
        from exports.previous_release import write_previous_input_hashes
        from ingest import config

        with _holding_run_lock():
            return write_previous_input_hashes(config.paths())

    # A failed dbt test is a finding, not a transient fault: no retry.
    @task
    def dbt_build(validation_summary: dict) -> None:
        from ingest import config
        from nhs_equity_monitor.dbt_build import dbt_build

        with _holding_run_lock():
            dbt_build(config.paths())

    # The candidate is complete on its own, so the next run may replace the work zone while
    # it waits for sign-off in the DAG nhs_equity_sign_off.
    @task(outlets=[RELEASE_CANDIDATE])
    def build_candidate(ingest_summary: dict) -> str:
        from exports.release import build_candidate as build
        from exports.run_years import resolve_run_years
        from ingest import config

        context = get_current_context()
        year, requested = resolve_run_years(context["params"], ingest_summary)
        with _holding_run_lock() as lock:
            candidate = build(
                config.paths(),
                reporting_year=year,
                run_id=context["run_id"],
                requested_years=requested,
                code=lock["code"],
            )
        context["outlet_events"][RELEASE_CANDIDATE].extra = {"candidate_id": candidate.name}
        return candidate.name

    # Local runs only (EQUITY_SIGN_OFF=automatic, set by `make run`, `make bench` and the
    # tests): publish at once. Elsewhere this step is skipped and a person signs off. It is
    # outside the run lock, which never covers sign-off.
    @task(outlets=[EQUITY_RELEASE])
    def sign_off_automatically(candidate_id: str) -> str:
        from exports.sign_off import Decision, automatic_sign_off, finalise_candidate
        from ingest import config

        if not automatic_sign_off():
            raise AirflowSkipException(
                f"Candidate {candidate_id} awaits sign-off in the DAG nhs_equity_sign_off (task sign_off)"
            )
        context = get_current_context()
        return str(finalise_candidate(config.paths(), candidate_id, Decision.signed_automatically(context["run_id"])))

    lock = take_run_lock()
    ingested = ingest()
    validated = validate(ingested)
    built = dbt_build(validated)
    previous_release_inputs(validated) >> built
    candidate = build_candidate(ingested)
    built >> candidate
    lock >> ingested
    released = release_run_lock()
    candidate >> released
    lock >> released
    sign_off_automatically(candidate)


nhs_equity_monitoring()
