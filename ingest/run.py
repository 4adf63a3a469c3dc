"""Ingest one landing folder into a fresh work zone.

landing (read only) -> work/raw/<table>.parquet, work/ingest_manifest.parquet and
work/ingest_failures.parquet, as docs/architecture.md describes. Every landing file gets
a manifest row; every file that is not loaded gets at least one ledger row saying why.
Nothing in landing is ever written, moved or deleted.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections import Counter, defaultdict


from ingest.cache import file_keys_path, write_keys
from ingest.config import Paths
from ingest.discover import LandingFile, discover
from ingest.errors import LandingFolderError, ReferenceDataError
from ingest.ledger import cap_per_rule, ledger_rows, write_ledger
from ingest.manifest import manifest_row, write_manifest
from ingest.pseudonymise import key_for
from ingest.reading import REQUIRED_REFERENCE, read_landing

logger = logging.getLogger(__name__)


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

    reading = read_landing(paths, files, key)
    manifest, ledger, notes = [], [], []
    for outcome in reading.outcomes:
        file = outcome.file
        manifest.append(
            manifest_row(
                file,
                sha256=outcome.sha256,
                size_bytes=outcome.size_bytes,
                rows_read=outcome.rows_read,
                failures=outcome.failures,
            )
        )
        ledger += ledger_rows(
            cap_per_rule(outcome.failures),
            source_file=file.relpath,
            sha256=outcome.sha256,
            source=file.source,
            reporting_year=file.year,
        )
        notes += [{"source_file": file.relpath, "note": note} for note in outcome.notes]
    manifest.sort(key=lambda row: row["source_file"])
    ledger.sort(key=lambda row: row["source_file"])  # stable: keeps each file's failures in order
    write_manifest(manifest, paths.ingest_manifest)
    write_ledger(ledger, paths.ingest_failures)
    write_keys(file_keys_path(paths), reading.keys, reading.reused)

    summary = _summary(paths, manifest, ledger, notes, reading.raw_rows, time.perf_counter() - started)
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
