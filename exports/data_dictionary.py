"""`data_dictionary.md` and `data_dictionary.csv`: every table and column of the release.

Written from the same TableDoc objects as datapackage.json (exports/table_docs.py), which
come from dbt's manifest for the published models. Nothing release-specific (id, time) is
in either file, so publishing the same project twice gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa

from exports.release_database import RELEASE_DATABASE_FILE
from exports.spreadsheet_safety import FORMULA_PREFIXES
from exports.table_docs import ColumnDoc, TableDoc
from exports.table_files import write_csv

DICTIONARY_MARKDOWN = "data_dictionary.md"
DICTIONARY_CSV = "data_dictionary.csv"
ALLOWED_VALUES_SEPARATOR = ";"

DICTIONARY_SCHEMA = pa.schema(
    [
        ("table", pa.string()),
        ("column", pa.string()),
        ("type", pa.string()),
        ("parquet_type", pa.string()),
        ("primary_key", pa.bool_()),
        ("not_null", pa.bool_()),
        ("unit", pa.string()),
        ("allowed_values", pa.string()),
        ("description", pa.string()),
    ]
)
DICTIONARY_COLUMN_DESCRIPTIONS = {
    "table": "Published table name.",
    "column": "Column name, in the order of the table's CSV copy.",
    "type": "Table Schema type, as in datapackage.json: string, integer, number, boolean, date or datetime.",
    "parquet_type": "Arrow type in the parquet files; empty for a table published as CSV only.",
    "primary_key": "True when the column is part of the table's primary key.",
    "not_null": "True when the column never holds a null.",
    "unit": "Unit of measurement (the column's meta.unit in dbt); empty when none is declared.",
    "allowed_values": (
        f"The only values the column holds apart from null, `{ALLOWED_VALUES_SEPARATOR}`-separated "
        "(dbt accepted_values tests); empty when not restricted."
    ),
    "description": "What the column means (the column's description in dbt).",
}

# data_dictionary.csv is itself a table of the release, described in datapackage.json.
DICTIONARY_TABLE = TableDoc(
    name="data_dictionary",
    description=(
        "The data dictionary: every column of every table of this release (data_dictionary.md "
        "in table form)."
    ),
    grain="one row per table and column.",
    primary_key=("table", "column"),
    columns=tuple(
        ColumnDoc(
            field.name,
            field.type,
            DICTIONARY_COLUMN_DESCRIPTIONS[field.name],
            not_null=field.name in {"table", "column", "type", "primary_key", "not_null"},
        )
        for field in DICTIONARY_SCHEMA
    ),
    csv_path=DICTIONARY_CSV,
    parquet_layout=None,
    partition_column=None,
    origin="publisher",
)

_TYPE_NOTES = (
    "`string`; `integer` (64-bit); `number` (64-bit floating point, unrounded); `boolean` "
    "(`true`/`false` in CSV); `date` (ISO 8601, `YYYY-MM-DD`); `datetime` (ISO 8601)."
)


def write_data_dictionary(release_dir: Path, tables: Sequence[TableDoc]) -> list[Path]:
    markdown = release_dir / DICTIONARY_MARKDOWN
    markdown.write_text(dictionary_markdown(tables), encoding="utf-8", newline="\n")
    csv_path = release_dir / DICTIONARY_CSV
    write_csv(dictionary_table(tables), csv_path)
    return [markdown, csv_path]


def dictionary_table(tables: Sequence[TableDoc]) -> pa.Table:
    rows = [
        {
            "table": table.name,
            "column": column.name,
            "type": column.type,
            "parquet_type": column.parquet_type if table.parquet_layout else None,
            "primary_key": column.name in table.primary_key,
            "not_null": column.not_null,
            "unit": column.unit,
            "allowed_values": (
                ALLOWED_VALUES_SEPARATOR.join(column.allowed_values)
                if column.allowed_values is not None
                else None
            ),
            "description": column.description or None,
        }
        for table in tables
        for column in table.columns
    ]
    return pa.Table.from_pylist(rows, schema=DICTIONARY_SCHEMA)


def dictionary_markdown(tables: Sequence[TableDoc]) -> str:
    escaped = ", ".join(f"`{_visible(prefix)}`" for prefix in FORMULA_PREFIXES)
    lines = [
        "# Data dictionary",
        "",
        "Every table of this release and its columns, generated from the pipeline's dbt "
        "documentation when the release was published. The same content is in "
        f"`{DICTIONARY_CSV}`, and `datapackage.json` describes every CSV file for "
        "Frictionless tools.",
        "",
        f"- Types: {_TYPE_NOTES}",
        "- Null is an empty CSV cell, never an empty string.",
        "- A table with a `reporting_year` is written as parquet one folder per year, "
        "`<table>/reporting_year=<Y>/part-0.parquet`, with `reporting_year` in the folder name "
        "only (hive partitioning: DuckDB, pyarrow, polars and R arrow recover it). Its CSV copy "
        "holds every year, with `reporting_year` as a column.",
        "- `reporting_year` is a 64-bit integer wherever it is written: in the CSV copies, inside "
        "`revisions/revisions.parquet` and `figure_revisions.csv`, and in `release.duckdb`. In a "
        "partitioned table's parquet it is only the folder name, and each reader types it: DuckDB "
        "reads it as BIGINT and polars as Int64, but pyarrow infers int32 (a dictionary of int32 "
        "through `pyarrow.parquet.read_table`), pandas a category and R arrow int32, unless given "
        "the partition schema `reporting_year: int64`, as the README's examples do. Without it a "
        "pyarrow join with `revisions` on `reporting_year` fails (int32 against int64).",
        f"- `{RELEASE_DATABASE_FILE}` holds every table below as a DuckDB table of the same name, with "
        "the columns in the order of the CSV copy and the original (unescaped) text; open it "
        "read-only from any folder.",
        f"- In CSV copies, text that begins with {escaped} is prefixed with a single quote `'` "
        "so that spreadsheets show it as text instead of running it as a formula. Parquet files "
        "hold the original text.",
        "",
        "## Tables",
        "",
    ]
    for table in tables:
        grain = f": {table.grain}" if table.grain else ""
        lines.append(f"- [`{table.name}`](#{_anchor(table.name)}){grain}")
    for table in tables:
        lines += ["", f"## {table.name}", ""]
        if table.description:
            lines += [table.description, ""]
        if table.grain:
            lines.append(f"- Grain: {table.grain}")
        lines.append("- Primary key: " + ", ".join(f"`{name}`" for name in table.primary_key))
        if table.parquet_layout:
            partition = (
                f" (`{table.partition_column}` in the folder name only)" if table.partition_column else ""
            )
            lines.append(f"- Parquet: `{table.parquet_layout}`{partition}")
        lines.append(f"- CSV: `{table.csv_path}`")
        lines += [
            "",
            "| column | type | key | not null | unit | allowed values | description |",
            "|---|---|---|---|---|---|---|",
        ]
        for column in table.columns:
            allowed = ", ".join(f"`{value}`" for value in column.allowed_values or ())
            cells = [
                f"`{column.name}`",
                column.type,
                "yes" if column.name in table.primary_key else "",
                "yes" if column.not_null else "",
                column.unit or "",
                allowed,
                column.description,
            ]
            lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def _anchor(name: str) -> str:
    return name.lower().replace(" ", "-")


def _visible(prefix: str) -> str:
    return {"\t": "\\t (tab)", "\r": "\\r (carriage return)"}.get(prefix, prefix)
