"""A partitioned table read one reporting year at a time (exports/table_files.py) writes the
same bytes as the whole table read at once, and the reports' selected reads
(ReleaseData.table's `where`) give the rows a filter of the whole table gives."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from exports.published_models import PublishedColumn, PublishedModel
from exports.reports.release_data import MissingData, ReleaseContext, ReleaseData
from exports.table_files import read_published_table, write_published_model, write_table_files

COLUMNS = (
    PublishedColumn("metric_id", "varchar", pa.string()),
    PublishedColumn("reporting_year", "bigint", pa.int64()),
    PublishedColumn("code", "varchar", pa.string()),
    PublishedColumn("value", "double", pa.float64()),
    PublishedColumn("note", "varchar", pa.string()),
)
# metric_id before the year in the key: the CSV interleaves the years within each metric.
ROWS = [
    ("b_metric", 2024, "R2", 0.5, None),
    ("a_metric", 2025, "R1", None, "=SUM(A1)"),  # formula-like text: escaped in the CSV only
    ("a_metric", 2024, "R1", 1.25, "fine"),
    ("b_metric", 2025, "R1", 2.0, "-3 trusts"),
    ("a_metric", 2024, "R2", 3.0, None),
    ("c_metric", 2023, "R9", 4.0, "only 2023"),
    (None, 2025, "R3", 5.0, "no metric: sorts last"),
]


def model(primary_key: tuple[str, ...], columns=COLUMNS) -> PublishedModel:
    return PublishedModel("model.test.figures", "warehouse", "main", "figures", "figures", primary_key, columns)


def warehouse(tmp_path: Path, rows=ROWS) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    connection.execute("CREATE TABLE figures (metric_id VARCHAR, reporting_year BIGINT, code VARCHAR, "
                       "value DOUBLE, note VARCHAR)")
    if rows:
        connection.executemany("INSERT INTO figures VALUES (?, ?, ?, ?, ?)", rows)
    return connection


def digests(folder: Path) -> dict[str, str]:
    return {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.mark.parametrize("primary_key", [("metric_id", "reporting_year", "code"), ("reporting_year", "metric_id", "code")])
@pytest.mark.parametrize("rows", [ROWS, []], ids=["rows", "empty"])
def test_a_year_at_a_time_writes_the_bytes_of_the_whole_table(tmp_path: Path, primary_key, rows) -> None:
    connection = warehouse(tmp_path, rows)
    published = model(primary_key)
    whole, by_year = tmp_path / "whole", tmp_path / "by_year"
    whole_files = write_table_files(read_published_table(connection, published), published, whole, 2025)
    seen = []
    written = write_published_model(connection, published, by_year, 2025,
                                    inspect=lambda piece: seen.append(piece.num_rows))

    assert digests(by_year) == digests(whole)
    assert [(item.path, item.rows) for item in written.files] == [(item.path, item.rows) for item in whole_files]
    assert written.rows == len(rows) == sum(seen)
    assert written.years == sorted({row[1] for row in rows})
    assert not list(by_year.glob(".csv-*")), "the spool folder is removed"
    csv_text = (by_year / "csv" / "figures.csv").read_text(encoding="utf-8")
    if rows:
        assert "'=SUM(A1)" in csv_text and "'-3 trusts" in csv_text


def test_a_table_not_keyed_by_year_is_read_whole_with_the_same_bytes(tmp_path: Path) -> None:
    connection = warehouse(tmp_path)
    published = model(("code", "metric_id", "reporting_year"))  # the year is keyed, but not first: spools
    written = write_published_model(connection, published, tmp_path / "a", 2025)
    unkeyed = model(("code", "metric_id", "note"))  # no year in the key: the whole table at once
    connection.execute("DELETE FROM figures WHERE metric_id IS NULL")
    write_published_model(connection, unkeyed, tmp_path / "b", 2025)
    write_table_files(read_published_table(connection, unkeyed), unkeyed, tmp_path / "c", 2025)

    assert written.years == [2023, 2024, 2025]
    assert digests(tmp_path / "b") == digests(tmp_path / "c")


def test_selected_reads_give_the_rows_a_filter_of_the_whole_table_gives(tmp_path: Path) -> None:
    connection = warehouse(tmp_path)
    published = model(("metric_id", "reporting_year", "code"))
    write_published_model(connection, published, tmp_path / "release", 2025)
    data = ReleaseData(tmp_path / "release", ReleaseContext(2025))

    whole = data.table("figures")
    expected = whole[whole["metric_id"].isin(["a_metric", "b_metric"]) & (whole["reporting_year"] == 2024)]
    selected = data.table("figures", ["metric_id", "code", "value"],
                          where={"metric_id": {"a_metric", "b_metric"}, "reporting_year": 2024})

    assert list(selected.columns) == ["metric_id", "code", "value"]
    assert selected.to_dict("records") == expected[["metric_id", "code", "value"]].to_dict("records")
    assert data.has_table("figures") and not data.has_table("absent")
    with pytest.raises(MissingData, match="no column"):
        data.table("figures", ["missing"], where={"reporting_year": 2024})
    with pytest.raises(MissingData, match="not in this release"):
        data.table("absent", ["code"], where={"reporting_year": 2024})
