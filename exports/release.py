"""Publish a release: every public dbt model, its quality evidence and a manifest.

A release is an immutable folder `<output>/releases/<release_id>/`. It is built in a hidden
`.tmp-<release_id>/` folder next to it and renamed into place only when complete (a rename
is atomic on one filesystem); only then does `<output>/LATEST` move to it. A failure on
the way removes the temporary folder and leaves LATEST alone, so readers never see half a
release.

Layout of a release:

    manifest.json                              ids, versions, inputs, every file's sha256
    SHA256SUMS                                 `sha256sum -c` for every other file
    <table>/reporting_year=<Y>/part-0.parquet  tables with a reporting_year (year in path only)
    <table>/<table>.parquet                    tables without one
    csv/<table>.csv                            every table, all years, reporting_year included
    quality/                                   copy of the run's quality folder
    quality/dbt_run_results.json               dbt's run_results.json
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from exports.checksums import release_files, sha256_file, write_sha256sums
from exports.provenance import git_commit, input_files, tool_versions
from exports.published_models import PARTITION_COLUMN, ManifestError, PublishedModel, published_models
from exports.table_files import DataFile, read_published_table, write_table_files
from ingest.config import Paths

logger = logging.getLogger(__name__)

MANIFEST_FILE = "manifest.json"
QUALITY_FOLDER = "quality"
DBT_RUN_RESULTS_FILE = "dbt_run_results.json"
STAGING_PREFIX = ".tmp-"


class ReleaseInputError(RuntimeError):
    """Something a release must contain was not produced by the run."""


def publish_release(paths: Paths, reporting_year: int, run_id: str) -> Path:
    """Publish the warehouse's public models as a new release and point LATEST at it.

    Returns the release folder. Never overwrites a release.
    """
    models = published_models(paths.dbt_target / "manifest.json")
    if not models:
        raise ManifestError("dbt's manifest has no `access: public` model: nothing to publish")
    _check_run_outputs(paths)

    created_at = datetime.now(UTC).replace(microsecond=0)
    paths.releases.mkdir(parents=True, exist_ok=True)
    release_id, staging_dir = _claim_release_id(paths.releases, reporting_year, created_at)
    release_dir = paths.releases / release_id
    try:
        tables, data_files = _write_tables(paths.warehouse, models, staging_dir, reporting_year)
        _copy_quality_evidence(paths, staging_dir)
        manifest = {
            "release_id": release_id,
            "reporting_year": reporting_year,
            "run_id": run_id,
            "created_at": created_at.isoformat().replace("+00:00", "Z"),
            "git_commit": git_commit(),
            "tool_versions": tool_versions(),
            "inputs": input_files(paths.file_outcomes),
            "tables": tables,
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
) -> tuple[list[dict], list[DataFile]]:
    tables, data_files = [], []
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
                {
                    "name": model.published_name,
                    "model": model.unique_id,
                    "relation": f"{model.database}.{model.schema}.{model.alias}",
                    "primary_key": list(model.primary_key),
                    "partitioned_by": PARTITION_COLUMN if model.partitioned else None,
                    "reporting_years": years,
                    "rows": table.num_rows,
                    "columns": [{"name": c.name, "data_type": c.data_type} for c in model.columns],
                }
            )
            data_files.extend(files)
    return tables, data_files


def _copy_quality_evidence(paths: Paths, release_dir: Path) -> None:
    quality_dir = release_dir / QUALITY_FOLDER
    shutil.copytree(paths.quality, quality_dir)
    run_results = quality_dir / DBT_RUN_RESULTS_FILE
    if run_results.exists():
        raise ReleaseInputError(f"{paths.quality} already holds a {DBT_RUN_RESULTS_FILE}")
    shutil.copyfile(paths.dbt_target / "run_results.json", run_results)


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
