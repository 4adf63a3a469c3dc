"""Trusts with a high share of staff or of shortlisted applicants whose ethnicity is Unknown.

Comparisons leave Unknown out, so a trust where many people's ethnicity is not recorded
has figures that may not represent its workforce or its applicants. The level above which
a share is "high" is configurable: the `threshold` argument, else the environment variable
`EQUITY_UNKNOWN_SHARE_THRESHOLD`, else 10 (percent). A trust is listed when either share
is above it.

What it is based on: the published table `unknown_ethnicity` (dbt model
fct_unknown_ethnicity), trust rows of the report's year: `headcount_unknown_pct` (of the
whole workforce headcount) and `shortlisted_unknown_pct` (of shortlisted applicants), with
the counts behind both.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pandas as pd

from exports.reports.release_data import ReleaseData

THRESHOLD_VARIABLE = "EQUITY_UNKNOWN_SHARE_THRESHOLD"
DEFAULT_THRESHOLD = 10.0
UNKNOWN_ETHNICITY_TABLE = "unknown_ethnicity"
TRUST_COLUMNS = ["geography_code", "headcount", "headcount_unknown", "headcount_unknown_pct", "shortlisted",
                 "shortlisted_unknown", "shortlisted_unknown_pct"]
COLUMNS = ["reporting_year", "geography_level", *TRUST_COLUMNS]


class ThresholdError(ValueError):
    """The configured threshold is not a percentage between 0 and 100."""


def unknown_share_threshold(threshold: float | None = None) -> float:
    """The threshold in percent: the argument, else the environment variable, else 10."""
    if threshold is None:
        configured = os.environ.get(THRESHOLD_VARIABLE, "").strip()
        if not configured:
            return DEFAULT_THRESHOLD
        try:
            threshold = float(configured)
        except ValueError as error:
            raise ThresholdError(f"{THRESHOLD_VARIABLE}={configured!r} is not a number (percent, e.g. 10)") from error
    if not 0 <= threshold <= 100:
        raise ThresholdError(f"The Unknown-share threshold must be a percentage from 0 to 100, not {threshold}")
    return float(threshold)


@dataclass(frozen=True)
class UnknownShares:
    """Trusts' Unknown shares for one year, and those above the threshold."""

    year: int
    threshold: float
    trusts: pd.DataFrame  # TRUST_COLUMNS

    def above(self) -> pd.DataFrame:
        """Trusts with either share above the threshold, highest share first."""
        frame = self.trusts
        highest = frame[["headcount_unknown_pct", "shortlisted_unknown_pct"]].max(axis=1)
        above = frame.assign(highest=highest)[highest > self.threshold]
        return above.sort_values(["highest", "geography_code"], ascending=[False, True]).drop(columns="highest")


def above_on(row, threshold: float) -> str:
    """Which of a trust's shares are above the threshold, in words."""
    parts = [name for name, value in (("headcount", row.headcount_unknown_pct),
                                      ("applicants", row.shortlisted_unknown_pct))
             if pd.notna(value) and value > threshold]
    return " and ".join(parts)


def unknown_shares(data: ReleaseData, threshold: float | None = None) -> UnknownShares:
    """Raises MissingData when the table (or a needed column) is not in the release."""
    level = unknown_share_threshold(threshold)
    table = data.table(UNKNOWN_ETHNICITY_TABLE, COLUMNS)
    trusts = table[table["geography_level"] == "trust"]
    years = set(trusts["reporting_year"].dropna())
    year = data.reporting_year if data.reporting_year in years or not years else int(max(years))
    trusts = trusts[(trusts["reporting_year"] == year)
                    & (trusts["headcount_unknown_pct"].notna() | trusts["shortlisted_unknown_pct"].notna())]
    return UnknownShares(year, level, trusts[TRUST_COLUMNS].reset_index(drop=True))
