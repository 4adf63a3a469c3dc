"""The raw zone: `work/raw/<table>.parquet`, every landed table as text plus provenance.

Files are streamed table by table as they are read, so memory holds the rows of the few
files in hand and at most a row group per table, however large the landing folder. The
bytes written depend only on the landing files: rows are in (_source_file, _source_row)
order, row groups are cut by fixed rules, and nothing records a time. (A table none of
whose files has changed since the last run is copied from the cache instead: ingest/reading.py.)
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ingest.discover import LandingFile
from ingest.tables import FILE_ORG_CODE, FILE_YEAR, SOURCE_FILE, SOURCE_ROW, TABLES, LandedTable

ROW_GROUP_ROWS = 100_000  # also bounds memory: a table is written out at this many rows
# Thousands of tiny per-workbook tables held at once fragment the heap (a 7-year nation
# then needs 1 GB); merging every so many files into one contiguous table keeps it small.
MERGE_PENDING_FILES = 256
COMPRESSION = "zstd"
# Min/max statistics of millions of strings cost more to write than the data itself, and
# every reader of the raw zone reads whole tables; only the integer columns keep them.
STATISTICS = [SOURCE_ROW, FILE_YEAR]


def raw_schema(table: LandedTable) -> pa.Schema:
    """Every contract column as a nullable string, then the four provenance columns."""
    return pa.schema(
        [(column, pa.string()) for column in table.columns]
        + [
            (SOURCE_FILE, pa.string()),
            (SOURCE_ROW, pa.int64()),
            (FILE_YEAR, pa.int64()),
            (FILE_ORG_CODE, pa.string()),
        ]
    )


_SCHEMAS = {name: raw_schema(table) for name, table in TABLES.items()}
_STRING, _INT64 = pa.string(), pa.int64()


def raw_path(raw_dir: Path, table_name: str) -> Path:
    return raw_dir / f"{table_name}.parquet"


def landed_rows(file: LandingFile, tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """One file's rows of each table in the raw zone's schema: contract columns (text) and
    _source_row as read, then the provenance the file's path gives."""
    if not tables:
        return {}
    # The provenance columns are made once, as long as the longest table, and each table
    # takes a slice: a workbook's six sheets cost one set of Arrow calls, not six.
    longest = max(rows.num_rows for rows in tables.values())
    source_file = pa.repeat(pa.scalar(file.relpath, _STRING), longest)
    file_year = pa.repeat(pa.scalar(file.year, _INT64), longest)
    file_org_code = pa.repeat(pa.scalar(file.org_code, _STRING), longest)
    landed = {}
    for table_name, rows in tables.items():
        count = rows.num_rows
        # Built as a list of arrays: a dict of columns and pa.table cost a third more, per sheet.
        arrays = [rows.column(column) for column in TABLES[table_name].columns]
        arrays += [
            source_file.slice(0, count),
            rows.column(SOURCE_ROW),
            file_year.slice(0, count),
            file_org_code.slice(0, count),
        ]
        landed[table_name] = pa.Table.from_arrays(arrays, schema=_SCHEMAS[table_name])
    return landed


class RawZoneWriter:
    """Appends each landing file's rows to its tables; on close, each table's file exists.

    Files must be added in relpath order for each table, which is what keeps the row
    order (and so the bytes) stable. `tables` limits the writer to some tables (the
    others are copied whole from the cache).
    """

    def __init__(self, raw_dir: Path, tables: Iterable[str] = tuple(TABLES)):
        self._raw_dir = raw_dir
        self.tables = [name for name in TABLES if name in set(tables)]
        self._schemas = {name: _SCHEMAS[name] for name in self.tables}
        self._pending: dict[str, list[pa.Table]] = {name: [] for name in self.tables}
        self._pending_rows: dict[str, int] = dict.fromkeys(self.tables, 0)
        self._writers: dict[str, pq.ParquetWriter] = {}
        self._last_file: dict[str, str] = {}
        self.rows: dict[str, int] = dict.fromkeys(self.tables, 0)

    def add(self, relpath: str, table_name: str, rows: pa.Table) -> None:
        """One file's rows of one table, as landed_rows gives them."""
        if self._last_file.get(table_name, "") > relpath:
            raise ValueError(f"{relpath} added to {table_name} after {self._last_file[table_name]}")
        self._last_file[table_name] = relpath
        count = rows.num_rows
        self._pending[table_name].append(rows)
        self._pending_rows[table_name] += count
        self.rows[table_name] += count
        if self._pending_rows[table_name] >= ROW_GROUP_ROWS:
            self._flush(table_name)
        elif len(self._pending[table_name]) >= MERGE_PENDING_FILES:
            self._pending[table_name] = [pa.concat_tables(self._pending[table_name]).combine_chunks()]

    def close(self) -> None:
        """Write what is pending, and an empty file with the full schema for tables with no rows."""
        for table_name in self.tables:
            if self._pending[table_name]:
                self._flush(table_name)
            writer = self._writers.pop(table_name, None)
            if writer:
                writer.close()
            else:
                empty = self._schemas[table_name].empty_table()
                path = raw_path(self._raw_dir, table_name)
                pq.write_table(empty, path, compression=COMPRESSION, write_statistics=STATISTICS)

    def _flush(self, table_name: str) -> None:
        pending = pa.concat_tables(self._pending[table_name])
        self._pending[table_name] = []
        self._pending_rows[table_name] = 0
        if table_name not in self._writers:
            path = raw_path(self._raw_dir, table_name)
            self._writers[table_name] = pq.ParquetWriter(
                path, pending.schema, compression=COMPRESSION, write_statistics=STATISTICS
            )
        self._writers[table_name].write_table(pending, row_group_size=ROW_GROUP_ROWS)
        del pending
        pa.default_memory_pool().release_unused()  # what encoding took, not kept for the next file
