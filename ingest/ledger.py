"""The failure ledger: one row per failure, in the shape docs/architecture.md fixes.

Ingest writes its structural failures in this shape (`ingest_failures.parquet`) and the
validation step writes its quarantine ledger in the same shape, so one report reads both.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


# Rows kept per (file, sheet, rule) before the rest are counted in one summary row.
MAX_ROWS_PER_RULE = 100

LEDGER_SCHEMA = pa.schema(
    [
        ("source_file", pa.string()),
        ("sha256", pa.string()),
        ("source", pa.string()),
        ("reporting_year", pa.int64()),
        ("sheet", pa.string()),
        ("row", pa.int64()),
        ("column", pa.string()),
        ("rule", pa.string()),
        ("message", pa.string()),
    ]
)


@dataclass(frozen=True)
class Failure:
    """One problem found in one file; the file it belongs to is attached when it is recorded."""

    rule: str  # short stable id, e.g. missing_column
    message: str  # plain English; never quotes a personal-data value
    sheet: str | None = None
    row: int | None = None  # as a person sees it (header = 1); None for whole-file failures
    column: str | None = None


def cap_per_rule(failures: Iterable[Failure], limit: int = MAX_ROWS_PER_RULE) -> list[Failure]:
    """Keep the first `limit` failures of each (sheet, rule) of one file, and count the rest."""
    kept: list[Failure] = []
    seen: Counter[tuple[str | None, str]] = Counter()
    for failure in failures:
        group = (failure.sheet, failure.rule)
        seen[group] += 1
        if seen[group] <= limit:
            kept.append(failure)
    for (sheet, rule), count in seen.items():
        if count > limit:
            more = count - limit
            kept.append(
                Failure(
                    rule, f"{more} more rows failed rule {rule} (only the first {limit} are listed)", sheet
                )
            )
    return kept


def ledger_rows(
    failures: Iterable[Failure],
    *,
    source_file: str,
    sha256: str | None,
    source: str,
    reporting_year: int | None,
) -> list[dict]:
    """The ledger rows for one file's failures."""
    return [
        {
            "source_file": source_file,
            "sha256": sha256,
            "source": source,
            "reporting_year": reporting_year,
            "sheet": f.sheet,
            "row": f.row,
            "column": f.column,
            "rule": f.rule,
            "message": f.message,
        }
        for f in failures
    ]


def write_ledger(rows: list[dict], path: Path) -> None:
    """Write ledger rows (already in a stable order) with the full schema, even when empty."""
    pq.write_table(pa.Table.from_pylist(rows, schema=LEDGER_SCHEMA), path)
