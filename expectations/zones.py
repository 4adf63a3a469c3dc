"""Parquet in and out: the raw zone and ingest's files in, the validated zone out.

The validated zone holds the rows of accepted files only, cast to the types in
`ingest/tables.py` with the same formats the suites checked, so every cast succeeds.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from expectations.contract import date_format
from expectations.frames import parse_dates
from ingest.config import Paths
from ingest.raw_zone import raw_path
from ingest.tables import FILE_ORG_CODE, FILE_YEAR, SOURCE_FILE, SOURCE_ROW, TABLES

PROVENANCE_FIELDS = [
    pa.field(SOURCE_FILE, pa.string()),
    pa.field(SOURCE_ROW, pa.int64()),
    pa.field(FILE_YEAR, pa.int64()),
    pa.field(FILE_ORG_CODE, pa.string()),
]
ALL_YEARS: Any = object()  # read_raw_table: every year (reference files have none)
# Rows read at once: more than a national survey year (about 620,000 respondents), so that
# every large table is read a year at a time and the small ones in one piece.
CHUNK_ROWS = 1_000_000
_ARROW_TYPES = {"string": pa.string(), "int64": pa.int64(), "date": pa.date32()}


def read_parquet(path: Path) -> pd.DataFrame:
    """A parquet file as pandas, with int64 columns as nullable Int64 so nulls stay null."""
    return pq.read_table(path).to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)


def write_parquet(frame: pd.DataFrame, schema: pa.Schema, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.Table.from_pandas(frame[schema.names], schema=schema, preserve_index=False), path
    )


def read_raw_table(
    paths: Paths, table: str, files: Collection[str], years: tuple[int, ...] = ALL_YEARS
) -> pd.DataFrame:
    """One landed table's rows of `files` (of some folder years, unless ALL_YEARS), in file
    and row order, with a fresh 0..n-1 index: GX reports failing rows by index, and the
    ledger maps them back through these positions."""
    filters = None if years is ALL_YEARS else pc.field(FILE_YEAR).isin(list(years))
    rows = pq.read_table(raw_path(paths.raw, table), filters=filters)
    rows = rows.filter(pc.is_in(rows[SOURCE_FILE], value_set=pa.array(sorted(files), pa.string())))
    return (
        rows.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
        .sort_values([SOURCE_FILE, SOURCE_ROW], kind="stable")
        .reset_index(drop=True)
    )


def year_chunks(paths: Paths, table: str) -> list:
    """The table's folder years in consecutive groups of at most CHUNK_ROWS rows (a year
    is never split), read and validated one group at a time: memory is bounded by the
    larger of a year and CHUNK_ROWS, however many years there are. Reference files have
    no year: one chunk, ALL_YEARS."""
    counts = pq.read_table(raw_path(paths.raw, table), columns=[FILE_YEAR])[FILE_YEAR].value_counts()
    by_year = {item["values"].as_py(): item["counts"].as_py() for item in counts}
    if not by_year or None in by_year:
        return [ALL_YEARS]
    chunks, current, rows = [], [], 0
    for year in sorted(by_year):
        if current and rows + by_year[year] > CHUNK_ROWS:
            chunks.append(tuple(current))
            current, rows = [], 0
        current.append(year)
        rows += by_year[year]
    return [*chunks, tuple(current)]


def validated_schema(table: str) -> pa.Schema:
    columns = {**TABLES[table].columns, **TABLES[table].derived}
    return pa.schema([pa.field(c, _ARROW_TYPES[t]) for c, t in columns.items()] + PROVENANCE_FIELDS)


def write_validated(
    paths: Paths, loaded: set[str], frames: Mapping[str, pd.DataFrame] | None = None
) -> dict[str, int]:
    """Write `validated/<table>.parquet` for every table: the rows of `loaded` files, typed,
    a chunk of folder years at a time. `frames` gives a table's rows where validation derived
    columns for them (etr.csv's `unattributable_reason`) instead of the raw zone's. Returns
    the number of rows written per table."""
    frames = frames or {}
    paths.validated.mkdir(parents=True, exist_ok=True)
    written = {}
    for name in TABLES:
        schema = validated_schema(name)
        written[name] = 0
        with pq.ParquetWriter(validated_path(paths, name), schema) as writer:
            if name in frames:
                chunks = [frames[name][frames[name][SOURCE_FILE].isin(loaded)]]
            else:
                chunks = (read_raw_table(paths, name, loaded, years) for years in year_chunks(paths, name))
            for rows in chunks:
                table = pa.Table.from_arrays([_typed(name, rows, field) for field in schema], schema=schema)
                writer.write_table(table)
                written[name] += table.num_rows
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
