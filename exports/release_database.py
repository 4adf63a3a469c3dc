"""`release.duckdb`: every table of a release in one DuckDB database file.

An analyst opens `current/release.duckdb` from any folder and queries `equity_metrics` by
name. Each table is a real table holding its rows, not a view over the release's parquet
files: DuckDB resolves a view's relative paths against the reader's working directory, so
such a view fails when the file is opened from anywhere else.

It is built from the files already written, so it holds exactly what they hold: the
parquet files, with `reporting_year` as a BIGINT column in its declared place. Tables
published as CSV only (figure_revisions, data_dictionary) are passed in as arrow tables,
because their CSV text is escaped for spreadsheets. Columns are in the order of the
table's CSV copy and rows in the order of its files (sorted by the primary key).

The storage format is DuckDB's v1.0.0, which DuckDB 0.10 and every later version read
(README, "Read a release"). For a given DuckDB version the file is byte-identical whenever
its tables are: it is written on one thread, within a fixed memory limit, and without FSST
string compression, which picks its symbol table from a random sample.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from exports.table_docs import TableDoc
from exports.table_files import quote_identifier

RELEASE_DATABASE_FILE = "release.duckdb"
STORAGE_VERSION = "v1.0.0"
# Fixed, not DuckDB's default (most of the machine): the writer's memory stays flat however
# many years the release holds, and the file's block layout, which follows the limit, is the
# same on every machine.
MEMORY_LIMIT = "128MB"
_CATALOG = "release"
_SOURCE_VIEW = "csv_only_source"


def write_release_database(
    release_dir: Path, tables: Sequence[TableDoc], csv_only_tables: Mapping[str, pa.Table]
) -> Path:
    """Write `release.duckdb` with one table per TableDoc; its parquet must already be written.

    `csv_only_tables` holds the rows of every table published without parquet, by name.
    """
    path = release_dir / RELEASE_DATABASE_FILE
    if path.exists():
        raise FileExistsError(f"{path} already exists")
    _create_tables(path, release_dir, tables, csv_only_tables)
    return path


def add_release_database_tables(release_dir: Path, tables: Sequence[TableDoc]) -> Path:
    """Add tables published as parquet to an existing `release.duckdb` (the revisions log,
    written on sign-off, after the candidate's other tables)."""
    path = release_dir / RELEASE_DATABASE_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path} has not been written")
    _create_tables(path, release_dir, tables, {})
    return path


def _create_tables(
    path: Path, release_dir: Path, tables: Sequence[TableDoc], csv_only_tables: Mapping[str, pa.Table]
) -> None:
    with duckdb.connect(config={"threads": 1, "memory_limit": MEMORY_LIMIT}) as connection:
        connection.execute("SET disabled_compression_methods = 'fsst'")
        connection.execute(
            f"ATTACH {_literal(path.as_posix())} AS {_CATALOG} (STORAGE_VERSION '{STORAGE_VERSION}')"
        )
        for table in tables:
            columns = ", ".join(quote_identifier(name) for name in table.column_names)
            if table.parquet_layout:
                source = _read_parquet(release_dir, table)
            else:
                connection.register(_SOURCE_VIEW, csv_only_tables[table.name])
                source = _SOURCE_VIEW
            target = f"{_CATALOG}.{quote_identifier(table.name)}"
            connection.execute(f"CREATE TABLE {target} AS SELECT {columns} FROM {source}")
            if not table.parquet_layout:
                connection.unregister(_SOURCE_VIEW)
        connection.execute(f"DETACH {_CATALOG}")


def _read_parquet(release_dir: Path, table: TableDoc) -> str:
    """A read_parquet() of the table's files; the partition column typed BIGINT, as published."""
    files = _literal((release_dir / table.parquet_layout.replace("<Y>", "*")).as_posix())
    if table.partition_column:
        hive_types = f"{{{_literal(table.partition_column)}: BIGINT}}"
        return f"read_parquet({files}, hive_partitioning = true, hive_types = {hive_types})"
    return f"read_parquet({files}, hive_partitioning = false)"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
