"""`release.duckdb`: every table of a release in one DuckDB file, opened from any folder, on
the tiny warehouse of tests/test_release_documents.py."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from exports.release import publish_release
from exports.release_database import RELEASE_DATABASE_FILE, write_release_database
from exports.table_docs import ColumnDoc, TableDoc
from ingest.config import Paths
from test_release_documents import DDE_NAME, FORMULA_NOTE, YEAR, build_run

YEAR_SCHEMA = pa.schema([("reporting_year", pa.int64())])


@pytest.fixture
def run(tmp_path: Path) -> Paths:
    return build_run(tmp_path)


def open_elsewhere(database: Path, monkeypatch, folder: Path) -> duckdb.DuckDBPyConnection:
    """Open the file read-only from an unrelated working directory, by an absolute path."""
    folder.mkdir(exist_ok=True)
    monkeypatch.chdir(folder)
    return duckdb.connect(str(database.resolve()), read_only=True)


def csv_header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def test_every_table_of_the_release_is_a_real_table_with_the_published_rows(run, monkeypatch, tmp_path) -> None:
    release = publish_release(run, YEAR, "run-1")
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))

    with open_elsewhere(release / RELEASE_DATABASE_FILE, monkeypatch, tmp_path / "elsewhere") as connection:
        kinds = dict(connection.execute("SELECT table_name, table_type FROM information_schema.tables").fetchall())
        # Every table the data dictionary describes, the dictionary itself included; no views.
        dictionary_tables = {row["table"] for row in csv.DictReader((release / "data_dictionary.csv").open())}
        assert kinds == dict.fromkeys(dictionary_tables | {"data_dictionary"}, "BASE TABLE")

        for table in manifest["tables"]:
            name = table["name"]
            stored = connection.sql(f'SELECT * FROM "{name}"').to_arrow_table()
            # Columns as in the CSV copy (reporting_year in its declared place), rows as published.
            csv_path = release / ("revisions.csv" if name == "revisions" else f"csv/{name}.csv")
            assert stored.column_names == csv_header(csv_path), name
            assert stored.num_rows == table["rows"], name
            if table["partitioned_by"]:
                partitioning = ds.partitioning(YEAR_SCHEMA, flavor="hive")
                files = ds.dataset(release / name, format="parquet", partitioning=partitioning).to_table()
            else:
                files = pq.read_table(release / table["files"][0])
            # DuckDB keeps timestamps in microseconds (revisions.created_at is in seconds).
            assert stored.equals(files.select(stored.column_names).cast(stored.schema)), name

        types = dict(connection.execute(
            "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns "
            "WHERE column_name = 'reporting_year'"
        ).fetchall())
        assert set(types.values()) == {"BIGINT"} and "figures.reporting_year" in types
        # The original text, not the CSV copies' spreadsheet escaping.
        assert connection.execute("SELECT count(*) FROM figures WHERE note = ?", [FORMULA_NOTE]).fetchall() == [(1,)]
        assert connection.execute("SELECT org_name FROM orgs WHERE org_code = 'RA1'").fetchall() == [(DDE_NAME,)]
        allowed = connection.execute(
            "SELECT allowed_values FROM data_dictionary WHERE \"table\" = 'figures' AND \"column\" = 'sign'"
        ).fetchall()
        assert allowed == [("+;-;0",)]
        assert connection.execute("SELECT count(*) FROM figure_revisions").fetchall() == [(0,)]


def test_it_is_listed_like_every_other_file_and_leaves_no_write_ahead_log(run) -> None:
    release = publish_release(run, YEAR, "run-1")
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    digest = hashlib.sha256((release / RELEASE_DATABASE_FILE).read_bytes()).hexdigest()

    assert {"path": RELEASE_DATABASE_FILE, "rows": None, "size_bytes": (release / RELEASE_DATABASE_FILE).stat().st_size,
            "sha256": digest} in manifest["files"]
    assert f"{digest}  {RELEASE_DATABASE_FILE}\n" in (release / "SHA256SUMS").read_text(encoding="utf-8")
    assert not list(release.glob(f"{RELEASE_DATABASE_FILE}.*"))


def test_it_is_written_in_a_storage_format_older_duckdb_reads(run) -> None:
    release = publish_release(run, YEAR, "run-1")
    with duckdb.connect() as connection:
        connection.execute(f"ATTACH '{release / RELEASE_DATABASE_FILE}' AS published (READ_ONLY)")
        tags = connection.execute(
            "SELECT tags FROM duckdb_databases() WHERE database_name = 'published'"
        ).fetchall()
    # v1.0.0+: the format DuckDB 0.10 and every later version read (README: tested with 0.10.3).
    assert tags == [({"storage_version": "v1.0.0+"},)]


def test_the_same_tables_give_the_same_bytes(tmp_path) -> None:
    # Enough distinct text for DuckDB to choose FSST compression, whose random sample would
    # otherwise make two writes of the same rows differ.
    rows = 100_000
    table = pa.table({
        "code": [hashlib.md5(str(i).encode()).hexdigest() for i in range(rows)],
        "value": pa.array([i / 3 for i in range(rows)], pa.float64()),
    })
    doc = TableDoc(
        name="many_strings", description="", grain=None, primary_key=("code",),
        columns=(ColumnDoc("code", pa.string(), ""), ColumnDoc("value", pa.float64(), "")),
        csv_path="many_strings.csv", parquet_layout="many_strings/many_strings.parquet",
        partition_column=None, origin="test",
    )
    digests = []
    for attempt in ("first", "second"):
        folder = tmp_path / attempt
        (folder / "many_strings").mkdir(parents=True)
        pq.write_table(table, folder / "many_strings" / "many_strings.parquet")
        database = write_release_database(folder, [doc], {})
        digests.append(hashlib.sha256(database.read_bytes()).hexdigest())
    assert digests[0] == digests[1]
