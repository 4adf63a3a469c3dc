"""From GX results to the quarantine ledger and the final outcome of every file.

GX reports each failing row by its position in the frame it validated; the raw zone's
provenance columns at that position give the file and the row a person sees. The ledger
keeps the first 100 rows per (file, sheet, rule) and one more row that counts the rest;
its shape and the manifest's are ingest's, since both steps write them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa

from ingest.ledger import LEDGER_SCHEMA, MAX_ROWS_PER_RULE
from ingest.manifest import MANIFEST_SCHEMA
from ingest.tables import SOURCE_FILE, SOURCE_ROW

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuiteValidationResult

_FAILURE_COLUMNS = ["source_file", "sheet", "row", "column", "rule", "message"]
_RULE_KEY = ["source_file", "sheet", "rule"]


class ExpectationError(RuntimeError):
    """An expectation could not be evaluated: a fault in a suite or its frame, not in data."""


def failures(
    validation: ExpectationSuiteValidationResult, provenance: pd.DataFrame, sheet: str | None
) -> pd.DataFrame:
    """Every failing row of every failed expectation. `provenance` holds `_source_file`
    and `_source_row` for each position of the frame GX validated."""
    found = []
    for result in validation.results:
        if result.success:
            continue
        meta = result.expectation_config.meta
        if errors := _exception_messages(result.exception_info):
            raise ExpectationError(
                f"{validation.suite_name}: rule {meta['rule']} could not be evaluated: {errors}"
            )
        rows = provenance.iloc[result.result["unexpected_index_list"]]
        found.append(
            pd.DataFrame(
                {
                    "source_file": rows[SOURCE_FILE].to_numpy(),
                    "sheet": meta.get("sheet", sheet),
                    "row": rows[SOURCE_ROW].astype("Int64").to_numpy(),
                    "column": meta["column"],
                    "rule": meta["rule"],
                    "message": meta["message"],
                }
            )
        )
    return pd.concat(found, ignore_index=True) if found else empty_failures()


def _exception_messages(info: dict | None) -> str:
    """GX reports an exception either directly or keyed by the metric that raised it."""
    info = info or {}
    reports = [info] if "raised_exception" in info else list(info.values())
    return "; ".join(str(r.get("exception_message")) for r in reports if r.get("raised_exception"))


def empty_failures() -> pd.DataFrame:
    return pd.DataFrame(columns=_FAILURE_COLUMNS).astype({"row": "Int64"})


def frame_dtypes(schema: pa.Schema) -> dict[str, str]:
    """pandas dtypes for a schema's columns: nullable Int64 for int64, else text."""
    return {f.name: "Int64" if f.type == pa.int64() else "str" for f in schema}


def capped(found: pd.DataFrame) -> pd.DataFrame:
    """The first 100 failing rows per (file, sheet, rule), then one row counting the rest."""
    ordered = found.sort_values([*_RULE_KEY, "row"], na_position="last", kind="stable")
    groups = ordered.groupby(_RULE_KEY, dropna=False, sort=False)
    kept = ordered[groups.cumcount() < MAX_ROWS_PER_RULE]
    extra = groups.agg(column=("column", "first"), failing=("rule", "size")).reset_index()
    extra = extra[extra["failing"] > MAX_ROWS_PER_RULE]
    counts = extra.assign(
        row=pd.NA,
        # Worded as ingest words its own count rows, so one report reads both.
        message=[
            f"{n - MAX_ROWS_PER_RULE} more rows failed rule {rule} "
            f"(only the first {MAX_ROWS_PER_RULE} are listed)"
            for n, rule in zip(extra["failing"], extra["rule"], strict=True)
        ],
    )[_FAILURE_COLUMNS]
    return pd.concat([kept, counts], ignore_index=True)


def quarantine_ledger(
    found: pd.DataFrame, manifest: pd.DataFrame, ingest_failures: pd.DataFrame
) -> pd.DataFrame:
    """Ingest's structural failures plus the capped validation failures, in ledger shape,
    with each file's sha256, source and reporting year from the manifest."""
    files = manifest[["source_file", "sha256", "source", "reporting_year"]]
    validation = capped(found).merge(files, on="source_file", how="left")
    ledger = pd.concat(
        [ingest_failures[LEDGER_SCHEMA.names], validation[LEDGER_SCHEMA.names]], ignore_index=True
    ).astype(frame_dtypes(LEDGER_SCHEMA))
    return ledger.sort_values(
        ["source_file", "sheet", "rule", "row", "column"], na_position="last", kind="stable"
    ).reset_index(drop=True)


def file_outcomes(manifest: pd.DataFrame, found: pd.DataFrame) -> pd.DataFrame:
    """The manifest with every file that failed validation marked quarantined, and why."""
    reasons = {file: _reason(rows) for file, rows in found.groupby("source_file")}
    outcomes = manifest.astype(frame_dtypes(MANIFEST_SCHEMA))
    outcomes = outcomes.sort_values("source_file", kind="stable").reset_index(drop=True)
    failed = outcomes["source_file"].isin(list(reasons))
    outcomes.loc[failed, "outcome"] = "quarantined"
    outcomes.loc[failed, "reason"] = outcomes.loc[failed, "source_file"].map(reasons)
    return outcomes


def _reason(file_failures: pd.DataFrame) -> str:
    """e.g. "Failed validation: workforce sheet: headcount_not_null (2 rows)." """
    parts = []
    for (sheet, rule), rows in file_failures.groupby(["sheet", "rule"], dropna=False):
        where = f"{sheet} sheet: " if isinstance(sheet, str) else ""
        n = rows["row"].notna().sum()  # sheet-level rules have no rows to count
        parts.append(f"{where}{rule}" + (f" ({n} row{'s' if n > 1 else ''})" if n else ""))
    return "Failed validation: " + "; ".join(parts) + "."
