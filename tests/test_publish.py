"""The publish step, end to end on a real (tiny) DuckDB warehouse and a dbt-style manifest.

The manifest nodes have the shape dbt-core 1.11 writes (`nodes` keyed by unique_id, with
`resource_type`, `access`, `database`/`schema`/`alias`, `relation_name`, `meta` mirrored in
`config.meta`, and `columns` carrying `data_type`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from importlib import metadata
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from exports.checksums import release_files
from exports.previous_release import BrokenReleaseError, latest_release_id, previous_input_hashes
from exports.published_models import ManifestError, published_models
from exports.release import ReleaseInputError, publish_release
from exports.table_files import WarehouseMismatchError
from ingest.config import PROJECT_ROOT, Paths

YEAR = 2024
METRICS_KEY = ["metric_id", "reporting_year", "geography_code", "group"]
NOTE_WITH_SPECIALS = 'suppressed: "small" numbers, 1–7'

# Declared order; the warehouse table stores the columns in another order on purpose.
METRICS_COLUMNS = {
    "metric_id": "varchar",
    "reporting_year": "bigint",
    "geography_code": "varchar",
    "group": "varchar",  # a reserved word in SQL: the publisher must quote it
    "value": "double",
    "numerator_a": "bigint",
    "significant": "boolean",
    "note": "varchar",
}
METRICS_ROWS = [  # (metric_id, year, geography, group, value, numerator_a, significant, note), unsorted
    ("wres2_rl_appointed", 2024, "RA1", None, 1.5, 10, True, None),
    ("wres1_pct_headcount", 2024, "RA1", "White", 60.0, 60, None, None),
    ("wres1_pct_headcount", 2024, "RA1", "BME", 40.0, 40, None, None),
    ("wres1_pct_headcount", 2023, "RA1", "BME", None, None, None, NOTE_WITH_SPECIALS),
    ("wres2_rl_appointed", 2023, "E92000001", None, 0.9, 100, False, None),
    ("wres1_pct_headcount", 2023, "RA1", "White", 55.5, 55, None, None),
]
ORGANISATION_COLUMNS = {
    "org_code": "varchar",
    "org_name": "varchar",
    "open_date": "date",
    "close_date": "date",
}
ORGANISATION_ROWS = [
    ("RB2", "Trust B", date(2020, 4, 1), None),
    ("RA1", "Trust A", date(2019, 4, 1), date(2024, 3, 31)),
]
INPUT_FILES = [  # file_outcomes rows: source_file, sha256, size_bytes, outcome
    ("wres/2024/RB2_wres.xlsx", "b" * 64, 2048, "quarantined"),
    ("reference/etr.csv", "a" * 64, 100, "loaded"),
    ("wres/2024/RA1_wres.xlsx", "c" * 64, 4096, "loaded"),
]


# --- building a tiny run ---------------------------------------------------------------


def manifest_node(
    model: str,
    columns: dict[str, str | None],
    *,
    access: str = "public",
    published_name: str | None = None,
    primary_key: list[str] | None = None,
    schema: str = "marts",
) -> dict:
    meta = {}
    if published_name is not None:
        meta["published_name"] = published_name
    if primary_key is not None:
        meta["primary_key"] = primary_key
    return {
        "resource_type": "model",
        "name": model,
        "package_name": "nhs_equity",
        "unique_id": f"model.nhs_equity.{model}",
        "access": access,
        "database": "warehouse",
        "schema": schema,
        "alias": model,
        "relation_name": f'"warehouse"."{schema}"."{model}"',
        "meta": meta,
        "config": {
            "materialized": "table",
            "meta": meta,
            "contract": {"enforced": True, "alias_types": True},
        },
        "columns": {
            name: {"name": name, "description": "", "meta": {}, "data_type": data_type, "constraints": []}
            for name, data_type in columns.items()
        },
    }


def write_manifest(paths: Paths, nodes: list[dict]) -> None:
    test_node = {"resource_type": "test", "unique_id": "test.nhs_equity.not_null_x", "name": "not_null_x"}
    manifest = {
        "metadata": {
            "dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json",
            "dbt_version": "1.11.16",
        },
        "nodes": {node["unique_id"]: node for node in [*nodes, test_node]},
        "sources": {},
    }
    paths.dbt_target.mkdir(parents=True, exist_ok=True)
    (paths.dbt_target / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def standard_nodes() -> list[dict]:
    return [
        manifest_node(
            "fct_equity_metrics", METRICS_COLUMNS, published_name="equity_metrics", primary_key=METRICS_KEY
        ),
        manifest_node(
            "dim_organisations", ORGANISATION_COLUMNS, published_name="organisations", primary_key=["org_code"]
        ),
        manifest_node("int_trust_counts", {"org_code": "varchar"}, access="protected"),
    ]


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    paths = Paths(landing=tmp_path / "landing", output=tmp_path / "output")
    paths.work.mkdir(parents=True)

    with duckdb.connect(str(paths.warehouse)) as connection:
        connection.execute("CREATE SCHEMA marts")
        connection.execute(
            'CREATE TABLE marts.fct_equity_metrics (note VARCHAR, "group" VARCHAR, metric_id VARCHAR, '
            "value DOUBLE, reporting_year BIGINT, geography_code VARCHAR, numerator_a BIGINT, "
            "significant BOOLEAN)"
        )
        connection.executemany(
            'INSERT INTO marts.fct_equity_metrics (metric_id, reporting_year, geography_code, "group", '
            "value, numerator_a, significant, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            METRICS_ROWS,
        )
        connection.execute(
            "CREATE TABLE marts.dim_organisations "
            "(org_code VARCHAR, org_name VARCHAR, open_date DATE, close_date DATE)"
        )
        connection.executemany("INSERT INTO marts.dim_organisations VALUES (?, ?, ?, ?)", ORGANISATION_ROWS)
        connection.execute("CREATE TABLE marts.int_trust_counts (org_code VARCHAR)")

    write_manifest(paths, standard_nodes())
    (paths.dbt_target / "run_results.json").write_text('{"results": []}\n', encoding="utf-8")

    pq.write_table(
        pa.table(
            {
                "source_file": [row[0] for row in INPUT_FILES],
                "sha256": [row[1] for row in INPUT_FILES],
                "size_bytes": pa.array([row[2] for row in INPUT_FILES], pa.int64()),
                "outcome": [row[3] for row in INPUT_FILES],
            }
        ),
        paths.file_outcomes,
    )
    (paths.quality / "data_docs").mkdir(parents=True)
    (paths.quality / "quarantine_report.html").write_text("<h1>Quarantine</h1>\n", encoding="utf-8")
    (paths.quality / "data_docs" / "index.html").write_text("<h1>Data Docs</h1>\n", encoding="utf-8")
    return paths


def release_listing(paths: Paths) -> dict[str, str]:
    """Every file under releases/ with its sha256, to show that nothing changed."""
    return {
        path.relative_to(paths.releases).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(paths.releases.rglob("*"))
        if path.is_file()
    }


def expected_metric_rows() -> list[tuple]:
    """METRICS_ROWS sorted by the key, nulls last."""
    return sorted(METRICS_ROWS, key=lambda row: tuple((value is None, value) for value in row[:4]))


# --- which models are published --------------------------------------------------------


def test_only_public_models_are_published_with_their_contract(paths: Paths) -> None:
    models = published_models(paths.dbt_target / "manifest.json")

    assert [model.published_name for model in models] == ["equity_metrics", "organisations"]
    metrics, organisations = models
    assert (metrics.database, metrics.schema, metrics.alias) == ("warehouse", "marts", "fct_equity_metrics")
    assert metrics.primary_key == tuple(METRICS_KEY)
    assert metrics.column_names == tuple(METRICS_COLUMNS)
    assert metrics.partitioned and not organisations.partitioned
    assert organisations.arrow_schema() == pa.schema(
        [
            ("org_code", pa.string()),
            ("org_name", pa.string()),
            ("open_date", pa.date32()),
            ("close_date", pa.date32()),
        ]
    )


@pytest.mark.parametrize(
    ("node", "message"),
    [
        (manifest_node("m", {"a": None}, published_name="t", primary_key=["a"]), "has no data_type"),
        (manifest_node("m", {"a": "decimal(10,2)"}, published_name="t", primary_key=["a"]), "does not map"),
        (manifest_node("m", {"a": "bigint"}, published_name="t"), "primary_key"),
        (manifest_node("m", {"a": "bigint"}, published_name="t", primary_key=["b"]), "not declared"),
        (manifest_node("m", {"a": "bigint"}, primary_key=["a"]), "published_name"),
        (manifest_node("m", {"a": "bigint"}, published_name="Equity", primary_key=["a"]), "lower-case"),
        (manifest_node("m", {"a": "bigint"}, published_name="csv", primary_key=["a"]), "reserved"),
        (
            manifest_node("m", {"reporting_year": "varchar"}, published_name="t", primary_key=["reporting_year"]),
            "integer",
        ),
    ],
)
def test_a_public_model_without_a_usable_contract_is_refused(paths: Paths, node: dict, message: str) -> None:
    write_manifest(paths, [node])
    with pytest.raises(ManifestError, match=message):
        published_models(paths.dbt_target / "manifest.json")


def test_two_models_cannot_share_a_published_name(paths: Paths) -> None:
    write_manifest(
        paths,
        [
            manifest_node("a", {"x": "bigint"}, published_name="same", primary_key=["x"]),
            manifest_node("b", {"x": "bigint"}, published_name="same", primary_key=["x"]),
        ],
    )
    with pytest.raises(ManifestError, match="same"):
        published_models(paths.dbt_target / "manifest.json")


# --- the release ------------------------------------------------------------------------


def test_release_layout_and_latest(paths: Paths) -> None:
    release = publish_release(paths, YEAR, "run-1")

    assert release.parent == paths.releases
    assert re.fullmatch(rf"{YEAR}-\d{{8}}T\d{{6}}Z", release.name)
    assert paths.latest_pointer.read_text(encoding="utf-8") == release.name + "\n"
    assert os.readlink(paths.current_link) == f"releases/{release.name}"
    assert paths.current_link.resolve() == release.resolve()
    assert [path.as_posix() for path in release_files(release)] == [
        "SHA256SUMS",
        "csv/equity_metrics.csv",
        "csv/organisations.csv",
        "data_dictionary.csv",
        "data_dictionary.md",
        "datapackage.json",
        "equity_metrics/reporting_year=2023/part-0.parquet",
        "equity_metrics/reporting_year=2024/part-0.parquet",
        "figure_revisions.csv",
        "manifest.json",
        "organisations/organisations.parquet",
        "quality/data_docs/index.html",
        "quality/data_test_rules.csv",
        "quality/dbt_run_results.json",
        "quality/quarantine_report.html",
        "quality/test_summary.json",
        "release.duckdb",
        "reports/data_quality_report.html",
        "reports/national_report.html",
        "revisions.csv",
        "revisions/revisions.parquet",
        "sign_off.json",
    ]
    assert (release / "quality" / "dbt_run_results.json").read_bytes() == (
        paths.dbt_target / "run_results.json"
    ).read_bytes()
    # Nothing is left behind but the release, LATEST and current (and the unpublished cache,
    # which keeps the candidate for the next run's reuse: exports/release_reuse.py).
    assert sorted(path.name for path in paths.releases.iterdir()) == [release.name]
    assert sorted(path.name for path in paths.output.iterdir() if not path.name.startswith(".")) == [
        "LATEST", "cache", "candidates", "current", "releases", "sign_off_log.jsonl", "work"
    ]
    assert not any(paths.candidates.iterdir())


def test_reporting_year_is_in_the_path_only_and_readers_recover_it(paths: Paths) -> None:
    release = publish_release(paths, YEAR, "run-1")
    table_dir = release / "equity_metrics"

    for part in table_dir.glob("reporting_year=*/part-0.parquet"):
        assert "reporting_year" not in pq.read_schema(part).names

    with duckdb.connect() as connection:
        recovered = connection.execute(
            "SELECT reporting_year, typeof(reporting_year), count(*) "
            "FROM read_parquet(?, hive_partitioning = true) GROUP BY ALL ORDER BY reporting_year",
            [f"{table_dir}/*/*.parquet"],
        ).fetchall()
    assert recovered == [(2023, "BIGINT", 3), (2024, "BIGINT", 3)]

    dataset = ds.dataset(table_dir, format="parquet", partitioning="hive")
    years = dataset.to_table(columns=["reporting_year"]).column("reporting_year").to_pylist()
    assert sorted(years) == [2023, 2023, 2023, 2024, 2024, 2024]
    # An explicit partition schema gives readers int64 rather than pyarrow's inferred int32.
    year_schema = pa.schema([("reporting_year", pa.int64())])
    typed = ds.dataset(table_dir, format="parquet", partitioning=ds.partitioning(year_schema, flavor="hive"))
    assert typed.schema.field("reporting_year").type == pa.int64()


def test_parquet_types_nulls_and_sort_order(paths: Paths) -> None:
    release = publish_release(paths, YEAR, "run-1")

    part = pq.read_table(release / "equity_metrics" / "reporting_year=2023" / "part-0.parquet")
    assert part.schema == pa.schema(
        [
            ("metric_id", pa.string()),
            ("geography_code", pa.string()),
            ("group", pa.string()),
            ("value", pa.float64()),
            ("numerator_a", pa.int64()),
            ("significant", pa.bool_()),
            ("note", pa.string()),
        ]
    )
    expected_2023 = [row[:1] + row[2:] for row in expected_metric_rows() if row[1] == 2023]
    assert [tuple(row.values()) for row in part.to_pylist()] == expected_2023
    # Null stays null: never an empty string.
    assert part.column("group").null_count == 1
    assert "" not in part.column("group").to_pylist()

    organisations = pq.read_table(release / "organisations" / "organisations.parquet")
    assert [tuple(row.values()) for row in organisations.to_pylist()] == sorted(ORGANISATION_ROWS)
    assert organisations.schema.field("close_date").type == pa.date32()


def test_csv_copy_has_every_year_with_nulls_empty(paths: Paths) -> None:
    release = publish_release(paths, YEAR, "run-1")

    organisations = (release / "csv" / "organisations.csv").read_bytes()
    assert organisations == (
        b"org_code,org_name,open_date,close_date\n"
        b'"RA1","Trust A",2019-04-01,2024-03-31\n'
        b'"RB2","Trust B",2020-04-01,\n'
    )

    metrics_bytes = (release / "csv" / "equity_metrics.csv").read_bytes()
    assert b"\r" not in metrics_bytes
    metrics_text = metrics_bytes.decode("utf-8")  # strictly UTF-8, no BOM
    assert not metrics_text.startswith("\ufeff")
    assert metrics_text.splitlines()[0] == ",".join(METRICS_COLUMNS)
    suppressed_row = '"wres1_pct_headcount",2023,"RA1","BME",,,,"suppressed: ""small"" numbers, 1–7"'
    assert suppressed_row in metrics_text.splitlines()

    parsers = {"bigint": int, "double": float, "boolean": lambda text: text == "true", "varchar": str}

    def parse(record: list[str]) -> tuple:
        return tuple(
            parsers[data_type](cell) if cell != "" else None
            for cell, data_type in zip(record, METRICS_COLUMNS.values(), strict=True)
        )

    parsed = [parse(record) for record in list(csv.reader(io.StringIO(metrics_text)))[1:]]
    assert parsed == expected_metric_rows()


def test_publishing_the_same_warehouse_twice_gives_identical_data_files(paths: Paths) -> None:
    first = publish_release(paths, YEAR, "run-1")
    second = publish_release(paths, YEAR, "run-2")

    assert first.name != second.name
    assert paths.latest_pointer.read_text(encoding="utf-8").strip() == second.name
    assert paths.current_link.resolve() == second.resolve()
    first_files = set(release_files(first))
    assert first_files == set(release_files(second))
    # The release's own records differ: its id and time, its sign-off, and the revisions log
    # gains a row (in release.duckdb too, which tests/test_release_database.py compares table by table).
    release_specific = {
        Path(name)
        for name in [
            "manifest.json", "SHA256SUMS", "datapackage.json", "revisions.csv", "revisions/revisions.parquet",
            "release.duckdb", "sign_off.json",
        ]
    }
    for relative in first_files - release_specific:
        assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative


def _data_files(release: Path) -> list[str]:
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    return [item["path"] for item in manifest["files"] if item["rows"] is not None and "revisions" not in item["path"]]


def test_a_rerun_takes_the_last_releases_unchanged_files_and_publishes_the_same_bytes(
    paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EQUITY_CACHE", "off")
    written = publish_release(paths, YEAR, "run-0")  # every file written, nothing kept for reuse
    monkeypatch.delenv("EQUITY_CACHE")
    first = publish_release(paths, YEAR, "run-1")  # written again, and kept for the next run
    second = publish_release(paths, YEAR, "run-2")  # nothing new: takes first's files

    data_files = _data_files(second)
    assert data_files and data_files == _data_files(written)
    for relative in data_files:  # hard links to the last release's files: no second copy
        assert os.stat(second / relative).st_ino == os.stat(first / relative).st_ino, relative
    release_specific = {"manifest.json", "SHA256SUMS", "datapackage.json", "revisions.csv",
                        "revisions/revisions.parquet", "release.duckdb", "sign_off.json"}
    files = {path.as_posix() for path in release_files(second)}
    assert files == {path.as_posix() for path in release_files(written)}
    for relative in sorted(files - release_specific):
        assert (second / relative).read_bytes() == (written / relative).read_bytes(), relative
    with duckdb.connect(str(second / "release.duckdb"), read_only=True) as taken, duckdb.connect(
        str(written / "release.duckdb"), read_only=True
    ) as fresh:
        names = [name for (name,) in fresh.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        for name in names:
            if name != "revisions":
                query = f'SELECT * FROM "{name}"'
                assert taken.execute(query).fetchall() == fresh.execute(query).fetchall(), name
    # SHA256SUMS still checks: every file is the release's own, whatever it is linked to.
    subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=second, check=True)


def test_a_file_changed_in_the_last_release_is_not_taken(paths: Paths) -> None:
    first = publish_release(paths, YEAR, "run-1")
    relative = _data_files(first)[0]
    original = (first / relative).read_bytes()
    (first / relative).write_bytes(original + b"changed")  # no longer what its manifest says

    second = publish_release(paths, YEAR, "run-2")

    assert os.stat(second / relative).st_ino != os.stat(first / relative).st_ino
    assert (second / relative).read_bytes() == original


def test_an_existing_release_is_never_overwritten(paths: Paths) -> None:
    # Occupy every id the next few seconds could produce, each with a file in it.
    now = datetime.now(UTC)
    occupied = [f"{YEAR}-{now + timedelta(seconds=offset):%Y%m%dT%H%M%SZ}" for offset in range(-1, 30)]
    for release_id in occupied:
        (paths.releases / release_id).mkdir(parents=True)
        (paths.releases / release_id / "keep.txt").write_text(release_id, encoding="utf-8")
    before = release_listing(paths)

    release = publish_release(paths, YEAR, "run-1")

    assert release.name in {f"{release_id}-2" for release_id in occupied}
    after = release_listing(paths)
    assert {name: digest for name, digest in after.items() if name in before} == before


def failing_run_missing_table(paths: Paths) -> None:
    """A third public model, published last, whose table dbt never built."""
    missing = manifest_node("fct_missing", {"x": "bigint"}, published_name="zz_missing", primary_key=["x"])
    write_manifest(paths, [*standard_nodes(), missing])


def failing_run_undeclared_column(paths: Paths) -> None:
    with duckdb.connect(str(paths.warehouse)) as connection:
        connection.execute("ALTER TABLE marts.dim_organisations ADD COLUMN secret VARCHAR")


def failing_run_quality_clash(paths: Paths) -> None:
    """Fails after every table is written, while copying the quality evidence."""
    (paths.quality / "dbt_run_results.json").write_text("{}", encoding="utf-8")


@pytest.mark.parametrize(
    ("break_run", "error"),
    [
        (failing_run_missing_table, WarehouseMismatchError),
        (failing_run_undeclared_column, WarehouseMismatchError),
        (failing_run_quality_clash, ReleaseInputError),
    ],
)
def test_a_failure_midway_leaves_no_half_release_and_latest_unchanged(paths: Paths, break_run, error) -> None:
    good = publish_release(paths, YEAR, "run-1")
    before = release_listing(paths)
    latest_before = paths.latest_pointer.read_bytes()
    current_before = os.readlink(paths.current_link)

    break_run(paths)
    with pytest.raises(error):
        publish_release(paths, YEAR, "run-2")

    assert release_listing(paths) == before
    assert sorted(path.name for path in paths.releases.iterdir()) == [good.name]  # no .tmp- folder
    assert paths.latest_pointer.read_bytes() == latest_before
    assert os.readlink(paths.current_link) == current_before
    assert sorted(path.name for path in paths.output.iterdir() if not path.name.startswith(".")) == [
        "LATEST", "cache", "candidates", "current", "releases", "sign_off_log.jsonl", "work"
    ]
    assert not any(paths.candidates.iterdir())


def test_missing_run_outputs_stop_the_release_before_anything_is_written(paths: Paths) -> None:
    shutil.rmtree(paths.quality)
    (paths.dbt_target / "run_results.json").unlink()

    with pytest.raises(ReleaseInputError, match="quality folder.*|run_results"):
        publish_release(paths, YEAR, "run-1")
    assert not paths.releases.exists() or not any(paths.releases.iterdir())
    assert not paths.latest_pointer.exists()
    assert not paths.current_link.is_symlink()


def test_the_warehouse_is_only_read(paths: Paths) -> None:
    warehouse_digest = hashlib.sha256(paths.warehouse.read_bytes()).hexdigest()
    # In one process DuckDB refuses a read-write connection next to a read-only one, so this
    # publish would fail if the publisher asked for write access.
    with duckdb.connect(str(paths.warehouse), read_only=True):
        publish_release(paths, YEAR, "run-1")
    assert hashlib.sha256(paths.warehouse.read_bytes()).hexdigest() == warehouse_digest


def test_an_empty_partitioned_table_still_has_a_file_with_its_schema(paths: Paths) -> None:
    with duckdb.connect(str(paths.warehouse)) as connection:
        connection.execute("DELETE FROM marts.fct_equity_metrics")

    release = publish_release(paths, YEAR, "run-1")

    part = release / "equity_metrics" / f"reporting_year={YEAR}" / "part-0.parquet"
    assert pq.read_metadata(part).num_rows == 0
    csv_text = (release / "csv" / "equity_metrics.csv").read_text(encoding="utf-8")
    assert csv_text == ",".join(METRICS_COLUMNS) + "\n"


# --- integrity and provenance -----------------------------------------------------------


def test_sha256sums_verifies_with_coreutils(paths: Paths) -> None:
    release = publish_release(paths, YEAR, "run-1")

    lines = (release / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    listed = [line.split("  ", 1)[1] for line in lines]
    assert listed == [path.as_posix() for path in release_files(release) if path.name != "SHA256SUMS"]
    if shutil.which("sha256sum") is None:
        pytest.skip("sha256sum is not installed")
    result = subprocess.run(
        ["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=release, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_manifest_records_ids_versions_inputs_and_every_file(paths: Paths) -> None:
    release = publish_release(paths, YEAR, "run-42")
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))

    assert manifest["release_id"] == release.name
    assert manifest["reporting_year"] == YEAR
    assert manifest["run_id"] == "run-42"
    created_at = datetime.fromisoformat(manifest["created_at"])
    assert manifest["created_at"].endswith("Z") and created_at.utcoffset() == timedelta(0)
    assert release.name == f"{YEAR}-{created_at:%Y%m%dT%H%M%SZ}"
    # Provenance is never null: this checkout's commit, read from git, with its dirty flag.
    assert re.fullmatch(r"[0-9a-f]{40}", manifest["git_commit"])
    assert manifest["code"]["source"] == "git checkout"
    assert manifest["code"]["commit"] == manifest["git_commit"]
    assert isinstance(manifest["code"]["dirty"], bool)

    versions = manifest["tool_versions"]
    assert versions["python"] == ".".join(map(str, sys.version_info[:3]))
    assert versions["duckdb"] == metadata.version("duckdb")
    assert versions["pyarrow"] == metadata.version("pyarrow")
    assert set(versions) >= {"pandas", "dbt-core", "dbt-duckdb", "great-expectations", "apache-airflow"}

    assert manifest["inputs"] == [
        {"path": path, "sha256": digest, "size_bytes": size, "outcome": outcome}
        for path, digest, size, outcome in sorted(INPUT_FILES)
    ]

    files = {entry["path"]: entry for entry in manifest["files"]}
    assert set(files) == {
        path.as_posix() for path in release_files(release) if path.name not in {"manifest.json", "SHA256SUMS"}
    }
    for path, entry in files.items():
        content = (release / path).read_bytes()
        assert entry["sha256"] == hashlib.sha256(content).hexdigest()
        assert entry["size_bytes"] == len(content)
    assert files["equity_metrics/reporting_year=2023/part-0.parquet"]["rows"] == 3
    assert files["csv/equity_metrics.csv"]["rows"] == 6
    assert files["organisations/organisations.parquet"]["rows"] == 2
    assert files["quality/quarantine_report.html"]["rows"] is None

    tables = {table["name"]: table for table in manifest["tables"]}
    assert tables["equity_metrics"]["rows"] == 6
    assert tables["equity_metrics"]["reporting_years"] == [2023, 2024]
    assert tables["equity_metrics"]["primary_key"] == METRICS_KEY
    assert tables["organisations"]["partitioned_by"] is None


def test_previous_input_hashes_come_from_the_release_latest_names(paths: Paths) -> None:
    assert latest_release_id(paths) is None
    assert previous_input_hashes(paths) == {}

    publish_release(paths, YEAR, "run-1")

    assert previous_input_hashes(paths) == {path: digest for path, digest, _, _ in INPUT_FILES}


def test_latest_naming_a_missing_release_is_an_error(paths: Paths) -> None:
    paths.latest_pointer.write_text("2024-20250101T000000Z\n", encoding="utf-8")
    with pytest.raises(BrokenReleaseError, match="2024-20250101T000000Z"):
        previous_input_hashes(paths)


def test_command_line_publishes_from_the_environment(paths: Paths) -> None:
    environment = {
        **os.environ,
        "EQUITY_OUTPUT_DIR": str(paths.output),
        "EQUITY_LANDING_DIR": str(paths.landing),
    }
    result = subprocess.run(
        [sys.executable, "-m", "exports", "--reporting-year", str(YEAR), "--run-id", "cli-run"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    release = Path(result.stdout.strip())
    assert release.parent == paths.releases.resolve()
    assert json.loads((release / "manifest.json").read_text(encoding="utf-8"))["run_id"] == "cli-run"
    assert "Published release" in result.stderr
