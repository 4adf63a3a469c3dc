"""Trusts with a high share of staff (or applicants) whose ethnicity is Unknown.

Comparisons leave Unknown out, so a trust where many people's ethnicity is not recorded
has figures that may not represent its workforce. The level above which a share is "high"
is configurable: the `threshold` argument, else the environment variable
`EQUITY_UNKNOWN_SHARE_THRESHOLD`, else 10 (percent).

What it is based on: `equity_metrics` rows `wres1_pct_headcount`, group `Unknown`, breakdown
`all`: the Unknown share of each trust's whole headcount (Unknown included in the
denominator), with the counts behind it. Applicants: the release's WRES 2 counts
(`numerator_*`/`denominator_*` of `wres2_rl_appointed`) are White and BME shortlisted
applicants only, because the comparison leaves Unknown out, so the share of applicants
whose ethnicity is Unknown cannot be computed from the release. `APPLICANTS_BASIS` says so
on the page rather than guessing it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pandas as pd

from exports.reports.release_data import ReleaseData

THRESHOLD_VARIABLE = "EQUITY_UNKNOWN_SHARE_THRESHOLD"
DEFAULT_THRESHOLD = 10.0
COLUMNS = ["metric_id", "reporting_year", "geography_level", "geography_code", "breakdown", "group", "value",
           "numerator_a", "denominator_a"]


APPLICANTS_BASIS = (
    "Applicants: not computable from this release. WRES 2 (appointment from shortlisting) compares White "
    "and BME applicants, so its published counts leave applicants of Unknown ethnicity out; the share of "
    "applicants with an Unknown ethnicity is therefore not published, and this check uses headcount only."
)


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
    """Trusts' Unknown share of headcount for one year, and those above the threshold."""

    year: int
    threshold: float
    headcount: pd.DataFrame  # geography_code, value (%), numerator_a (Unknown), denominator_a (all)

    def above(self) -> pd.DataFrame:
        frame = self.headcount
        return frame[frame["value"] > self.threshold].sort_values(["value", "geography_code"], ascending=[False, True])


def unknown_shares(data: ReleaseData, threshold: float | None = None) -> UnknownShares:
    """Raises MissingData when equity_metrics (or a needed column) is not in the release."""
    level = unknown_share_threshold(threshold)
    metrics = data.table("equity_metrics", COLUMNS)
    headcount = metrics[
        (metrics["metric_id"] == "wres1_pct_headcount") & (metrics["geography_level"] == "trust")
        & (metrics["breakdown"] == "all") & (metrics["group"] == "Unknown")
    ]
    years = set(headcount["reporting_year"].dropna())
    year = data.reporting_year if data.reporting_year in years or not years else int(max(years))
    headcount = headcount[(headcount["reporting_year"] == year) & headcount["value"].notna()]
    return UnknownShares(year, level, headcount[["geography_code", "value", "numerator_a", "denominator_a"]]
                         .reset_index(drop=True))
