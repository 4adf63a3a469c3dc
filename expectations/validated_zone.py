"""The validated zone: `work/validated/<table>.parquet`, the typed rows of loaded files.

Each table is written a chunk of folder years at a time (one row group per chunk). A
chunk validated in this run was typed then, from the raw rows read for GX, and kept in
`work/typed/` until every file's outcome is known; any other chunk is read from the raw
zone again. A table whose loaded files are the same files, with the same cache keys, as
when a run wrote it is copied from the cache instead (expectations/output_cache.py): the
same code wrote the same rows, so the bytes are the same.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from expectations.output_cache import OutputCache, output_key
from expectations.zones import (
    ALL_YEARS,
    TableLayout,
    as_written,
    read_raw_rows,
    typed_rows,
    validated_path,
    write_validated_table,
)
from ingest.config import Paths
from ingest.tables import SOURCE_FILE, TABLES


class ValidatedZone:
    def __init__(
        self, paths: Paths, cache: OutputCache, file_keys: Mapping[str, str], in_background: bool = False
    ):
        """With `in_background`, a thread types and keeps each chunk while the caller goes on
        to the next (one chunk at a time, so memory stays bounded). Not for a process that
        forks workers after the first chunk: a forked child has none of its threads."""
        self._paths, self._cache, self._file_keys = paths, cache, file_keys
        self._typed_dir = paths.work / "typed"
        shutil.rmtree(self._typed_dir, ignore_errors=True)
        self._keeper = ThreadPoolExecutor(max_workers=1) if in_background else None
        self._keeping: Future | None = None

    def keep_typed(self, table: str, years, rows: pa.Table, failed: set[str]) -> None:
        """Type the raw rows of a whole chunk (every accepted file of it), read for GX,
        and keep them until the table is written. The rows of files that failed (and so
        may not cast) are left out: they will not be loaded."""
        if self._keeper is None:
            self._keep_typed(table, years, rows, failed)
            return
        self.wait_for_kept()
        self._keeping = self._keeper.submit(self._keep_typed, table, years, rows, failed)

    def wait_for_kept(self) -> None:
        """Wait for the chunk being kept in the background; raise its error if it failed."""
        keeping, self._keeping = self._keeping, None
        if keeping is not None:
            keeping.result()

    def _keep_typed(self, table: str, years, rows: pa.Table, failed: set[str]) -> None:
        if failed:
            failing = pc.is_in(rows[SOURCE_FILE], value_set=pa.array(sorted(failed), pa.string()))
            rows = rows.filter(pc.invert(failing))
        typed = typed_rows(table, rows)
        self._typed_dir.mkdir(parents=True, exist_ok=True)
        path = self._typed_path(table, years)
        with pa.OSFile(f"{path}.part", "wb") as sink, pa.ipc.new_file(sink, typed.schema) as writer:
            writer.write_table(typed)
        os.replace(f"{path}.part", path)  # a chunk is kept whole or not at all

    def _typed_path(self, table: str, years) -> Path:
        """Named by table and years, so a worker process can keep a chunk for the parent."""
        chunk = "all" if years is ALL_YEARS else "-".join(str(year) for year in years)
        return self._typed_dir / f"{table}-{chunk}.arrow"

    def write(
        self,
        loaded: set[str],
        layouts: Mapping[str, TableLayout],
        derived: Mapping[str, Mapping[str, pa.Array]] | None = None,
    ) -> dict[str, int]:
        """Write every table; `derived` gives the columns validation derived for a table
        (etr.csv's `unattributable_reason`), one value per raw row of its loaded files.
        Returns the number of rows written per table."""
        derived = derived or {}
        self.wait_for_kept()
        if self._keeper is not None:
            self._keeper.shutdown()
        self._paths.validated.mkdir(parents=True, exist_ok=True)
        written = {}
        for table in TABLES:
            path = validated_path(self._paths, table)
            files = layouts[table].files() & loaded
            key = self._key(table, files)
            saved = self._cache.restore(key, path) if key else None
            if saved is not None:
                written[table] = saved["rows"]
                continue
            chunks = (
                self._chunk(table, files, years, derived.get(table)) for years in layouts[table].chunks()
            )
            written[table] = write_validated_table(path, table, chunks)
            if key:
                self._cache.save(key, path, {"rows": written[table]})
        shutil.rmtree(self._typed_dir, ignore_errors=True)
        return written

    def _chunk(self, table: str, files: set[str], years, derived) -> pa.Table:
        kept = self._typed_path(table, years)
        if kept.exists() and not derived:
            rows = pa.ipc.open_file(pa.memory_map(str(kept))).read_all()
            keep = pc.is_in(rows[SOURCE_FILE], value_set=pa.array(sorted(files), pa.string()))
            return as_written(rows if pc.all(keep).as_py() in (True, None) else rows.filter(keep))
        rows = read_raw_rows(self._paths, table, files, years)
        for name, values in (derived or {}).items():
            rows = rows.append_column(name, values)
        return as_written(typed_rows(table, rows))

    def _key(self, table: str, files: set[str]) -> str | None:
        """None when a file has no cache key (the cache is off)."""
        if any(file not in self._file_keys for file in files):
            return None
        return output_key("validated", [table, *(f"{f}:{self._file_keys[f]}" for f in sorted(files))])
