"""Publish a release: every public dbt model, its quality evidence and a manifest.

A release is an immutable folder `<output>/releases/<release_id>/`. It is built in a hidden
`.tmp-<release_id>/` folder next to it and renamed into place only when complete (a rename
is atomic on one filesystem); only then does `<output>/LATEST` move to it. A failure on
the way removes the temporary folder and leaves LATEST alone, so readers never see half a
release.

Layout of a release:

    manifest.json                              ids, versions, method_version, inputs, quality
                                               evidence, every file's sha256 (and rows)
    SHA256SUMS                                 `sha256sum -c` for every other file
    <table>/reporting_year=<Y>/part-0.parquet  tables with a reporting_year (year in path only)
    <table>/<table>.parquet                    tables without one
    csv/<table>.csv                            every table, all years, reporting_year included;
                                               text escaped for spreadsheets
    data_dictionary.md, data_dictionary.csv    every table and column, from dbt's manifest
    datapackage.json                           Frictionless Data Package of every CSV file
    revisions/revisions.parquet, revisions.csv every release of this output folder, this one last
    figure_revisions.csv                       equity_metrics figures changed, added or removed
                                               since the previous complete release (LATEST)
    quality/                                   copy of the run's quality folder
    quality/dbt_run_results.json               dbt's run_results.json
    quality/test_summary.json                  dbt results counted by resource type and outcome
    reports/national_report.html               the national report (exports/reports/)
    reports/data_quality_report.html           the data-quality report (exports/reports/)
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow.compute as pc

from expectations.verdicts import validation_record_path
from exports.checksums import release_files, sha256_file, write_sha256sums
from exports.data_dictionary import DICTIONARY_TABLE, write_data_dictionary
from exports.datapackage import write_datapackage
from exports.dbt_docs import dbt_vars, load_manifest, published_table_docs, upstream_sources
from exports.provenance import git_commit, input_files, tool_versions
from exports.published_models import PARTITION_COLUMN, ManifestError, PublishedModel, published_models
from exports.reports import ReleaseContext, write_reports
from exports.revisions import (
    FIGURE_REVISIONS_TABLE,
    REVISIONS_TABLE,
    ReleaseRecord,
    figure_revisions,
    figure_revisions_note,
    release_history,
    release_note,
    write_figure_revisions,
    write_revisions,
)
from exports.run_summary import TEST_SUMMARY_FILE, write_test_summary
from exports.table_files import DataFile, read_published_table, write_table_files
from ingest.config import DBT_PROJECT_DIR, Paths
from ingest.dbt_reuse import build_record

logger = logging.getLogger(__name__)

MANIFEST_FILE = "manifest.json"
QUALITY_FOLDER = "quality"
DBT_RUN_RESULTS_FILE = "dbt_run_results.json"
STAGING_PREFIX = ".tmp-"
# A published column of this name says which method produced the rows (metrics.md).
METHOD_VERSION_COLUMN = "method_version"
METHOD_VERSION_VAR = "method_version"


class ReleaseInputError(RuntimeError):
    """Something a release must contain was not produced by the run."""


def publish_release(
    paths: Paths,
    reporting_year: int,
    run_id: str,
    note: str | None = None,
    requested_years: list[int] | None = None,
) -> Path:
    """Publish the warehouse's public models as a new release and point LATEST at it.

    `note` is the publisher's note for the revisions log (e.g. why a year is republished).
    `requested_years` are the years the run was asked for (a backfill's list; see
    exports/run_years.py), recorded in the manifest; by default [reporting_year].
    Returns the release folder. Never overwrites a release.
    """
    manifest_path = paths.dbt_target / "manifest.json"
    models = published_models(manifest_path)
    if not models:
        raise ManifestError("dbt's manifest has no `access: public` model: nothing to publish")
    _check_run_outputs(paths)
    # Everything the documents say comes from dbt's manifest; reading it fully before any
    # file is written means a manifest the dictionary cannot describe stops the release early.
    dbt_manifest = load_manifest(manifest_path)
    run_results = json.loads((paths.dbt_target / "run_results.json").read_text(encoding="utf-8"))
    project_name = (dbt_manifest.get("metadata") or {}).get("project_name")
    variables = dbt_vars(run_results, DBT_PROJECT_DIR, project_name)
    table_docs = published_table_docs(dbt_manifest, models, variables)
    sources = upstream_sources(dbt_manifest, models)

    created_at = datetime.now(UTC).replace(microsecond=0)
    created_at_text = created_at.isoformat().replace("+00:00", "Z")
    paths.releases.mkdir(parents=True, exist_ok=True)
    history = release_history(paths.releases)
    release_id, staging_dir = _claim_release_id(paths.releases, reporting_year, created_at)
    release_dir = paths.releases / release_id
    try:
        tables, data_files, method_versions = _write_tables(
            paths.warehouse, models, staging_dir, reporting_year
        )
        method_version = _method_version(method_versions, variables)
        _copy_quality_evidence(paths, staging_dir)

        # Figure-level revisions against the previous complete release: the one LATEST
        # names until this release is complete (exports/revisions.py).
        previous_dir = _latest_release_dir(paths)
        revised = figure_revisions(previous_dir, staging_dir, models)
        write_figure_revisions(staging_dir, revised)
        if revised:
            logger.info("%d figures differ from the previous release %s", len(revised), previous_dir.name)
        commit = git_commit()
        revised_note = figure_revisions_note(revised)
        release_note_text = release_note(history, reporting_year, method_version, note)
        if revised_note:
            release_note_text = f"{release_note_text}; {revised_note}"
        record = ReleaseRecord(
            release_id, reporting_year, created_at_text, method_version, commit, release_note_text
        )
        revisions_files = write_revisions(staging_dir, history, record)
        data_files.extend(revisions_files)
        tables.append(
            _table_entry(
                REVISIONS_TABLE.name,
                REVISIONS_TABLE.primary_key,
                [(c.name, c.parquet_type) for c in REVISIONS_TABLE.columns],
                revisions_files,
                revisions_files[0].rows,
            )
        )

        documented = [*table_docs, REVISIONS_TABLE, FIGURE_REVISIONS_TABLE]
        write_data_dictionary(staging_dir, documented)
        write_datapackage(
            staging_dir,
            [*documented, DICTIONARY_TABLE],
            release_id=release_id,
            created_at=created_at_text,
            sources=sources,
        )
        inputs = input_files(paths.file_outcomes, validation_record_path(paths))
        # The reports read the tables and quality evidence written above; being written before
        # the manifest, they are in its files and in SHA256SUMS like every other file.
        write_reports(staging_dir, ReleaseContext(reporting_year, method_version, inputs))
        manifest = {
            "release_id": release_id,
            "reporting_year": reporting_year,
            "requested_years": sorted(set(requested_years)) if requested_years else [reporting_year],
            "run_id": run_id,
            "created_at": created_at_text,
            "method_version": method_version,
            "note": release_note_text,
            "git_commit": commit,
            "tool_versions": tool_versions(),
            "inputs": inputs,
            "dbt_build": build_record(paths),
            "tables": tables,
            "quality_evidence": _quality_evidence(staging_dir),
            "files": _describe_files(staging_dir, data_files),
        }
        (staging_dir / MANIFEST_FILE).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8", newline="\n"
        )
        write_sha256sums(staging_dir)
        # rename() would silently replace an empty folder, so check first.
        if release_dir.exists():
            raise FileExistsError(f"Release {release_dir} already exists; releases are never overwritten")
        staging_dir.rename(release_dir)
    except BaseException:
        shutil.rmtree(staging_dir, ignore_errors=True)
        raise

    _point_latest_to(paths, release_id)
    _log_summary(release_dir, tables)
    return release_dir


def _latest_release_dir(paths: Paths) -> Path | None:
    """The folder of the release LATEST names, or None before the first (or if it is gone)."""
    if not paths.latest_pointer.exists():
        return None
    release_id = paths.latest_pointer.read_text(encoding="utf-8").strip()
    folder = paths.releases / release_id if release_id else None
    if folder is None or not folder.is_dir():
        if release_id:
            logger.warning("LATEST names %s, which is not a release folder: no figure revisions", release_id)
        return None
    return folder


def _check_run_outputs(paths: Paths) -> None:
    """Fail before writing anything when the run left out something a release needs."""
    required = {
        paths.warehouse: "the DuckDB warehouse (dbt build)",
        paths.dbt_target / "run_results.json": "dbt's run_results.json (dbt build)",
        paths.file_outcomes: "the file outcomes (validation)",
        paths.quality: "the quality folder (validation)",
    }
    missing = [f"{path} ({what})" for path, what in required.items() if not path.exists()]
    if missing:
        raise ReleaseInputError("Cannot publish: missing " + "; ".join(missing))


def _claim_release_id(releases_dir: Path, reporting_year: int, created_at: datetime) -> tuple[str, Path]:
    """The first free id `<Y>-<timestamp>[-n]`, claimed by creating its staging folder."""
    base_id = f"{reporting_year}-{created_at:%Y%m%dT%H%M%SZ}"
    attempt = 1
    while True:
        release_id = base_id if attempt == 1 else f"{base_id}-{attempt}"
        attempt += 1
        if (releases_dir / release_id).exists():
            continue
        staging_dir = releases_dir / f"{STAGING_PREFIX}{release_id}"
        try:
            staging_dir.mkdir()  # fails if another publisher claimed this id
        except FileExistsError:
            continue
        return release_id, staging_dir


def _write_tables(
    warehouse: Path, models: list[PublishedModel], release_dir: Path, reporting_year: int
) -> tuple[list[dict], list[DataFile], set[str]]:
    """Write every model's files; also return the method versions found in their rows."""
    tables, data_files, method_versions = [], [], set()
    # Read-only: the dbt task is the warehouse's only writer.
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        for model in models:
            table = read_published_table(connection, model)
            files = write_table_files(table, model, release_dir, reporting_year)
            years = sorted(set(table.column(PARTITION_COLUMN).to_pylist())) if model.partitioned else None
            if model.partitioned and reporting_year not in years:
                logger.warning("%s has no rows for reporting year %s", model.published_name, reporting_year)
            logger.info(
                "%s: %d rows, %d files%s",
                model.published_name,
                table.num_rows,
                len(files),
                f", years {years}" if years else "",
            )
            tables.append(
                _table_entry(
                    model.published_name,
                    model.primary_key,
                    [(c.name, c.data_type) for c in model.columns],
                    files,
                    table.num_rows,
                    model=model.unique_id,
                    relation=f"{model.database}.{model.schema}.{model.alias}",
                    partitioned_by=PARTITION_COLUMN if model.partitioned else None,
                    reporting_years=years,
                )
            )
            data_files.extend(files)
            if METHOD_VERSION_COLUMN in model.column_names:
                values = pc.unique(table.column(METHOD_VERSION_COLUMN)).to_pylist()
                method_versions.update(str(value) for value in values if value is not None)
    return tables, data_files, method_versions


def _table_entry(
    name: str,
    primary_key: Sequence[str],
    columns: list[tuple[str, str]],
    files: list[DataFile],
    rows: int,
    *,
    model: str | None = None,
    relation: str | None = None,
    partitioned_by: str | None = None,
    reporting_years: list[int] | None = None,
) -> dict:
    """The manifest's entry for one table: a dbt model's, or (model and relation None) one
    the publisher writes itself, whose column types are its parquet types."""
    return {
        "name": name,
        "model": model,
        "relation": relation,
        "primary_key": list(primary_key),
        "partitioned_by": partitioned_by,
        "reporting_years": reporting_years,
        "rows": rows,
        "columns": [{"name": column, "data_type": data_type} for column, data_type in columns],
        "files": [data_file.path.as_posix() for data_file in files],
    }


def _method_version(found_in_rows: set[str], variables: dict) -> str | None:
    """The method version of the published rows; the dbt var where no row says (no rows)."""
    declared = variables.get(METHOD_VERSION_VAR)
    declared = str(declared) if declared is not None else None
    if len(found_in_rows) > 1:
        raise ReleaseInputError(
            f"The published rows carry more than one {METHOD_VERSION_COLUMN}: "
            + ", ".join(sorted(found_in_rows))
        )
    if found_in_rows:
        (in_rows,) = found_in_rows
        if declared is not None and declared != in_rows:
            logger.warning(
                "Rows carry %s %s, but dbt's var says %s", METHOD_VERSION_COLUMN, in_rows, declared
            )
        return in_rows
    return declared


def _copy_quality_evidence(paths: Paths, release_dir: Path) -> None:
    quality_dir = release_dir / QUALITY_FOLDER
    shutil.copytree(paths.quality, quality_dir)
    for name in (DBT_RUN_RESULTS_FILE, TEST_SUMMARY_FILE):
        if (quality_dir / name).exists():
            raise ReleaseInputError(f"{paths.quality} already holds a {name}")
    shutil.copyfile(paths.dbt_target / "run_results.json", quality_dir / DBT_RUN_RESULTS_FILE)
    write_test_summary(paths.dbt_target / "run_results.json", quality_dir)


def _quality_evidence(release_dir: Path) -> list[str]:
    """The quality folder's documents: its files, and each subfolder's index.html (or the folder).

    Every file under quality/ (a report's images and styles too) is in the manifest's files
    with its sha256; this list names only what a reader opens.
    """
    evidence = []
    for entry in sorted((release_dir / QUALITY_FOLDER).iterdir(), key=lambda path: path.name):
        relative = entry.relative_to(release_dir).as_posix()
        if entry.is_file():
            evidence.append(relative)
        elif (entry / "index.html").is_file():
            evidence.append(f"{relative}/index.html")
        else:
            evidence.append(f"{relative}/")
    return evidence


def _describe_files(release_dir: Path, data_files: list[DataFile]) -> list[dict]:
    """Path, rows (data files only), size and sha256 of every file written so far."""
    rows_by_path = {data_file.path: data_file.rows for data_file in data_files}
    return [
        {
            "path": relative.as_posix(),
            "rows": rows_by_path.get(relative),
            "size_bytes": (release_dir / relative).stat().st_size,
            "sha256": sha256_file(release_dir / relative),
        }
        for relative in release_files(release_dir)
    ]


def _point_latest_to(paths: Paths, release_id: str) -> None:
    """Replace LATEST in one step, so a reader sees the old id or the new one, never half."""
    temporary = paths.latest_pointer.with_name(f".{paths.latest_pointer.name}{STAGING_PREFIX}{release_id}")
    with temporary.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(release_id + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, paths.latest_pointer)


def _log_summary(release_dir: Path, tables: list[dict]) -> None:
    files = release_files(release_dir)
    total_bytes = sum((release_dir / relative).stat().st_size for relative in files)
    logger.info(
        "Published release %s: %d tables, %d rows, %d files, %d bytes",
        release_dir.name,
        len(tables),
        sum(table["rows"] for table in tables),
        len(files),
        total_bytes,
    )
