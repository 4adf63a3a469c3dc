"""The ingest manifest: one row per landing file, whatever became of it.

Shape as in docs/architecture.md. No timestamps, so that the same landing folder always
gives the same bytes; the run's summary says when.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ingest.discover import UNRECOGNISED, LandingFile
from ingest.ledger import Failure

LOADED, QUARANTINED = "loaded", "quarantined"  # and UNRECOGNISED, shared with discovery

MANIFEST_SCHEMA = pa.schema(
    [
        ("source_file", pa.string()),
        ("source", pa.string()),
        ("reporting_year", pa.int64()),
        ("org_code", pa.string()),
        ("sha256", pa.string()),
        ("size_bytes", pa.int64()),
        ("rows_read", pa.int64()),
        ("outcome", pa.string()),
        ("reason", pa.string()),
    ]
)


def outcome(file: LandingFile, failures: list[Failure]) -> str:
    if file.source == UNRECOGNISED:
        return UNRECOGNISED
    return QUARANTINED if failures else LOADED


def manifest_row(
    file: LandingFile, *, sha256: str | None, size_bytes: int | None, rows_read: int, failures: list[Failure]
) -> dict:
    """`rows_read` counts data rows read even when the file is then quarantined."""
    return {
        "source_file": file.relpath,
        "source": file.source,
        "reporting_year": file.year,
        "org_code": file.org_code,
        "sha256": sha256,
        "size_bytes": size_bytes,
        "rows_read": rows_read,
        "outcome": outcome(file, failures),
        "reason": _reason(failures),
    }


def _reason(failures: list[Failure]) -> str | None:
    """The first failure in words, and how many more there are (the ledger has them all)."""
    if not failures:
        return None
    first = failures[0]
    more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
    return f"{first.rule}: {first.message}{more}"


def write_manifest(rows: list[dict], path: Path) -> None:
    pq.write_table(pa.Table.from_pylist(rows, schema=MANIFEST_SCHEMA), path)
