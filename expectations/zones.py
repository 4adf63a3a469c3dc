"""Parquet in and out: the raw zone and ingest's files in, the validated zone out.

The raw zone is read with Arrow, a chunk of folder years at a time, only the columns asked
for, and low-cardinality text as dictionaries (pandas categoricals: no string is copied to
build them). The validated zone holds the rows of accepted files only, cast in Arrow to the
types in `ingest/tables.py` with the same formats the suites checked, so every cast succeeds.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from expectations.contract import date_format
from ingest.config import Paths
from ingest.raw_zone import raw_path
from ingest.tables import FILE_ORG_CODE, FILE_YEAR, SOURCE_FILE, SOURCE_ROW, TABLES

PROVENANCE_FIELDS = [
    pa.field(SOURCE_FILE, pa.string()),
    pa.field(SOURCE_ROW, pa.int64()),
    pa.field(FILE_YEAR, pa.int64()),
    pa.field(FILE_ORG_CODE, pa.string()),
]
ALL_YEARS: Any = object()  # every year (reference files have none)
# Rows read at once: more than a national survey year (about 620,000 respondents), so that
# every large table is read a year at a time and the small ones in one piece.
CHUNK_ROWS = 1_000_000
_ARROW_TYPES = {"string": pa.string(), "int64": pa.int64(), "date": pa.date32()}
_INT64_AS_NULLABLE = {pa.int64(): pd.Int64Dtype()}.get
# Text in which nearly every value differs: a dictionary would be as large as the column
# and slower to build than the comparisons it would speed up, so it stays plain. (Handing
# them to GX as categoricals, for a cheaper batch-marker hash and row copies, was measured
# on the 10-year landing: the same results and fingerprints, no CPU saved, +0.1 GiB.)
IDENTIFIERS = frozenset({"respondent_id", "case_ref", "practitioner_pseudonym"})
_NO_YEAR = -1  # stands for a null folder year (reference files) while counting


def read_parquet(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """A parquet file as pandas, with int64 columns as nullable Int64 so nulls stay null."""
    return pq.read_table(path, columns=columns).to_pandas(types_mapper=_INT64_AS_NULLABLE)


def write_parquet(frame: pd.DataFrame, schema: pa.Schema, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.Table.from_pandas(frame[schema.names], schema=schema, preserve_index=False), path
    )


@dataclass(frozen=True)
class TableLayout:
    """Which files a raw table holds rows of, and how many rows each folder year has."""

    rows_by_year: dict[int | None, int]
    files_by_year: dict[int | None, frozenset[str]]

    def files(self, years=ALL_YEARS) -> frozenset[str]:
        chosen = self.files_by_year if years is ALL_YEARS else {y: self.files_by_year[y] for y in years}
        return frozenset().union(*chosen.values())

    def chunks(self) -> list:
        """The folder years in consecutive groups of at most CHUNK_ROWS rows (a year is
        never split), read and validated one group at a time: memory is bounded by the
        larger of a year and CHUNK_ROWS, however many years there are. Reference files
        have no year: one chunk, ALL_YEARS."""
        if not self.rows_by_year or None in self.rows_by_year:
            return [ALL_YEARS]
        chunks, current, rows = [], [], 0
        for year in sorted(self.rows_by_year):
            if current and rows + self.rows_by_year[year] > CHUNK_ROWS:
                chunks.append(tuple(current))
                current, rows = [], 0
            current.append(year)
            rows += self.rows_by_year[year]
        return [*chunks, tuple(current)]


def table_layout(paths: Paths, table: str) -> TableLayout:
    """Read from the provenance columns only. Rows are in file order, so each run of one
    file and year is counted once rather than grouping every row."""
    index = pq.ParquetFile(raw_path(paths.raw, table), read_dictionary=[SOURCE_FILE])
    rows: dict[int | None, int] = {}
    files: dict[int | None, set[str]] = {}
    for batch in index.iter_batches(columns=[FILE_YEAR, SOURCE_FILE]):
        if not batch.num_rows:
            continue
        names = batch.column(SOURCE_FILE).dictionary.to_pylist()
        codes = batch.column(SOURCE_FILE).indices.to_numpy(zero_copy_only=False)
        years = pc.fill_null(batch.column(FILE_YEAR), _NO_YEAR).to_numpy(zero_copy_only=False)
        starts = np.flatnonzero(np.diff(codes) | np.diff(years)) + 1
        for start, end in zip([0, *starts], [*starts, batch.num_rows], strict=True):
            year = None if years[start] == _NO_YEAR else int(years[start])
            rows[year] = rows.get(year, 0) + int(end - start)
            files.setdefault(year, set()).add(names[codes[start]])
    return TableLayout(rows, {year: frozenset(names) for year, names in files.items()})


def read_raw_rows(
    paths: Paths,
    table: str,
    files: Collection[str],
    years=ALL_YEARS,
    columns: Iterable[str] | None = None,
    dictionaries: bool = True,
) -> pa.Table:
    """One landed table's rows of `files` (of some folder years, unless ALL_YEARS), in file
    and row order. With `dictionaries`, every text column but the dates and identifiers
    comes back dictionary-encoded."""
    plain = {c for c, kind in TABLES[table].columns.items() if kind == "date"} | IDENTIFIERS
    names = pq.read_schema(raw_path(paths.raw, table)).names
    wanted = names if columns is None else [c for c in names if c in {*columns, SOURCE_FILE, SOURCE_ROW}]
    filters = None if years is ALL_YEARS else pc.field(FILE_YEAR).isin(list(years))
    rows = pq.read_table(
        raw_path(paths.raw, table),
        columns=wanted,
        filters=filters,
        read_dictionary=[c for c in wanted if dictionaries and c not in {*plain, SOURCE_ROW, FILE_YEAR}],
    )
    keep = pc.is_in(rows[SOURCE_FILE], value_set=pa.array(sorted(files), pa.string()))
    if not pc.all(keep).as_py():
        rows = rows.filter(keep)
    return _in_file_order(rows)


def _in_file_order(rows: pa.Table) -> pa.Table:
    """Rows sorted by (_source_file, _source_row), stably. Ingest writes them so already,
    which is checked run by run of one file rather than by sorting."""
    if _is_in_file_order(rows):
        return rows
    order = pc.sort_indices(
        pa.table({SOURCE_FILE: rows[SOURCE_FILE].cast(pa.string()), SOURCE_ROW: rows[SOURCE_ROW]}),
        sort_keys=[(SOURCE_FILE, "ascending"), (SOURCE_ROW, "ascending")],
    )
    return rows.take(order)


def _is_in_file_order(rows: pa.Table) -> bool:
    names: list[str] = []
    row_numbers = rows[SOURCE_ROW].combine_chunks().to_numpy(zero_copy_only=False)
    run_starts, offset = [], 0
    for chunk in rows[SOURCE_FILE].chunks:
        if pa.types.is_dictionary(chunk.type):
            codes = chunk.indices.to_numpy(zero_copy_only=False)
            starts = np.flatnonzero(np.diff(codes)) + 1 if len(codes) else np.array([], int)
            starts = [0, *starts] if len(codes) else []
            names += [chunk.dictionary[codes[i]].as_py() for i in starts]
        else:
            values = chunk.to_pylist()
            starts = [i for i in range(len(values)) if i == 0 or values[i] != values[i - 1]]
            names += [values[i] for i in starts]
        run_starts += [offset + i for i in starts]
        offset += len(chunk)
    # A file's runs must be one run, in name order; rows must not go back within it.
    boundaries = [run_starts[i] for i in range(1, len(names)) if names[i] != names[i - 1]]
    files_in_order = all(names[i] <= names[i + 1] for i in range(len(names) - 1))
    steps = np.diff(row_numbers)
    steps_back = np.flatnonzero(steps < 0) + 1
    return files_in_order and set(steps_back.tolist()) <= set(boundaries)


def as_frame(rows: pa.Table) -> pd.DataFrame:
    """Arrow rows as pandas with a fresh 0..n-1 index: GX reports failing rows by index,
    and the ledger maps them back through these positions. Dictionaries become
    categoricals, int64 becomes nullable Int64."""
    return rows.to_pandas(types_mapper=_INT64_AS_NULLABLE)


def read_raw_table(
    paths: Paths, table: str, files: Collection[str], years=ALL_YEARS, dictionaries: bool = True
) -> pd.DataFrame:
    """`read_raw_rows` as pandas."""
    return as_frame(read_raw_rows(paths, table, files, years, dictionaries=dictionaries))


def validated_schema(table: str) -> pa.Schema:
    columns = {**TABLES[table].columns, **TABLES[table].derived}
    return pa.schema([pa.field(c, _ARROW_TYPES[t]) for c, t in columns.items()] + PROVENANCE_FIELDS)


def validated_path(paths: Paths, table: str) -> Path:
    return paths.validated / f"{table}.parquet"


def typed_rows(table: str, rows: pa.Table) -> pa.Table:
    """Raw rows cast to the validated schema (derived columns are taken from `rows`), in
    the chunks they were read in."""
    schema = validated_schema(table)
    return pa.Table.from_arrays([_typed(table, rows[field.name], field) for field in schema], schema=schema)


def _typed(table: str, values: pa.ChunkedArray, field: pa.Field) -> pa.ChunkedArray:
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    if field.type == pa.date32():
        return parse_dates_arrow(values, date_format(table))
    # Contract integers are digit strings (validated), which arrow parses exactly.
    return values.cast(field.type)


def as_written(rows: pa.Table) -> pa.Table:
    """Typed rows in the chunks the validated zone has always been written from: the
    parquet writer cuts pages where chunks end, so this keeps its bytes unchanged. Text
    (and integers cast from text) keeps the chunks it was read in; dates and provenance
    numbers are joined into one."""
    columns = []
    for field, values in zip(rows.schema, rows.columns, strict=True):
        if field.type == pa.date32() or field.name in (SOURCE_ROW, FILE_YEAR):
            columns.append(values.combine_chunks())
        else:
            columns.append(pa.chunked_array([chunk for chunk in values.chunks if len(chunk)], field.type))
    return pa.Table.from_arrays(columns, schema=rows.schema)


def parse_dates_arrow(text: pa.ChunkedArray, fmt: str) -> pa.ChunkedArray:
    """Dates read with `datetime.strptime`, the parser behind GX's strftime expectation
    (as frames.parse_dates), once per distinct value; null where not a date."""
    distinct = pc.unique(text).drop_null()

    def parse(value: str):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            return None

    parsed = pa.array([parse(v) for v in distinct.to_pylist()], pa.date32())
    return pc.take(parsed, pc.index_in(text, value_set=distinct))


def write_validated_table(path: Path, table: str, chunks: Iterable[pa.Table]) -> int:
    """Write typed chunks (one row group each) to `path`; returns the rows written."""
    written = 0
    with pq.ParquetWriter(path, validated_schema(table)) as writer:
        for chunk in chunks:
            writer.write_table(chunk)
            written += chunk.num_rows
    return written
