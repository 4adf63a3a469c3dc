"""Which rows of etr.csv the pipeline monitors (input contract 1.1, "etr.csv as ODS publishes it").

ODS publishes more than the English trusts this pipeline monitors, and a national team
drops the file in unedited. Two kinds of row are kept in the run but never expected to
send a return:
- out of scope: the national grouping is not a region in regions.csv (e.g. W00, Wales);
- unattributable: a row that failed one of the suite's `unattributable` rules (an empty
  name, national grouping or open date, a bad date, or a close date before the open date).
The quarantine report lists both; the WRES suite quarantines a return from either.
"""

from __future__ import annotations

import json

import pandas as pd

from expectations.cross_checks import WARNING_COLUMNS
from ingest.config import GX_CONTEXT_DIR
from ingest.tables import SOURCE_FILE, SOURCE_ROW

REASON = "unattributable_reason"  # the column validation adds to the validated etr rows
UNATTRIBUTABLE = "unattributable"  # the `effect` in an expectation's meta (suites.py)


def _unattributable_rules() -> frozenset[str]:
    """Read from the suite GX runs (its JSON), so that knowing them does not import GX."""
    suite = json.loads((GX_CONTEXT_DIR / "expectations" / "ref_etr.json").read_text(encoding="utf-8"))
    return frozenset(e["meta"]["rule"] for e in suite["expectations"] if e["meta"].get("effect") == UNATTRIBUTABLE)


UNATTRIBUTABLE_RULES = _unattributable_rules()


def split_failures(found: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(failures that make etr.csv unusable, failures that only make their row unattributable)."""
    row_only = found["rule"].isin(UNATTRIBUTABLE_RULES)
    return found[~row_only], found[row_only]


def with_reasons(etr: pd.DataFrame, unattributable: pd.DataFrame) -> pd.DataFrame:
    """The etr rows with `unattributable_reason`: every failed rule's message, in rule order."""
    reasons = unattributable.groupby("row", sort=False)["message"].agg("; ".join)
    return etr.assign(**{REASON: etr[SOURCE_ROW].map(reasons).astype("object")})


def out_of_scope(etr: pd.DataFrame, region_codes: set[str]) -> pd.Series:
    """True where the national grouping is given but is not a region in regions.csv."""
    return etr["region_code"].notna() & ~etr["region_code"].isin(region_codes)


def scope_parameters(etr: pd.DataFrame, region_codes: set[str]) -> dict[str, list[str]]:
    """The organisation lists the WRES submission suite checks a return's org_code against."""
    codes = etr["org_code"]
    return {
        "etr_org_codes": sorted(codes.dropna().unique()),
        "out_of_scope_org_codes": sorted(codes[out_of_scope(etr, region_codes)].dropna().unique()),
        "unattributable_org_codes": sorted(codes[etr[REASON].notna()].dropna().unique()),
    }


def scope_warnings(etr: pd.DataFrame, region_codes: set[str]) -> pd.DataFrame:
    """One warning per national grouping outside regions.csv (with its row count) and one
    per unattributable row (with its reasons), for the quarantine report."""
    outside = etr[out_of_scope(etr, region_codes)]
    groupings = outside.groupby(["region_code", SOURCE_FILE]).size().reset_index(name="rows")
    unattributable = etr[etr[REASON].notna()]
    return pd.DataFrame(
        {
            "check": ["etr_out_of_scope"] * len(groupings) + ["etr_unattributable"] * len(unattributable),
            "source_file": [*groupings[SOURCE_FILE], *unattributable[SOURCE_FILE]],
            "reporting_year": pd.array([None] * (len(groupings) + len(unattributable)), dtype="Int64"),
            "message": [
                *(
                    f"National grouping {row.region_code} is not a region in regions.csv: its "
                    f"{row.rows} row{'s are' if row.rows > 1 else ' is'} outside England, kept in organisations "
                    "with in_scope = false and never expected to send a return."
                    for row in groupings.itertuples()
                ),
                *(
                    f"Row {row[SOURCE_ROW]} ({row['org_code']}) cannot be attributed, so it is never expected "
                    f"to send a return: {row[REASON]}."
                    for _, row in unattributable.iterrows()
                ),
            ],
        },
        columns=WARNING_COLUMNS,
    )
