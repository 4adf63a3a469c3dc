"""Ingest one landing folder into a fresh work zone.

landing (read only) -> work/raw/<table>.parquet, work/ingest_manifest.parquet and
work/ingest_failures.parquet, as docs/architecture.md describes. Every landing file gets
a manifest row; every file that is not loaded gets at least one ledger row saying why.
Nothing in landing is ever written, moved or deleted.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import time
from collections import Counter, defaultdict

from tqdm import tqdm

from ingest.cache import CachedReading, file_keys_path
from ingest.config import Paths
from ingest.discover import REFERENCE, REFERENCE_FILES, SURVEY_COLUMN_MAP, LandingFile, discover
from ingest.errors import LandingFolderError, ReferenceDataError
from ingest.ledger import Failure, cap_per_rule, ledger_rows, write_ledger
from ingest.manifest import manifest_row, write_manifest
from ingest.pseudonymise import key_for, pseudonymise_table
from ingest.raw_zone import RawZoneWriter
from ingest.readers import FileRead

logger = logging.getLogger(__name__)

# Without these nothing can be attributed, so any problem reading them stops the run.
REQUIRED_REFERENCE = {
    kind: f"{REFERENCE}/{name}"
    for name, kind in REFERENCE_FILES.items()
    if kind in ("ref_etr", "ref_regions")
}


def ingest_landing(paths: Paths, key: str | None = None) -> dict:
    """Replace the work zone with the raw zone, manifest and failure ledger of `paths.landing`.

    `key` is the pseudonymisation key from the platform's secrets (an argument, so it never
    travels through XCom); without it the environment's is used (ingest/pseudonymise.py).

    Returns a JSON-serialisable summary. Raises LandingFolderError or ReferenceDataError
    (ingest.errors), or ConfigurationError when the pseudonymisation key is missing; the
    last two are NonRetryableError. An OSError reading etr.csv or regions.csv is raised as
    it is, since a retry may mend it.
    """
    started = time.perf_counter()
    _check_folders(paths)
    key = key_for(paths.landing, key)
    _reset_work_zone(paths)
    files = discover(paths.landing)
    _check_required_reference(files, paths)

    manifest, ledger, notes = [], [], []
    column_maps: dict[int, dict[str, str] | None] = {}  # survey year -> map; None if its map failed
    raw = RawZoneWriter(paths.raw)
    reading = CachedReading(paths, files, key)
    for file in tqdm(sorted(files, key=_read_order), desc="ingest", unit="file", disable=None):
        sha256, size_bytes, read = _read(file, column_maps, reading)
        if file.kind in REQUIRED_REFERENCE and read.failures:
            raise ReferenceDataError(file.relpath, "; ".join(f.message for f in read.failures[:5]))
        if file.kind == SURVEY_COLUMN_MAP:
            column_maps[file.year] = read.column_map
        for table_name, rows in read.tables.items():
            raw.add(file, table_name, pseudonymise_table(rows, key))
        manifest.append(
            manifest_row(
                file, sha256=sha256, size_bytes=size_bytes, rows_read=read.rows_read, failures=read.failures
            )
        )
        ledger += ledger_rows(
            cap_per_rule(read.failures),
            source_file=file.relpath,
            sha256=sha256,
            source=file.source,
            reporting_year=file.year,
        )
        notes += [{"source_file": file.relpath, "note": note} for note in read.notes]
    raw.close()
    manifest.sort(key=lambda row: row["source_file"])
    ledger.sort(key=lambda row: row["source_file"])  # stable: keeps each file's failures in order
    write_manifest(manifest, paths.ingest_manifest)
    write_ledger(ledger, paths.ingest_failures)
    reading.write_keys(file_keys_path(paths))

    summary = _summary(paths, manifest, ledger, notes, raw.rows, time.perf_counter() - started)
    summary["files_reused"] = len(reading.reused)
    _log(summary, manifest)
    return summary


def _check_folders(paths: Paths) -> None:
    landing, work = paths.landing.resolve(), paths.work.resolve()
    if not landing.is_dir():
        raise LandingFolderError(f"the landing folder {landing} does not exist")
    # The work zone is deleted at the start of every run; it must never hold, or sit in, landing.
    if landing == work or work in landing.parents or landing in work.parents:
        raise LandingFolderError(f"the work zone {work} overlaps the landing folder {landing}")


def _reset_work_zone(paths: Paths) -> None:
    """The work zone belongs to one run: nothing from an earlier run may be mistaken for this one's."""
    if paths.work.exists():
        shutil.rmtree(paths.work)
    paths.raw.mkdir(parents=True)


def _check_required_reference(files: list[LandingFile], paths: Paths) -> None:
    for kind, name in REQUIRED_REFERENCE.items():
        candidates = [file for file in files if file.kind == kind]
        if not candidates:
            raise ReferenceDataError(name, f"the file is missing from the landing folder {paths.landing}")
        for file in candidates:
            if file.problem:
                raise ReferenceDataError(file.relpath, file.problem.message)


def _read_order(file: LandingFile) -> tuple[int, str]:
    """Required reference first (fail fast), then survey column maps (the survey needs them)."""
    first = 0 if file.kind in REQUIRED_REFERENCE else 1 if file.kind == SURVEY_COLUMN_MAP else 2
    return first, file.relpath


def _read(
    file: LandingFile, column_maps: dict[int, dict[str, str] | None], reading: CachedReading
) -> tuple[str | None, int | None, FileRead]:
    """sha256, size and what was read. Every file is hashed, recognised or not."""
    try:
        data = file.path.read_bytes()
    except OSError as error:
        if file.kind in REQUIRED_REFERENCE and not file.problem:
            raise  # storage can fail for a moment: the step's retries may mend it
        failure = file.problem or Failure("unreadable_file", f"could not be opened: {error.strerror}")
        return None, None, FileRead(failures=[failure])
    sha256 = hashlib.sha256(data).hexdigest()
    if file.problem:
        return sha256, len(data), FileRead(failures=[file.problem])
    column_map = None
    if file.kind == "survey_responses":
        if file.year in column_maps and column_maps[file.year] is None:
            message = "this year's column_map.csv failed, so the survey's columns cannot be mapped"
            return sha256, len(data), FileRead(failures=[Failure("column_map_unusable", message)])
        column_map = column_maps.get(file.year)
    return sha256, len(data), reading.read(file, data, sha256, column_map)


def _summary(
    paths: Paths, manifest: list[dict], ledger: list[dict], notes: list[dict], raw_rows: dict, seconds: float
) -> dict:
    by_source: dict[str, Counter] = defaultdict(Counter)
    for row in manifest:
        by_source[row["source"]][row["outcome"]] += 1
    return {
        "landing": str(paths.landing),
        "work": str(paths.work),
        "files": len(manifest),
        "outcomes": dict(Counter(row["outcome"] for row in manifest)),
        "files_by_source": {source: dict(counts) for source, counts in sorted(by_source.items())},
        "reporting_years": _reporting_years(manifest),
        "rows_read": sum(row["rows_read"] for row in manifest),
        "raw_rows": raw_rows,
        "failure_rows": len(ledger),
        "failures_by_rule": dict(sorted(Counter(row["rule"] for row in ledger).items())),
        "notes": notes,
        "seconds": round(seconds, 2),
    }


def _reporting_years(manifest: list[dict]) -> list[int]:
    """Reporting years present in landing; survey year S feeds reporting year S+1."""
    years = set()
    for row in manifest:
        if row["reporting_year"] is None or row["source"] not in ("wres", "staff_survey", "concerns"):
            continue
        years.add(row["reporting_year"] + (1 if row["source"] == "staff_survey" else 0))
    return sorted(years)


def _log(summary: dict, manifest: list[dict]) -> None:
    outcomes = ", ".join(f"{count:,} {outcome}" for outcome, count in summary["outcomes"].items())
    logger.info(
        "ingested %s landing files from %s: %s", f"{summary['files']:,}", summary["landing"], outcomes
    )
    for source, counts in summary["files_by_source"].items():
        logger.info(
            "  %s: %s", source, ", ".join(f"{count:,} {outcome}" for outcome, count in counts.items())
        )
    for row in manifest:
        if row["reason"]:
            logger.warning("%s %s: %s", row["outcome"], row["source_file"], row["reason"])
    tables = ", ".join(f"{name} {count:,}" for name, count in summary["raw_rows"].items())
    logger.info("raw zone: %s rows (%s)", f"{sum(summary['raw_rows'].values()):,}", tables)
    rules = ", ".join(f"{rule} {count:,}" for rule, count in summary["failures_by_rule"].items()) or "none"
    logger.info("failure ledger: %s rows (%s)", f"{summary['failure_rows']:,}", rules)
    if summary["notes"]:
        logger.info(
            "%s notes (ignored sheets or columns), listed in the summary", f"{len(summary['notes']):,}"
        )
    logger.info("ingest took %.1f s", summary["seconds"])
