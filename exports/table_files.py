"""Read one published model from the warehouse and write its parquet and CSV files.

The files must be byte-identical whenever the warehouse is: rows are sorted by the primary
key and then by every other column, every writer setting is pinned below, and nothing
run-dependent (time, run id, host) goes inside a data file. Byte-identity holds for a given
pyarrow version, since parquet records the writer version in its footer.

CSV copies are for spreadsheet users, so their text is made safe to open in a spreadsheet
(exports/spreadsheet_safety.py); the parquet files keep the original text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
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


class WarehouseMismatchError(RuntimeError):
    """The warehouse table does not match what the manifest says was published."""


@dataclass(frozen=True)
class DataFile:
    path: Path  # relative to the release folder
    rows: int


def read_published_table(connection: duckdb.DuckDBPyConnection, model: PublishedModel) -> pa.Table:
    """The model's rows, in declared column order and types, in a total, repeatable order."""
    _check_relation(connection, model)
    relation = ".".join(quote_identifier(part) for part in (model.database, model.schema, model.alias))
    other_columns = [name for name in model.column_names if name not in model.primary_key]
    # NULLS LAST is explicit so the order does not depend on a session default.
    order_by = ", ".join(
        f"{quote_identifier(name)} ASC NULLS LAST" for name in (*model.primary_key, *other_columns)
    )
    select = ", ".join(quote_identifier(name) for name in model.column_names)
    table = connection.sql(f"SELECT {select} FROM {relation} ORDER BY {order_by}").to_arrow_table()
    # safe=True: a value that does not fit its published type fails instead of changing.
    # One chunk per column, so the file layout cannot depend on how DuckDB batched the result.
    return table.cast(model.arrow_schema(), safe=True).combine_chunks()


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
