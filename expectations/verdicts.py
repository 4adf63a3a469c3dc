"""Each file's validation verdict, kept in and reused from the file cache (ingest/cache.py).

A file whose entry key is unchanged (its bytes, the reference and sibling files, the key
fingerprint, the reading and validation code and suites) has the verdict it had when it
was validated: its failing rows, uncapped, which go into the ledger exactly as fresh ones
would (and, for etr.csv, the rows it keeps but cannot attribute).
`work/file_validation.parquet` records, for every loaded file, the run that
validated it and the sha256 of the suites that checked it; the release manifest lists
both with the file, so an auditor can find every file's checks.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from expectations.frames import WORKBOOK_SUITE
from expectations.ledger import empty_failures
from ingest.cache import FileCache, cache_dir, file_keys_path, suite_hashes
from ingest.config import Paths
from ingest.discover import WRES_WORKBOOK, classify
from ingest.tables import TABLES

VALIDATION_RECORD_SCHEMA = pa.schema(
    [
        ("source_file", pa.string()),
        ("validated_in_run", pa.string()),
        ("suite_sha256", pa.string()),  # JSON object: suite name -> sha256 of its JSON
        ("reused", pa.bool_()),
    ]
)


def validation_record_path(paths: Paths) -> Path:
    return paths.work / "file_validation.parquet"


class ValidationCache:
    def __init__(self, paths: Paths, run_id: str):
        self._paths, self._run_id = paths, run_id
        keys_path = file_keys_path(paths)
        keys = pq.read_table(keys_path).to_pylist() if keys_path.exists() else []
        self._keys = {row["source_file"]: row["cache_key"] for row in keys}
        self._cache = FileCache(cache_dir(paths))
        self._suites = suite_hashes()
        self._records: dict[str, dict] = {}

    def reused(self, accepted: set[str]) -> dict[str, dict]:
        """The cached verdict of every accepted file that has one."""
        found = {}
        for source_file in sorted(accepted):
            key = self._keys.get(source_file)
            record = self._cache.load_validation(key) if key else None
            if record is not None:
                found[source_file] = record
        self._records.update({file: {**record, "reused": True} for file, record in found.items()})
        return found

    @property
    def keys(self) -> dict[str, str]:
        """Each file's cache key (empty when the cache is off)."""
        return self._keys

    def failures(self, reused: dict[str, dict], kind: str = "failures") -> pd.DataFrame:
        """The reused verdicts' failing rows; `kind="unattributable"` gives etr.csv's rows
        that failed an unattributable rule instead (expectations/etr_scope.py)."""
        rows = [row for record in reused.values() for row in record.get(kind, [])]
        if not rows:
            return empty_failures()
        return pd.DataFrame(rows, columns=list(empty_failures().columns)).astype({"row": "Int64"})

    def save(self, validated: set[str], found: pd.DataFrame, unattributable: pd.DataFrame) -> None:
        """Keep the verdict of every file validated in this run, then drop every entry the
        run did not use."""
        by_file = {file: rows for file, rows in found.groupby("source_file")}
        unattributable_by_file = {file: rows for file, rows in unattributable.groupby("source_file")}
        for source_file in sorted(validated):
            record = {
                "failures": _records(by_file.get(source_file)),
                "validated_in_run": self._run_id,
                "suite_sha256": self._suites_of(source_file),
            }
            if source_file in unattributable_by_file:
                record["unattributable"] = _records(unattributable_by_file[source_file])
            self._records[source_file] = {**record, "reused": False}
            if source_file in self._keys:
                self._cache.save_validation(self._keys[source_file], record)
        if self._keys:
            self._cache.keep_only(set(self._keys.values()))

    def write_record(self, accepted: list[str]) -> None:
        rows = [
            {
                "source_file": source_file,
                "validated_in_run": self._records[source_file]["validated_in_run"],
                "suite_sha256": json.dumps(self._records[source_file]["suite_sha256"], sort_keys=True),
                "reused": self._records[source_file]["reused"],
            }
            for source_file in accepted
        ]
        pq.write_table(
            pa.Table.from_pylist(rows, schema=VALIDATION_RECORD_SCHEMA), validation_record_path(self._paths)
        )

    def _suites_of(self, source_file: str) -> dict[str, str]:
        kind = classify(self._paths.landing / source_file, source_file).kind
        if kind == WRES_WORKBOOK:
            names = [WORKBOOK_SUITE, *(t for t, table in TABLES.items() if table.source == "wres")]
        else:
            names = [kind]
        return {name: self._suites[name] for name in names if name in self._suites}


def _records(rows: pd.DataFrame | None) -> list[dict]:
    """Failing rows as JSON objects, as `failures()` reads them back."""
    return [] if rows is None else json.loads(rows.to_json(orient="records"))
