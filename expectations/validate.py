"""The validate step: GX checkpoints over the raw zone, then whole-file quarantine.

In:  work/raw/<table>.parquet, work/ingest_manifest.parquet, work/ingest_failures.parquet
Out: work/validated/<table>.parquet  rows of loaded files only, typed
     work/quarantine.parquet         ingest's failures plus GX failures (ledger shape)
     work/file_outcomes.parquet      the manifest with each file's final outcome
     work/quality/                   quarantine_report.md, quarantine.csv, data_docs/

Each large table is validated one folder year at a time, small ones in one piece
(expectations/zones.py), so memory does not grow with history; failing rows are traced
back to their file: one failing row quarantines its whole file (every sheet of a
workbook). A failure in regions.csv, or one that makes etr.csv unusable (an empty or
repeated organisation code), stops the run instead; an etr.csv row that cannot be
attributed is kept, marked, and never expected (expectations/etr_scope.py). A file whose
verdict the cache holds is not validated again (expectations/verdicts.py), the reference
files included: every other file's cache key already covers them, and their own verdict
depends only on their bytes and the code. A chunk with no file to validate is not read,
and GX is not imported unless a checkpoint runs (expectations/gx_context.py); the
validated zone and Data Docs of unchanged inputs come from the cache
(expectations/validated_zone.py, expectations/output_cache.py). The checkpoints after the
reference files are independent: EQUITY_VALIDATE_WORKERS > 1 shares them between forked
worker processes (nhs_equity_monitor/forked_workers.py); outputs are the same bytes.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa

from expectations.contract import REQUIRED_REFERENCE_FILES
from expectations.cross_checks import WARNING_COLUMNS, cross_file_warnings
from expectations.etr_scope import REASON, scope_parameters, scope_warnings, split_failures, with_reasons
from expectations.frames import SUBMISSION_ROWS, WORKBOOK_SUITE, validation_frame, workbook_frame
from expectations.gx_context import WorkContext
from expectations.ledger import (
    failures,
    file_outcomes,
    quarantine_ledger,
)
from expectations.output_cache import OutputCache, output_key
from expectations.report import files_by_source, write_report
from expectations.validated_zone import ValidatedZone
from expectations.verdicts import ValidationCache
from expectations.zones import (
    ALL_YEARS,
    TableLayout,
    as_frame,
    read_parquet,
    read_raw_rows,
    read_raw_table,
    table_layout,
    write_parquet,
)
from ingest.cache import cache_dir, cache_enabled
from ingest.config import Paths
from ingest.errors import NonRetryableError
from ingest.ledger import LEDGER_SCHEMA
from ingest.manifest import MANIFEST_SCHEMA
from ingest.tables import SOURCE_FILE, SOURCE_ROW, TABLES
from nhs_equity_monitor.forked_workers import run_jobs

logger = logging.getLogger(__name__)

_SHOWN_IN_ERROR = 20
_RUN_STOPS = "The run stops: nothing can be attributed to an organisation or region without it."


class ReferenceDataError(NonRetryableError):
    """etr.csv or regions.csv is missing or unusable: nothing can be attributed, so the
    run stops, and no retry can mend it."""


def validate_landed(paths: Paths, run_id: str | None = None) -> dict:
    """Validate the raw zone, write the validated zone, ledger, outcomes and report, and
    return a JSON-serialisable summary of the numbers. `run_id` (the DAG run) is recorded
    against every file this run validates."""
    started = time.perf_counter()
    run_id = run_id or os.environ.get("AIRFLOW_CTX_DAG_RUN_ID") or "manual"
    manifest = read_parquet(paths.ingest_manifest)
    ingest_failures = read_parquet(paths.ingest_failures)
    _stop_if_required_reference_failed_ingest(ingest_failures)

    # Rows of files ingest could not read are not in the raw zone's scope. Files whose
    # verdict the cache holds (ingest/cache.py) are not validated again.
    accepted = set(manifest.loc[manifest["outcome"] == "loaded", "source_file"])
    verdicts = ValidationCache(paths, run_id)
    reused = verdicts.reused(accepted)
    to_validate = accepted - set(reused)
    layouts = {table: table_layout(paths, table) for table in TABLES}
    for table, file in REQUIRED_REFERENCE_FILES.items():
        if not layouts[table].files() & accepted:
            raise ReferenceDataError(f"{file} is missing, unreadable or empty. {_RUN_STOPS}")
    region_codes = set(read_raw_table(paths, "ref_regions", accepted, dictionaries=False)["region_code"].dropna())
    # A reused etr.csv keeps the rows it cannot attribute from its verdict.
    etr_rows = read_raw_table(paths, "ref_etr", accepted, dictionaries=False)
    unattributable = verdicts.failures(reused, "unattributable")
    etr = with_reasons(etr_rows, unattributable)
    parameters = scope_parameters(etr, region_codes)  # the WRES organisation lists
    _stop_if_reused_reference_failed(verdicts.failures(reused))

    checks = WorkContext(paths.work)
    outputs = cache_dir(paths)
    enabled = cache_enabled() and bool(verdicts.keys)
    tables = OutputCache(outputs, "validated", enabled)
    workers = validation_workers()
    zone = ValidatedZone(paths, tables, verdicts.keys, in_background=workers == 1)
    found = [verdicts.failures(reused)]
    rows_validated = {suite: 0 for suite in _VALIDATION_ORDER}
    checkpoints = {suite: 0 for suite in _VALIDATION_ORDER}
    seconds = {suite: 0.0 for suite in _VALIDATION_ORDER}
    evaluated = 0

    def check(chunk: _Chunk) -> _Checked | None:
        """Run one chunk's checkpoint; keep its typed rows for the validated zone."""
        raw = TableYears(paths, chunk.years, chunk.files)
        frame, provenance, sheet = _suite_input(chunk.suite, raw, manifest)
        if frame.empty and chunk.suite not in REQUIRED_REFERENCE_FILES:
            return None
        checkpoint_started = time.perf_counter()
        validation = checks.run_checkpoint(chunk.suite, frame, parameters)
        suite_failures = failures(validation, provenance, sheet)
        took = time.perf_counter() - checkpoint_started
        if chunk.suite == "ref_etr":
            suite_failures, chunk_unattributable = split_failures(suite_failures)
        else:
            chunk_unattributable = None
        if chunk.keeps_typed:
            failed = set(suite_failures["source_file"])
            zone.keep_typed(chunk.suite, chunk.years, raw.rows(chunk.suite), failed)
        return _Checked(suite_failures, chunk_unattributable, len(frame), len(validation.results), took)

    def record(chunk: _Chunk, checked: _Checked) -> None:
        nonlocal evaluated
        found.append(checked.failures)
        rows_validated[chunk.suite] += checked.rows
        checkpoints[chunk.suite] += 1
        seconds[chunk.suite] += checked.seconds
        evaluated += checked.expectations

    chunks = [
        _Chunk(suite, years, frozenset(files), _keeps_typed(suite, files, layouts.get(suite), years, accepted))
        for suite in _VALIDATION_ORDER
        for years in _chunks(layouts, suite)
        if (files := _files_to_validate(suite, layouts, years, to_validate))
    ]
    # Reference files first, here and in order: their failures stop the run, and etr.csv
    # gives the other suites their parameters.
    first = [chunk for chunk in chunks if chunk.suite in REQUIRED_REFERENCE_FILES]
    for chunk in first:
        checked = check(chunk)
        if checked is None:
            continue
        if chunk.suite in REQUIRED_REFERENCE_FILES and len(checked.failures):
            raise ReferenceDataError(_describe(REQUIRED_REFERENCE_FILES[chunk.suite], checked.failures))
        if chunk.suite == "ref_etr":
            unattributable = checked.unattributable
            etr = with_reasons(etr_rows, unattributable)
            parameters = scope_parameters(etr, region_codes)
        record(chunk, checked)
    # The rest are independent of each other: with more than one worker process, shared
    # between them, the largest first so that they finish together. Merged in suite and
    # chunk order whoever ran them.
    rest = [chunk for chunk in chunks if chunk not in first]
    order = list(range(len(rest)))
    if workers > 1 and rest:
        checks.open()  # GX imported once, before the workers fork
        order.sort(key=lambda i: -_chunk_rows(layouts, rest[i]))
    results = run_jobs(lambda i: check(rest[i]), order, workers=workers,
                       after_each=release_memory if workers > 1 else None)
    checked_by_chunk = dict(zip(order, results, strict=True))
    for i, chunk in enumerate(rest):
        if checked_by_chunk[i] is not None:
            record(chunk, checked_by_chunk[i])
    for suite in _VALIDATION_ORDER:
        seconds[suite] = round(seconds[suite], 2)
        logger.info("Validated %s: %d rows, %.2f s", suite, rows_validated[suite], seconds[suite])
    found = pd.concat(found, ignore_index=True)
    verdicts.save(to_validate, found, unattributable)

    outcomes = file_outcomes(manifest, found)
    ledger = quarantine_ledger(found, manifest, ingest_failures)
    loaded = set(outcomes.loc[outcomes["outcome"] == "loaded", "source_file"])
    etr_loaded = etr[etr[SOURCE_FILE].isin(loaded)]
    derived = {"ref_etr": {REASON: pa.array(etr_loaded[REASON], pa.string(), from_pandas=True)}}
    # Writing the validated zone is mostly Arrow's (it lets go of the GIL): a thread writes
    # it while this one builds Data Docs (GX, in Python).
    with ThreadPoolExecutor(max_workers=1) as writer:
        zone_written = writer.submit(zone.write, loaded, layouts, derived)
        write_parquet(ledger, LEDGER_SCHEMA, paths.quarantine_ledger)
        write_parquet(outcomes, MANIFEST_SCHEMA, paths.file_outcomes)
        verdicts.write_record(sorted(accepted))
        docs = OutputCache(outputs, "data_docs", enabled)
        ran_checkpoints = sum(checkpoints.values()) > 0
        _publish_data_docs(checks, ran_checkpoints, docs, verdicts.keys, accepted, paths.quality / "data_docs")
        rows_loaded = zone_written.result()
    warnings = (  # the cross-file checks read the validated zone
        pd.concat([scope_warnings(etr, region_codes), cross_file_warnings(paths)], ignore_index=True)
        .sort_values(WARNING_COLUMNS, kind="stable")
        .reset_index(drop=True)
    )
    write_report(paths.quality, ledger, outcomes, warnings)
    tables.keep_only_used()
    docs.keep_only_used()

    summary = {
        "files_by_source": files_by_source(outcomes),
        "files": {k: int(v) for k, v in outcomes["outcome"].value_counts().sort_index().items()},
        "files_validated": len(to_validate),
        "files_reused": len(reused),
        "rows_validated": sum(rows_validated.values()),
        "rows_validated_by_suite": rows_validated,
        "rows_loaded_by_table": rows_loaded,
        "checkpoints_by_suite": checkpoints,
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
        "Validation: files %s; %d validated, %d reused from the cache; %d rows validated; "
        "%d expectations evaluated; %d ledger rows; %d warnings; %.1f s",
        summary["files"],
        len(to_validate),
        len(reused),
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
# Validated over every year at once: case_ref must be unique across every year's extract
# (the table is small). Every other table is validated in chunks of folder years
# (expectations/zones.py: a large table a year at a time).
_ACROSS_YEARS = {"concerns_cases"}
# Tables whose validated rows carry columns validation derives (written from those).
_DERIVED = {"ref_etr"}


@dataclass(frozen=True)
class _Chunk:
    """One checkpoint's work: a suite over some folder years of some files."""

    suite: str
    years: Any
    files: frozenset[str]
    keeps_typed: bool  # every accepted file of the chunk: its typed rows are the table's


@dataclass(frozen=True)
class _Checked:
    """What one checkpoint found, as the run records it."""

    failures: pd.DataFrame
    unattributable: pd.DataFrame | None  # etr.csv's rows that cannot be attributed
    rows: int
    expectations: int
    seconds: float


def _keeps_typed(suite: str, files: set[str], layout: TableLayout | None, years, accepted: set[str]) -> bool:
    """A chunk's typed rows are the validated zone's when it holds every accepted file of
    its years (and the table has no column derived after validation)."""
    return suite in TABLES and suite not in _DERIVED and files == layout.files(years) & accepted


def _chunk_rows(layouts: dict[str, TableLayout], chunk: _Chunk) -> int:
    """A chunk's size, to start the largest first (a workbook row stands for a workbook)."""
    if chunk.suite not in layouts:
        return len(chunk.files)
    layout = layouts[chunk.suite]
    years = layout.rows_by_year if chunk.years is ALL_YEARS else chunk.years
    return sum(layout.rows_by_year.get(year, 0) for year in years)


def validation_workers() -> int:
    """Checkpoints run in this many processes: EQUITY_VALIDATE_WORKERS, else 1. A second
    process halves the checkpoints' wall time on two cores but adds about 0.5 GiB to the
    process tree's peak RSS (its own copy of GX and of a survey year in flight), more than
    the 1.5 GiB budget leaves at 10 years of history (docs/methodology.md)."""
    configured = os.environ.get("EQUITY_VALIDATE_WORKERS", "").strip()
    return max(1, int(configured)) if configured else 1


def release_memory() -> None:
    """Give a finished chunk's Arrow memory back to the system: Arrow's pool otherwise
    keeps it, and a worker's next chunk would add to it. (glibc's malloc_trim and a full
    gc.collect were measured: they cost 0.2 s a chunk and gave little back.)"""
    pa.default_memory_pool().release_unused()


class TableYears(Mapping[str, pd.DataFrame]):
    """The raw rows of some folder years (or every year: ALL_YEARS) of the files to
    validate, read table by table as a suite's frame asks for them."""

    def __init__(self, paths: Paths, years, files: set[str]):
        self._paths, self._years, self.files = paths, years, files
        self._rows: dict[str, pa.Table] = {}
        self._frames: dict[str, pd.DataFrame] = {}

    def rows(self, table: str) -> pa.Table:
        if table not in self._rows:
            self._rows[table] = read_raw_rows(self._paths, table, self.files, self._years)
        return self._rows[table]

    def __getitem__(self, table: str) -> pd.DataFrame:
        if table not in self._frames:
            self._frames[table] = as_frame(self.rows(table))
        return self._frames[table]

    def __iter__(self):
        return iter(TABLES)

    def __len__(self) -> int:
        return len(TABLES)


def _chunks(layouts: dict[str, TableLayout], suite: str) -> list:
    """The groups of folder years a suite is run for, one checkpoint each."""
    if suite in _ACROSS_YEARS or suite == WORKBOOK_SUITE:  # a workbook is one row
        return [ALL_YEARS]
    return layouts[suite].chunks()


def _files_to_validate(suite: str, layouts: dict[str, TableLayout], years, to_validate: set[str]) -> set[str]:
    """The files of this chunk that have no reused verdict (every WRES workbook for the
    workbook suite: one with no submission row still has a row to fail)."""
    if suite == WORKBOOK_SUITE:
        return to_validate
    return set(layouts[suite].files(years) & to_validate)


def _suite_input(
    suite: str, raw: TableYears, manifest: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, str | None]:
    """The frame GX validates, the provenance of each of its rows, and the WRES sheet."""
    if suite == WORKBOOK_SUITE:
        submission = raw["wres_submission"]
        wres = manifest[
            (manifest["source"] == "wres")
            & (manifest["outcome"] == "loaded")
            & manifest["source_file"].isin(raw.files)
        ]
        workbooks = workbook_frame(sorted(wres["source_file"]), submission)
        return workbooks[[SOURCE_FILE, SUBMISSION_ROWS]], workbooks, None
    return validation_frame(suite, raw), raw[suite][[SOURCE_FILE, SOURCE_ROW]], TABLES[suite].sheet


def _publish_data_docs(
    checks: WorkContext, checked: bool, docs: OutputCache, keys: dict[str, str], accepted: set[str], destination
) -> None:
    """Build Data Docs from this run's results. A run that ran no checkpoint, on the same
    files as a run that built them, copies that run's site: it shows the results every
    reused verdict came from, and spares importing GX."""
    key = None
    if accepted <= keys.keys():
        key = output_key("data_docs", [f"{f}:{keys[f]}" for f in sorted(accepted)])
    if not checked and key and docs.restore(key, destination) is not None:
        return
    checks.publish_data_docs(destination)
    if key:
        docs.save(key, destination)


def _stop_if_required_reference_failed_ingest(ingest_failures: pd.DataFrame) -> None:
    for file in REQUIRED_REFERENCE_FILES.values():
        file_failures = ingest_failures[ingest_failures["source_file"].str.lower() == file]
        if len(file_failures):
            raise ReferenceDataError(_describe(file, file_failures))


def _stop_if_reused_reference_failed(reused_failures: pd.DataFrame) -> None:
    for file in REQUIRED_REFERENCE_FILES.values():
        file_failures = reused_failures[reused_failures["source_file"].str.lower() == file]
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
