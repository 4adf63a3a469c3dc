"""The validate step: GX checkpoints over the raw zone, then whole-file quarantine.

In:  work/raw/<table>.parquet, work/ingest_manifest.parquet, work/ingest_failures.parquet
Out: work/validated/<table>.parquet  rows of loaded files only, typed
     work/quarantine.parquet         ingest's failures plus GX failures (ledger shape)
     work/file_outcomes.parquet      the manifest with each file's final outcome
     work/quality/                   quarantine_report.md, quarantine.csv, data_docs/

Each table is validated once, over all its files together, and failing rows are traced
back to their file: one failing row quarantines its whole file (every sheet of a
workbook). A failure in regions.csv, or one that makes etr.csv unusable (an empty or
repeated organisation code), stops the run instead; an etr.csv row that cannot be
attributed is kept, marked, and never expected (expectations/etr_scope.py).
"""

from __future__ import annotations

import logging
import time

import pandas as pd

from expectations.contract import REQUIRED_REFERENCE_FILES
from expectations.cross_checks import WARNING_COLUMNS, cross_file_warnings
from expectations.etr_scope import scope_parameters, scope_warnings, split_failures, with_reasons
from expectations.frames import SUBMISSION_ROWS, WORKBOOK_SUITE, validation_frame, workbook_frame
from expectations.gx_context import open_work_context, publish_data_docs, run_checkpoint
from expectations.ledger import (
    failures,
    file_outcomes,
    quarantine_ledger,
)
from expectations.report import files_by_source, write_report
from expectations.zones import read_parquet, read_raw, write_parquet, write_validated
from ingest.config import Paths
from ingest.errors import NonRetryableError
from ingest.ledger import LEDGER_SCHEMA
from ingest.manifest import MANIFEST_SCHEMA
from ingest.tables import SOURCE_FILE, SOURCE_ROW, TABLES

logger = logging.getLogger(__name__)

_SHOWN_IN_ERROR = 20
_RUN_STOPS = "The run stops: nothing can be attributed to an organisation or region without it."


class ReferenceDataError(NonRetryableError):
    """etr.csv or regions.csv is missing or unusable: nothing can be attributed, so the
    run stops, and no retry can mend it."""


def validate_landed(paths: Paths) -> dict:
    """Validate the raw zone, write the validated zone, ledger, outcomes and report, and
    return a JSON-serialisable summary of the numbers."""
    started = time.perf_counter()
    manifest = read_parquet(paths.ingest_manifest)
    ingest_failures = read_parquet(paths.ingest_failures)
    _stop_if_required_reference_failed_ingest(ingest_failures)

    # Rows of files ingest could not read are not in the raw zone's scope.
    accepted = set(manifest.loc[manifest["outcome"] == "loaded", "source_file"])
    raw = {
        name: rows[rows[SOURCE_FILE].isin(accepted)].reset_index(drop=True)
        for name, rows in read_raw(paths).items()
    }
    for table, file in REQUIRED_REFERENCE_FILES.items():
        if raw[table].empty:
            raise ReferenceDataError(f"{file} is missing, unreadable or empty. {_RUN_STOPS}")
    region_codes = set(raw["ref_regions"]["region_code"].dropna())
    parameters: dict[str, list[str]] = {}  # the WRES organisation lists, once etr.csv is validated

    context = open_work_context(paths.work)
    found, rows_validated, seconds, evaluated = [], {}, {}, 0
    for suite in _VALIDATION_ORDER:
        suite_started = time.perf_counter()
        frame, provenance, sheet = _suite_input(suite, raw, manifest)
        validation = run_checkpoint(context, suite, frame, parameters)
        suite_failures = failures(validation, provenance, sheet)
        seconds[suite] = round(time.perf_counter() - suite_started, 2)
        logger.info(
            "Validated %s: %d rows, %d expectations, %d failing rows, %.2f s",
            suite,
            len(frame),
            len(validation.results),
            len(suite_failures),
            seconds[suite],
        )
        if suite == "ref_etr":
            suite_failures, unattributable = split_failures(suite_failures)
            raw[suite] = with_reasons(raw[suite], unattributable)
        if suite in REQUIRED_REFERENCE_FILES and len(suite_failures):
            raise ReferenceDataError(_describe(REQUIRED_REFERENCE_FILES[suite], suite_failures))
        if suite == "ref_etr":
            parameters = scope_parameters(raw[suite], region_codes)
        found.append(suite_failures)
        rows_validated[suite] = len(frame)
        evaluated += len(validation.results)
    found = pd.concat(found, ignore_index=True)

    outcomes = file_outcomes(manifest, found)
    ledger = quarantine_ledger(found, manifest, ingest_failures)
    loaded = set(outcomes.loc[outcomes["outcome"] == "loaded", "source_file"])
    rows_loaded = write_validated(paths, raw, loaded)
    warnings = (
        pd.concat([scope_warnings(raw["ref_etr"], region_codes), cross_file_warnings(paths)], ignore_index=True)
        .sort_values(WARNING_COLUMNS, kind="stable")
        .reset_index(drop=True)
    )
    write_parquet(ledger, LEDGER_SCHEMA, paths.quarantine_ledger)
    write_parquet(outcomes, MANIFEST_SCHEMA, paths.file_outcomes)
    write_report(paths.quality, ledger, outcomes, warnings)
    publish_data_docs(context, paths.work, paths.quality / "data_docs")

    summary = {
        "files_by_source": files_by_source(outcomes),
        "files": {k: int(v) for k, v in outcomes["outcome"].value_counts().sort_index().items()},
        "rows_validated": sum(rows_validated.values()),
        "rows_validated_by_suite": rows_validated,
        "rows_loaded_by_table": rows_loaded,
        "seconds_by_suite": seconds,
        "expectations_evaluated": evaluated,
        "ledger_rows": len(ledger),
        "warnings": len(warnings),
        "warnings_by_check": {
            k: int(v) for k, v in warnings["check"].value_counts().sort_index().items()
        },
        "seconds": round(time.perf_counter() - started, 2),
    }
    logger.info(
        "Validation: files %s; %d rows validated; %d expectations evaluated; %d ledger rows; "
        "%d warnings; %.1f s",
        summary["files"],
        summary["rows_validated"],
        evaluated,
        len(ledger),
        len(warnings),
        summary["seconds"],
    )
    return summary


# Required reference tables first, so that a failure there stops the run before anything
# else is validated.
_VALIDATION_ORDER = [
    *REQUIRED_REFERENCE_FILES,
    *(t for t in TABLES if t not in REQUIRED_REFERENCE_FILES),
    WORKBOOK_SUITE,
]


def _suite_input(
    suite: str, raw: dict[str, pd.DataFrame], manifest: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, str | None]:
    """The frame GX validates, the provenance of each of its rows, and the WRES sheet."""
    if suite == WORKBOOK_SUITE:
        wres = manifest[(manifest["source"] == "wres") & (manifest["outcome"] == "loaded")]
        workbooks = workbook_frame(sorted(wres["source_file"]), raw["wres_submission"])
        return workbooks[[SOURCE_FILE, SUBMISSION_ROWS]], workbooks, None
    return validation_frame(suite, raw), raw[suite][[SOURCE_FILE, SOURCE_ROW]], TABLES[suite].sheet


def _stop_if_required_reference_failed_ingest(ingest_failures: pd.DataFrame) -> None:
    for file in REQUIRED_REFERENCE_FILES.values():
        file_failures = ingest_failures[ingest_failures["source_file"].str.lower() == file]
        if len(file_failures):
            raise ReferenceDataError(_describe(file, file_failures))


def _describe(file: str, file_failures: pd.DataFrame) -> str:
    lines = [f"{file} failed its checks. {_RUN_STOPS}"]
    shown = file_failures.sort_values(["row", "rule"], na_position="first").head(_SHOWN_IN_ERROR)
    for failure in shown.itertuples():
        row = "" if pd.isna(failure.row) else f"row {failure.row}, "
        column = "" if pd.isna(failure.column) else f"column {failure.column}, "
        lines.append(f"  {row}{column}rule {failure.rule}: {failure.message}")
    if len(file_failures) > _SHOWN_IN_ERROR:
        lines.append(f"  ... and {len(file_failures) - _SHOWN_IN_ERROR} more failures.")
    return "\n".join(lines)
