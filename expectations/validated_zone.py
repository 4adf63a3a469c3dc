"""The validated zone: `work/validated/<table>.parquet`, the typed rows of loaded files.

Each table is written a chunk of folder years at a time (one row group per chunk), cast
from the raw zone in Arrow. A table whose loaded files are the same files, with the same
cache keys, as when a run wrote it is copied from the cache instead (expectations/
output_cache.py): the same code wrote the same rows, so the bytes are the same.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa

from expectations.output_cache import OutputCache, output_key
from expectations.zones import TableLayout, read_raw_rows, typed_rows, validated_path, write_validated_table
from ingest.config import Paths
from ingest.tables import SOURCE_FILE, TABLES


class ValidatedZone:
    def __init__(self, paths: Paths, cache: OutputCache, file_keys: Mapping[str, str]):
        self._paths, self._cache, self._file_keys = paths, cache, file_keys

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
                self._typed(table, files, years, derived.get(table)) for years in layouts[table].chunks()
            )
            written[table] = write_validated_table(path, table, chunks)
            if key:
                self._cache.save(key, path, {"rows": written[table]})
        return written

    def _typed(self, table: str, files, years, derived) -> pa.Table:
        rows = read_raw_rows(self._paths, table, files, years)
        for name, values in (derived or {}).items():
            rows = rows.append_column(name, values)
        return typed_rows(table, rows)

    def _key(self, table: str, files: set[str]) -> str | None:
        """None when a file has no cache key (the cache is off)."""
        if any(file not in self._file_keys for file in files):
            return None
        return output_key("validated", [table, *(f"{f}:{self._file_keys[f]}" for f in sorted(files))])
