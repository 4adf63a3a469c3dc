"""Publish a release: every public dbt model, its quality evidence and a manifest.

A run first builds a release **candidate** (`build_candidate`): a complete folder
`<output>/candidates/<release_id>/` with every table, document, report and check, built in a
hidden `.tmp-<release_id>/` folder and renamed into place when complete. It has no
manifest, revisions log or SHA256SUMS yet, its reports carry the banner "candidate, not
published", LATEST does not move and the release history does not count it. Its
`candidate.json` holds what the manifest will say, and the release LATEST named when it was
built (its base).

Sign-off (exports/sign_off.py) then finalises it: the sign-off record, manifest, revisions
log and final reports, then SHA256SUMS, then the folder is renamed into
`<output>/releases/<release_id>/` (immutable) and LATEST and the link `<output>/current`
move (exports/latest_pointer.py); or it rejects it into
`<output>/rejected/`. `publish_release` does both at once with automatic sign-off (local
runs, tests, the command line).

A rerun with nothing new would write the same data files, national report, profiles and
`release.duckdb` as the last release: it takes them from it instead (hard links and a copy,
each checked by sha256 first; exports/release_reuse.py), and the final pages are the
candidate's without the banner (exports/reports/page.py), not rendered again.

Layout of a release:

    manifest.json                              ids, versions, method_version, inputs, quality
                                               evidence, every file's sha256 (and rows)
    SHA256SUMS                                 `sha256sum -c` for every other file
    sign_off.json                              who signed off (a role, never a person), when, comment
    <table>/reporting_year=<Y>/part-0.parquet  tables with a reporting_year (year in path only)
    <table>/<table>.parquet                    tables without one
    csv/<table>.csv                            every table, all years, reporting_year included;
                                               text escaped for spreadsheets
    data_dictionary.md, data_dictionary.csv    every table and column, from dbt's manifest
    datapackage.json                           Frictionless Data Package of every CSV file
    release.duckdb                             every table above in one DuckDB file
                                               (exports/release_database.py)
    revisions/revisions.parquet, revisions.csv every release of this output folder, this one last
    figure_revisions.csv                       equity_metrics figures changed, added or removed
                                               since the previous complete release (LATEST)
    quality/                                   copy of the run's quality folder
    quality/dbt_run_results.json               dbt's run_results.json
    quality/test_summary.json                  dbt results counted by resource type and outcome,
                                               and the data rules by test type and outcome
    quality/data_test_rules.csv                every data rule dbt checked, and how it ended
    reports/national_report.html               the national report (exports/reports/)
    reports/data_quality_report.html           the data-quality report (exports/reports/)
    reports/profiles/                          a page per trust and region, and an index (exports/reports/profiles/)
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow.compute as pc

from expectations.verdicts import validation_record_path
from exports.checksums import release_files, sha256_file, write_sha256sums
from exports.data_dictionary import DICTIONARY_TABLE, dictionary_table, write_data_dictionary
from exports.data_test_rules import RuleOutcome, rule_outcomes
from exports.datapackage import add_datapackage_table, write_datapackage
from exports.dbt_docs import dbt_vars, load_manifest, published_table_docs, upstream_sources
from exports.latest_pointer import point_latest_to
from exports.provenance import input_files, tool_versions
from exports.published_models import PARTITION_COLUMN, ManifestError, PublishedModel, published_models
from exports.release_database import RELEASE_DATABASE_FILE, add_release_database_tables, write_release_database
from exports.release_reuse import ReleaseReuse
from exports.reports import ReleaseContext, publish_candidate_reports, write_reports
from exports.revisions import (
    FIGURE_REVISIONS_TABLE,
    REVISIONS_TABLE,
    ReleaseRecord,
    figure_revisions,
    figure_revisions_note,
    figure_revisions_table,
    release_history,
    release_note,
    write_figure_revisions,
    write_revisions,
)
from exports.run_summary import RULES_FILE, TEST_SUMMARY_FILE, write_rules_file, write_test_summary
from exports.table_files import DataFile, WrittenModel, write_published_model
from ingest.config import DBT_PROJECT_DIR, ConfigurationError, Paths
from nhs_equity_monitor.provenance import code_provenance
from ingest.dbt_reuse import build_record

logger = logging.getLogger(__name__)

MANIFEST_FILE = "manifest.json"
CANDIDATE_FILE = "candidate.json"  # a candidate's record; replaced by the manifest on sign-off
SIGN_OFF_FILE = "sign_off.json"
QUALITY_FOLDER = "quality"
DBT_RUN_RESULTS_FILE = "dbt_run_results.json"
STAGING_PREFIX = ".tmp-"
TABLE_WRITERS = 2  # models written at once (_write_tables)
HASHING_THREADS = 2  # files hashed at once for the manifest (_describe_files)
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
    code: dict | None = None,
) -> Path:
    """Build a candidate and finalise it at once, signed off automatically; return the release.

    For local runs, tests and the command line only, and so only with EQUITY_SIGN_OFF=automatic:
    a deployment's run builds the candidate and leaves it to a person (exports/sign_off.py,
    the DAG `nhs_equity_sign_off`).
    """
    from exports.sign_off import MODE_VARIABLE, Decision, automatic_sign_off, finalise_candidate

    if not automatic_sign_off():
        raise ConfigurationError(
            f"Publishing at once needs {MODE_VARIABLE}=automatic (local runs only); on a deployment a "
            "reviewer signs off each candidate in the DAG nhs_equity_sign_off"
        )

    candidate = build_candidate(paths, reporting_year, run_id, note=note, requested_years=requested_years, code=code)
    return finalise_candidate(paths, candidate.name, Decision.signed_automatically(run_id))


def build_candidate(
    paths: Paths,
    reporting_year: int,
    run_id: str,
    note: str | None = None,
    requested_years: list[int] | None = None,
    code: dict | None = None,
) -> Path:
    """Build the warehouse's public models into a release candidate; return its folder.

    `note` is the publisher's note for the revisions log (e.g. why a year is republished).
    `requested_years` are the years the run was asked for (a backfill's list; see
    exports/run_years.py), recorded in the manifest; by default [reporting_year].
    `code` is the code's provenance as read when the run started (nhs_equity_monitor/
    provenance.py); by default it is read now.
    LATEST does not move. A newer candidate supersedes any candidate still waiting for
    sign-off (exports/sign_off.py), which is rejected as superseded.
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
    rules = rule_outcomes(dbt_manifest, run_results, paths.warehouse)

    code = code or code_provenance()  # before anything is written: code that cannot say what it is does not publish
    created_at = datetime.now(UTC).replace(microsecond=0)
    created_at_text = created_at.isoformat().replace("+00:00", "Z")
    paths.candidates.mkdir(parents=True, exist_ok=True)
    paths.releases.mkdir(parents=True, exist_ok=True)
    release_id, staging_dir = _claim_release_id(paths, reporting_year, created_at)
    candidate_dir = paths.candidates / release_id
    reuse = ReleaseReuse.find(paths, models, reporting_year)
    try:
        taken = reuse.data_files(staging_dir)
        tables, data_files, method_versions = taken or _write_tables(
            paths.warehouse, models, staging_dir, reporting_year
        )
        method_version = _method_version(method_versions, variables)
        _copy_quality_evidence(paths, staging_dir, run_results, rules)

        # Figure-level revisions against the previous complete release: the one LATEST
        # names now, the candidate's base. Sign-off publishes only while LATEST still names
        # it (exports/sign_off.py), so these stay true.
        base_release_id = latest_release_id(paths)
        previous_dir = _latest_release_dir(paths)
        # Data files taken from the previous release itself cannot differ from it.
        unchanged = taken is not None and previous_dir is not None and reuse.source == previous_dir
        revised = [] if unchanged else figure_revisions(previous_dir, staging_dir, models)
        write_figure_revisions(staging_dir, revised)
        if revised:
            logger.info("%d figures differ from the previous release %s", len(revised), previous_dir.name)

        # The revisions log is written on sign-off, when the release joins the history: the
        # dictionary describes it already, the data package gains its entry then.
        documented = [*table_docs, REVISIONS_TABLE, FIGURE_REVISIONS_TABLE]
        write_data_dictionary(staging_dir, documented)
        write_datapackage(
            staging_dir,
            [table for table in [*documented, DICTIONARY_TABLE] if table is not REVISIONS_TABLE],
            release_id=release_id,
            created_at=created_at_text,
            sources=sources,
        )
        # Every table above in one DuckDB file, read from the files just written; the
        # revisions log joins it on sign-off. DuckDB writes it on one core while the reports
        # (Python) are rendered on the other; neither reads what the other writes.
        with ThreadPoolExecutor(max_workers=1) as background:
            database = background.submit(
                _write_database,
                reuse,
                staging_dir,
                [table for table in [*documented, DICTIONARY_TABLE] if table is not REVISIONS_TABLE],
                {
                    FIGURE_REVISIONS_TABLE.name: figure_revisions_table(revised),
                    DICTIONARY_TABLE.name: dictionary_table(documented),
                },
            )
            inputs = input_files(paths.file_outcomes, validation_record_path(paths))
            write_reports(
                staging_dir,
                ReleaseContext(reporting_year, method_version, inputs, candidate=True),
                same_as=reuse.reports_source(method_version),
            )
            database_key = database.result()
        record = {
            "release_id": release_id,
            "base_release_id": base_release_id,
            "reporting_year": reporting_year,
            "requested_years": sorted(set(requested_years)) if requested_years else [reporting_year],
            "run_id": run_id,
            "created_at": created_at_text,
            "method_version": method_version,
            "publisher_note": note,
            "figure_revisions_note": figure_revisions_note(revised),
            "git_commit": code["commit"],
            "code": code,
            "tool_versions": tool_versions(),
            "inputs": inputs,
            "dbt_build": build_record(paths),
            "tables": tables,
            "data_files": [{"path": item.path.as_posix(), "rows": item.rows} for item in data_files],
        }
        write_json(staging_dir / CANDIDATE_FILE, record)
        # rename() would silently replace an empty folder, so check first.
        if candidate_dir.exists():
            raise FileExistsError(f"Candidate {candidate_dir} already exists")
        staging_dir.rename(candidate_dir)
    except BaseException:
        shutil.rmtree(staging_dir, ignore_errors=True)
        raise
    logger.info("Release candidate %s is ready for sign-off: %s", release_id, candidate_dir)
    try:
        reuse.save(candidate_dir, run_id, tables=tables, data_files=data_files, method_versions=method_versions,
                   method_version=method_version, database_key=database_key,
                   database=candidate_dir / RELEASE_DATABASE_FILE)
    except OSError as error:  # the candidate is complete; the next run just writes afresh
        logger.warning("Could not keep candidate %s for reuse by the next run: %s", release_id, error)

    from exports.sign_off import supersede_older_candidates

    supersede_older_candidates(paths, release_id)
    return candidate_dir


def read_candidate(candidate_dir: Path) -> dict:
    """The candidate's record (`candidate.json`): what its manifest will say, and its base."""
    return json.loads((candidate_dir / CANDIDATE_FILE).read_text(encoding="utf-8"))


def write_json(path: Path, content) -> None:
    path.write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", encoding="utf-8", newline="\n")


def write_release_documents(paths: Paths, release_dir: Path, record: dict, sign_off: dict) -> list[dict]:
    """On sign-off: the sign-off record, revisions log, data package entry, final reports,
    manifest and SHA256SUMS of a candidate, in that order; return its tables."""
    release_id, reporting_year = record["release_id"], record["reporting_year"]
    method_version = record["method_version"]
    write_json(release_dir / SIGN_OFF_FILE, sign_off)

    history = release_history(paths.releases)
    note = release_note(history, reporting_year, method_version, record.get("publisher_note"))
    note = "; ".join(part for part in (note, record.get("figure_revisions_note")) if part)
    current = ReleaseRecord(
        release_id, reporting_year, record["created_at"], method_version, record["git_commit"], note
    )
    revisions_files = write_revisions(release_dir, history, current)
    data_files = [DataFile(Path(item["path"]), item["rows"]) for item in record["data_files"]]
    data_files.extend(revisions_files)
    tables = [
        *record["tables"],
        _table_entry(
            REVISIONS_TABLE.name,
            REVISIONS_TABLE.primary_key,
            [(c.name, c.parquet_type) for c in REVISIONS_TABLE.columns],
            revisions_files,
            revisions_files[0].rows,
        ),
    ]
    add_datapackage_table(release_dir, REVISIONS_TABLE, before=FIGURE_REVISIONS_TABLE.name)
    add_release_database_tables(release_dir, [REVISIONS_TABLE])
    # The final reports are the candidate's without its banner; before the manifest, so that
    # they are in its files and in SHA256SUMS like every other file.
    inputs = record["inputs"]
    publish_candidate_reports(release_dir)
    (release_dir / CANDIDATE_FILE).unlink()
    manifest = {
        "release_id": release_id,
        "reporting_year": reporting_year,
        "requested_years": record["requested_years"],
        "run_id": record["run_id"],
        "created_at": record["created_at"],
        "base_release_id": record["base_release_id"],
        "method_version": method_version,
        "note": note,
        "git_commit": record["git_commit"],
        "code": record["code"],
        "tool_versions": record["tool_versions"],
        "sign_off": sign_off,
        "inputs": inputs,
        "dbt_build": record["dbt_build"],
        "tables": tables,
        "quality_evidence": _quality_evidence(release_dir),
        "files": _describe_files(release_dir, data_files),
    }
    write_json(release_dir / MANIFEST_FILE, manifest)
    # Every file but the manifest was hashed for it just now: SHA256SUMS reuses those digests.
    digests = {item["path"]: item["sha256"] for item in manifest["files"]}
    write_sha256sums(release_dir, digests)
    return tables


def latest_release_id(paths: Paths) -> str | None:
    """The id in LATEST, or None before the first release."""
    if not paths.latest_pointer.exists():
        return None
    return paths.latest_pointer.read_text(encoding="utf-8").strip() or None


def _latest_release_dir(paths: Paths) -> Path | None:
    """The folder of the release LATEST names, or None before the first (or if it is gone)."""
    release_id = latest_release_id(paths)
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


def _claim_release_id(paths: Paths, reporting_year: int, created_at: datetime) -> tuple[str, Path]:
    """The first id `<Y>-<timestamp>[-n]` free among releases, candidates and rejected
    candidates, claimed by creating its staging folder under candidates/."""
    base_id = f"{reporting_year}-{created_at:%Y%m%dT%H%M%SZ}"
    attempt = 1
    while True:
        release_id = base_id if attempt == 1 else f"{base_id}-{attempt}"
        attempt += 1
        if any((folder / release_id).exists() for folder in (paths.releases, paths.candidates, paths.rejected)):
            continue
        staging_dir = paths.candidates / f"{STAGING_PREFIX}{release_id}"
        try:
            staging_dir.mkdir()  # fails if another publisher claimed this id
        except FileExistsError:
            continue
        return release_id, staging_dir


def _write_tables(
    warehouse: Path, models: list[PublishedModel], release_dir: Path, reporting_year: int
) -> tuple[list[dict], list[DataFile], set[str]]:
    """Write every model's files; also return the method versions found in their rows.

    Two models at a time: DuckDB and pyarrow do their work outside Python's lock, so this
    uses both cores. Each file's bytes depend only on its rows, and the entries come back in
    the models' order, so the release is the same as when written one by one.
    """
    tables, data_files, method_versions = [], [], set()
    # Read-only: the dbt task is the warehouse's only writer.
    with duckdb.connect(str(warehouse), read_only=True) as connection:

        def write(model: PublishedModel) -> tuple[dict, list[DataFile], set[str]]:
            versions: set[str] = set()

            def inspect(rows) -> None:
                if METHOD_VERSION_COLUMN in model.column_names:
                    values = pc.unique(rows.column(METHOD_VERSION_COLUMN)).to_pylist()
                    versions.update(str(value) for value in values if value is not None)

            with connection.cursor() as cursor:  # a connection of its own for this thread
                written = write_published_model(cursor, model, release_dir, reporting_year, inspect)
            return _model_entry(written, model, reporting_year), written.files, versions

        with ThreadPoolExecutor(max_workers=TABLE_WRITERS) as pool:
            started = {model.unique_id: pool.submit(write, model) for model in _largest_first(models)}
            for model in models:
                entry, files, versions = started[model.unique_id].result()
                tables.append(entry)
                data_files.extend(files)
                method_versions.update(versions)
    return tables, data_files, method_versions


def _largest_first(models: list[PublishedModel]) -> list[PublishedModel]:
    # The partitioned tables are the large ones: start them first so the small ones fill in.
    return sorted(models, key=lambda model: not model.partitioned)


def _model_entry(written: WrittenModel, model: PublishedModel, reporting_year: int) -> dict:
    years = written.years
    if model.partitioned and reporting_year not in years:
        logger.warning("%s has no rows for reporting year %s", model.published_name, reporting_year)
    logger.info(
        "%s: %d rows, %d files%s",
        model.published_name,
        written.rows,
        len(written.files),
        f", years {years}" if years else "",
    )
    return _table_entry(
        model.published_name,
        model.primary_key,
        [(c.name, c.data_type) for c in model.columns],
        written.files,
        written.rows,
        model=model.unique_id,
        relation=f"{model.database}.{model.schema}.{model.alias}",
        partitioned_by=PARTITION_COLUMN if model.partitioned else None,
        reporting_years=years,
    )


def _write_database(
    reuse: ReleaseReuse, release_dir: Path, tables: list, csv_only_tables: dict
) -> str | None:
    """Write (or take from the last candidate, if unchanged) `release.duckdb`; return its key."""
    key = reuse.database_key(tables, csv_only_tables)
    if not reuse.database(key, release_dir / RELEASE_DATABASE_FILE):
        write_release_database(release_dir, tables, csv_only_tables)
    return key


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


def _copy_quality_evidence(paths: Paths, release_dir: Path, run_results: dict, rules: list[RuleOutcome]) -> None:
    quality_dir = release_dir / QUALITY_FOLDER
    shutil.copytree(paths.quality, quality_dir)
    for name in (DBT_RUN_RESULTS_FILE, TEST_SUMMARY_FILE, RULES_FILE):
        if (quality_dir / name).exists():
            raise ReleaseInputError(f"{paths.quality} already holds a {name}")
    shutil.copyfile(paths.dbt_target / "run_results.json", quality_dir / DBT_RUN_RESULTS_FILE)
    write_test_summary(run_results, rules, quality_dir)
    write_rules_file(rules, quality_dir)


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
    files = release_files(release_dir)
    # Hashed two at a time first (hashlib works outside Python's lock), then read from the memo.
    with ThreadPoolExecutor(max_workers=HASHING_THREADS) as pool:
        list(pool.map(sha256_file, [release_dir / relative for relative in files]))
    return [
        {
            "path": relative.as_posix(),
            "rows": rows_by_path.get(relative),
            "size_bytes": (release_dir / relative).stat().st_size,
            "sha256": sha256_file(release_dir / relative),
        }
        for relative in files
    ]


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
