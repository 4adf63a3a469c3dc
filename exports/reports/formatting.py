"""How the reports show numbers: the only place where published figures are rounded.

metrics.md: "Published parquet and CSV carry unrounded values. Only the HTML reports round
(percentages to 1 decimal place, RLs to 2)". The spec is silent on the other measures; the
reports show percentage-point gaps, rates per 1,000 and median days to 1 decimal place too.
Bands, `significant`, benchmarks and every comparison use the unrounded values from the
release: only what is displayed (tables, chart points, hover text) is rounded.
"""

from __future__ import annotations

import math
from enum import Enum

import pandas as pd

MISSING = "–"  # shown for a null figure; the row's note says why


class Measure(Enum):
    """The kind of a metric, from its id (metrics.md names them consistently)."""

    RELATIVE_LIKELIHOOD = ("relative likelihood", 2, "")
    PERCENTAGE = ("percentage", 1, "%")
    PERCENTAGE_POINTS = ("percentage-point gap", 1, " pp")
    RATE_PER_1000 = ("rate per 1,000", 1, "")
    MEDIAN_DAYS = ("median days", 1, " days")
    OTHER = ("value", 2, "")

    def __init__(self, label: str, decimals: int, unit: str) -> None:
        self.label = label
        self.decimals = decimals
        self.unit = unit

    @property
    def is_ratio(self) -> bool:
        return self is Measure.RELATIVE_LIKELIHOOD


def measure_of(metric_id: str) -> Measure:
    if "_rl_" in metric_id:
        return Measure.RELATIVE_LIKELIHOOD
    if "_pct_" in metric_id:
        return Measure.PERCENTAGE
    if metric_id.endswith("_gap_pp"):
        return Measure.PERCENTAGE_POINTS
    if "rate_per_1000" in metric_id:
        return Measure.RATE_PER_1000
    if "median" in metric_id:
        return Measure.MEDIAN_DAYS
    return Measure.OTHER


def is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if type(value) is float:  # the common case, without pandas' slower check
        return value != value
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def rounded(value, measure: Measure) -> float | None:
    """The value as displayed (a float rounded to the measure's places), or None."""
    if is_missing(value):
        return None
    number = float(value)
    if not math.isfinite(number):
        return None
    # Through the formatted text, so the number in a chart is the number in its table.
    return float(f"{number:.{measure.decimals}f}")


# Below this size a float formatted to the measure's places is the text of its rounded value
# (`rounded` goes through that text, and a number of 14 or fewer significant digits survives
# the round trip), so `number` formats it once. NaN and infinities fail the test.
_FORMATTED_AS_ROUNDED = 1e12


def number(value, measure: Measure, unit: bool = False) -> str:
    if type(value) is float and -_FORMATTED_AS_ROUNDED < value < _FORMATTED_AS_ROUNDED:
        text = f"{value:,.{measure.decimals}f}"  # the common case: one format, no parse
    else:
        shown = rounded(value, measure)
        if shown is None:
            return MISSING
        text = f"{shown:,.{measure.decimals}f}"
    return text.replace("-", "−") + (measure.unit if unit else "")


def interval(lower, upper, measure: Measure) -> str:
    if is_missing(lower) or is_missing(upper):
        return MISSING
    return f"{number(lower, measure)} to {number(upper, measure)}"


def count(value) -> str:
    if is_missing(value):
        return MISSING
    return f"{int(value):,}"


def percent(part, whole, decimals: int = 1) -> str:
    """A share computed for display (e.g. of files or trusts), to 1 decimal place."""
    if is_missing(part) or is_missing(whole) or not whole:
        return MISSING
    return f"{100 * float(part) / float(whole):.{decimals}f}%"


def plural(count_: int, singular: str, plural_: str | None = None) -> str:
    """'1 row', '2 rows'; with thousands separators."""
    return f"{count_:,} {singular if count_ == 1 else (plural_ or singular + 's')}"


def text(value) -> str:
    if is_missing(value):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
