"""Read one published model from the warehouse and write its parquet and CSV files.

The files must be byte-identical whenever the warehouse is: rows are sorted by the primary
key and then by every other column, every writer setting is pinned below, and nothing
run-dependent (time, run id, host) goes inside a data file. Byte-identity holds for a given
pyarrow version, since parquet records the writer version in its footer.

CSV copies are for spreadsheet users, so their text is made safe to open in a spreadsheet
(exports/spreadsheet_safety.py); the parquet files keep the original text.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from exports.published_models import PARTITION_COLUMN, PublishedModel
from exports.spreadsheet_safety import escape_string_columns

CSV_FOLDER = "csv"
PARTITION_FILE_NAME = "part-0.parquet"

# Pinned so that a future change of pyarrow defaults cannot silently change the bytes.
PARQUET_SETTINGS = dict(
    compression="zstd",
    compression_level=9,
    version="2.6",
    data_page_version="1.0",  # the most widely readable page format
    use_dictionary=True,
    write_statistics=True,  # min/max are a function of the data alone, and help readers skip
    write_page_index=False,
    row_group_size=1_048_576,
    store_schema=True,
)
# Strings are quoted and nulls are not, so an empty cell always means null. The header is
# left unquoted: column names are plain identifiers.
CSV_SETTINGS = pa_csv.WriteOptions(
    include_header=True,
    delimiter=",",
    eol="\n",
    null_string="",
    quoting_style="needed",
    quoting_header="none",
)
_CSV_BODY = pa_csv.WriteOptions(
    include_header=False,
    delimiter=CSV_SETTINGS.delimiter,
    eol=CSV_SETTINGS.eol,
    null_string=CSV_SETTINGS.null_string,
    quoting_style=CSV_SETTINGS.quoting_style,
)


class WarehouseMismatchError(RuntimeError):
    """The warehouse table does not match what the manifest says was published."""


@dataclass(frozen=True)
class DataFile:
    path: Path  # relative to the release folder
    rows: int


@dataclass(frozen=True)
class WrittenModel:
    files: list[DataFile]  # the parquet files, then the CSV copy
    rows: int
    years: list[int] | None  # the reporting years with rows (partitioned models only)


def write_published_model(
    connection: duckdb.DuckDBPyConnection,
    model: PublishedModel,
    release_dir: Path,
    reporting_year: int,
    inspect: Callable[[pa.Table], None] = lambda rows: None,
) -> WrittenModel:
    """Read the model from the warehouse and write its files (write_table_files).

    A model partitioned by a reporting year in its primary key is read one year at a time,
    so memory holds one year's rows however many years the release has; the files are the
    same bytes as from the whole table. `inspect` sees every piece of rows read.
    """
    _check_relation(connection, model)
    if not model.partitioned or PARTITION_COLUMN not in model.primary_key:
        table = _sorted_rows(connection, model)
        inspect(table)
        files = write_table_files(table, model, release_dir, reporting_year)
        years = sorted(set(table.column(PARTITION_COLUMN).to_pylist())) if model.partitioned else None
        return WrittenModel(files, table.num_rows, years)
    return _write_by_year(connection, model, release_dir, reporting_year, inspect)


def read_published_table(connection: duckdb.DuckDBPyConnection, model: PublishedModel) -> pa.Table:
    """The model's rows, in declared column order and types, in a total, repeatable order."""
    _check_relation(connection, model)
    return _sorted_rows(connection, model)


def _sorted_rows(connection: duckdb.DuckDBPyConnection, model: PublishedModel, year: int | None = None) -> pa.Table:
    """The model's rows (of one reporting year, if given) in the published order."""
    other_columns = [name for name in model.column_names if name not in model.primary_key]
    # NULLS LAST is explicit so the order does not depend on a session default.
    order_by = ", ".join(
        f"{quote_identifier(name)} ASC NULLS LAST" for name in (*model.primary_key, *other_columns)
    )
    select = ", ".join(quote_identifier(name) for name in model.column_names)
    where = f" WHERE {quote_identifier(PARTITION_COLUMN)} = ?" if year is not None else ""
    query = f"SELECT {select} FROM {_relation(model)}{where} ORDER BY {order_by}"
    table = connection.sql(query, params=[year] if year is not None else None).to_arrow_table()
    # safe=True: a value that does not fit its published type fails instead of changing.
    # One chunk per column, so the file layout cannot depend on how DuckDB batched the result.
    return table.cast(model.arrow_schema(), safe=True).combine_chunks()


def _write_by_year(
    connection: duckdb.DuckDBPyConnection,
    model: PublishedModel,
    release_dir: Path,
    reporting_year: int,
    inspect: Callable[[pa.Table], None],
) -> WrittenModel:
    """A partitioned model's files, one reporting year in memory at a time.

    The CSV copy is sorted by the key columns before the year (`leading`, e.g. metric_id),
    then the year, then the rest: each year's rows are cut into runs of one leading value,
    kept in a spool file per value, and the spools are joined in the warehouse's order.
    """
    year_column = quote_identifier(PARTITION_COLUMN)
    ((nulls,),) = connection.sql(f"SELECT count(*) FROM {_relation(model)} WHERE {year_column} IS NULL").fetchall()
    if nulls:
        raise WarehouseMismatchError(
            f"{model.unique_id}: {nulls} rows have a null {PARTITION_COLUMN}, "
            "which cannot be published as a partition"
        )
    years = [year for (year,) in connection.sql(
        f"SELECT DISTINCT {year_column} FROM {_relation(model)} ORDER BY {year_column}").fetchall()]
    leading = list(model.primary_key[:model.primary_key.index(PARTITION_COLUMN)])
    spool = _CsvSpool(connection, model, leading, release_dir)
    files, rows = [], 0
    try:
        # An empty table still gets one (empty) file, in the release's year, so that readers
        # globbing the table's folder always find a file and its schema.
        for year in years or [reporting_year]:
            table = _sorted_rows(connection, model, year)
            inspect(table)
            path = release_dir / model.published_name / f"{PARTITION_COLUMN}={year}" / PARTITION_FILE_NAME
            files.append(write_parquet(table.drop_columns([PARTITION_COLUMN]), path, release_dir))
            spool.add(table)
            rows += table.num_rows
        csv_path = release_dir / CSV_FOLDER / f"{model.published_name}.csv"
        spool.join(csv_path)
    finally:
        spool.remove()
    files.append(DataFile(csv_path.relative_to(release_dir), rows))
    return WrittenModel(files, rows, years)


class _CsvSpool:
    """The CSV copy of a table read in pieces sorted by `leading` columns: a spool file per
    leading value, appended piece by piece, then joined in the order of those values."""

    def __init__(self, connection, model: PublishedModel, leading: list[str], release_dir: Path) -> None:
        self.schema = model.arrow_schema()
        self.leading = leading
        self.folder = release_dir / f".csv-{model.published_name}"
        self.folder.mkdir(parents=True)
        if leading:
            columns = ", ".join(quote_identifier(name) for name in leading)
            order = ", ".join(f"{quote_identifier(name)} ASC NULLS LAST" for name in leading)
            values = connection.sql(f"SELECT DISTINCT {columns} FROM {_relation(model)} ORDER BY {order}").fetchall()
        else:
            values = [()]
        self.spools = {tuple(value): self.folder / f"{number}.csv" for number, value in enumerate(values)}

    def add(self, table: pa.Table) -> None:
        """Append a piece of rows, sorted by the leading columns first, to the spools."""
        if table.num_rows == 0:
            return
        escaped = escape_string_columns(table)  # once for the piece, not once per run
        starts = _run_starts(table, self.leading)
        keys = table.select(self.leading).take(starts).to_pylist() if self.leading else [{}]
        for start, end, key in zip(starts, [*starts[1:], table.num_rows], keys, strict=True):
            with open(self.spools[tuple(key.values())], "ab") as spool:
                pa_csv.write_csv(escaped.slice(start, end - start), spool, _CSV_BODY)

    def join(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as target:
            pa_csv.write_csv(self.schema.empty_table(), target, CSV_SETTINGS)  # the header
            for spool in self.spools.values():
                if spool.exists():
                    with open(spool, "rb") as source:
                        shutil.copyfileobj(source, target, 1 << 20)

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _run_starts(table: pa.Table, columns: list[str]) -> list[int]:
    """Where each run of equal values in `columns` starts in rows (at least one), a null equal
    to a null; [0] for no columns. Compared as dictionary codes, not row by row in Python."""
    changed = np.zeros(table.num_rows, dtype=bool)
    changed[0] = True
    for name in columns:
        codes = pc.dictionary_encode(table.column(name), null_encoding="encode").combine_chunks().indices
        codes = codes.to_numpy(zero_copy_only=False)
        changed[1:] |= codes[1:] != codes[:-1]
    return np.flatnonzero(changed).tolist()


def _relation(model: PublishedModel) -> str:
    return ".".join(quote_identifier(part) for part in (model.database, model.schema, model.alias))


def write_table_files(
    table: pa.Table, model: PublishedModel, release_dir: Path, reporting_year: int
) -> list[DataFile]:
    """Write the model's parquet (one file per reporting year, or one file) and its CSV copy.

    `reporting_year` is the release's year, used only to place an empty partitioned table.
    """
    name = model.published_name
    if model.partitioned:
        files = _write_partitions(table, model, release_dir, reporting_year)
    else:
        files = [write_parquet(table, release_dir / name / f"{name}.parquet", release_dir)]

    csv_path = release_dir / CSV_FOLDER / f"{name}.csv"
    write_csv(table, csv_path)
    files.append(DataFile(csv_path.relative_to(release_dir), table.num_rows))
    return files


def write_csv(table: pa.Table, path: Path) -> None:
    """Write a CSV file of the release: pinned settings, text escaped for spreadsheets."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pa_csv.write_csv(escape_string_columns(table), path, CSV_SETTINGS)


def _write_partitions(
    table: pa.Table, model: PublishedModel, release_dir: Path, reporting_year: int
) -> list[DataFile]:
    years = table.column(PARTITION_COLUMN)
    if years.null_count:
        raise WarehouseMismatchError(
            f"{model.unique_id}: {years.null_count} rows have a null {PARTITION_COLUMN}, "
            "which cannot be published as a partition"
        )
    data = table.drop_columns([PARTITION_COLUMN])
    # An empty table still gets one (empty) file, in the release's year, so that readers
    # globbing the table's folder always find a file and its schema.
    partition_years = sorted(pc.unique(years).to_pylist()) or [reporting_year]

    files = []
    for year in partition_years:
        # filter keeps the rows' sorted order within the year.
        year_rows = data.filter(pc.equal(years, pa.scalar(year, pa.int64())))
        path = release_dir / model.published_name / f"{PARTITION_COLUMN}={year}" / PARTITION_FILE_NAME
        files.append(write_parquet(year_rows, path, release_dir))
    return files


def write_parquet(table: pa.Table, path: Path, release_dir: Path) -> DataFile:
    """Write a parquet file of the release with the pinned settings."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, **PARQUET_SETTINGS)
    return DataFile(path.relative_to(release_dir), table.num_rows)


def _check_relation(connection: duckdb.DuckDBPyConnection, model: PublishedModel) -> None:
    """Fail with a clear message when the table is missing or its columns differ from the contract."""
    found = [
        name
        for (name,) in connection.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_catalog = ? AND table_schema = ? AND table_name = ? "
            "ORDER BY ordinal_position",
            [model.database, model.schema, model.alias],
        ).fetchall()
    ]
    where = f"{model.database}.{model.schema}.{model.alias}"
    if not found:
        raise WarehouseMismatchError(f"{model.unique_id}: {where} is not in the warehouse")
    missing = [name for name in model.column_names if name not in found]
    extra = [name for name in found if name not in model.column_names]
    if missing or extra:
        raise WarehouseMismatchError(
            f"{model.unique_id}: {where} differs from its declared columns "
            f"(missing: {missing or 'none'}; undeclared: {extra or 'none'})"
        )


def quote_identifier(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
