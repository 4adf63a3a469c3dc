"""Parquet in and out: the raw zone and ingest's files in, the validated zone out.

The validated zone holds the rows of accepted files only, cast to the types in
`ingest/tables.py` with the same formats the suites checked, so every cast succeeds.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from expectations.contract import date_format
from expectations.frames import parse_dates
from ingest.config import Paths
from ingest.tables import FILE_ORG_CODE, FILE_YEAR, SOURCE_FILE, SOURCE_ROW, TABLES

PROVENANCE_FIELDS = [
    pa.field(SOURCE_FILE, pa.string()),
    pa.field(SOURCE_ROW, pa.int64()),
    pa.field(FILE_YEAR, pa.int64()),
    pa.field(FILE_ORG_CODE, pa.string()),
]
_ARROW_TYPES = {"string": pa.string(), "int64": pa.int64(), "date": pa.date32()}


def read_parquet(path: Path) -> pd.DataFrame:
    """A parquet file as pandas, with int64 columns as nullable Int64 so nulls stay null."""
    return pq.read_table(path).to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)


def write_parquet(frame: pd.DataFrame, schema: pa.Schema, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.Table.from_pandas(frame[schema.names], schema=schema, preserve_index=False), path
    )


def read_raw(paths: Paths) -> dict[str, pd.DataFrame]:
    """Every landed table, in file and row order, with a fresh 0..n-1 index: GX reports
    failing rows by index, and the ledger maps them back through these positions."""
    return {
        name: read_parquet(paths.raw / f"{name}.parquet")
        .sort_values([SOURCE_FILE, SOURCE_ROW], kind="stable")
        .reset_index(drop=True)
        for name in TABLES
    }


def validated_schema(table: str) -> pa.Schema:
    columns = {**TABLES[table].columns, **TABLES[table].derived}
    return pa.schema([pa.field(c, _ARROW_TYPES[t]) for c, t in columns.items()] + PROVENANCE_FIELDS)


def write_validated(paths: Paths, raw: dict[str, pd.DataFrame], loaded: set[str]) -> dict[str, int]:
    """Write `validated/<table>.parquet` for every table: the rows of `loaded` files, typed.
    Returns the number of rows written per table."""
    paths.validated.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, rows in raw.items():
        rows = rows[rows[SOURCE_FILE].isin(loaded)]
        schema = validated_schema(name)
        table = pa.Table.from_arrays([_typed(name, rows, field) for field in schema], schema=schema)
        pq.write_table(table, validated_path(paths, name))
        written[name] = table.num_rows
    return written


def validated_path(paths: Paths, table: str) -> Path:
    return paths.validated / f"{table}.parquet"


def _typed(table: str, rows: pd.DataFrame, field: pa.Field) -> pa.Array:
    values = rows[field.name]
    if field.type == pa.date32():
        return pa.array(parse_dates(values, date_format(table))).cast(pa.date32())
    if field.name in (SOURCE_ROW, FILE_YEAR):
        return pa.array(values, type=pa.int64())
    # Contract integers are digit strings (validated), which arrow parses exactly.
    return pa.array(values, type=pa.string()).cast(field.type)
