"""The headline metrics of the national report (metrics.md, "National scorecard").

One `Headline` per metric and comparison (or group), with what the page says about it in
plain English, and the rows of `equity_metrics` it is drawn from (breakdown `all`).
"""

from __future__ import annotations

import collections
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from exports.reports.formatting import Measure, measure_of

NATIONAL_CODE = "E92000001"
NATIONAL_NAME = "England"
BROAD_GROUPS = ("Asian", "Black", "Mixed", "Other")
SHORT_TITLES = {
    "wres2_rl_appointed": "WRES 2 appointment",
    "wres3_rl_disciplinary": "WRES 3 disciplinary",
    "wres3_rl_disciplinary_2yr": "WRES 3 disciplinary, 2 years",
    "wres4_rl_training": "WRES 4 training",
    "wres5_pct_hba_public": "WRES 5 abuse from public",
    "wres6_pct_hba_staff": "WRES 6 abuse from staff",
    "wres7_pct_equal_opps": "WRES 7 equal opportunities",
    "wres8_pct_discrimination": "WRES 8 discrimination",
    "wres9_board_voting_gap_pp": "WRES 9 board gap, pp",
    "concerns_rl_referral": "Concerns: case opened",
    "concerns_rl_exclusion": "Concerns: exclusion",
}


@dataclass(frozen=True)
class Headline:
    metric_id: str
    comparison: str | None  # for RLs
    group: str | None  # for percentages and the board gap
    title: str
    reading: str  # how to read the value, in plain English
    higher_is_adverse: bool = True

    @property
    def measure(self) -> Measure:
        return measure_of(self.metric_id)

    @property
    def key(self) -> str:
        """An id usable in HTML anchors and chart ids."""
        suffix = (self.comparison or self.group or "").lower().replace(" ", "-")
        return f"{self.metric_id}--{suffix}" if suffix else self.metric_id

    @property
    def label(self) -> str:
        qualifier = self.comparison or (f"group {self.group}" if self.group else "")
        return f"{self.title} ({qualifier})" if qualifier else self.title

    @property
    def short_label(self) -> str:
        """A label short enough for a chart's axis or a table's column heading."""
        qualifier = self.comparison or ("BME %" if self.measure is Measure.PERCENTAGE else "")
        short = SHORT_TITLES.get(self.metric_id, self.title)
        return f"{short} ({qualifier})" if qualifier else short

    @property
    def published_for_trusts(self) -> bool:
        """Concerns figures are published for regions and England only (metrics.md)."""
        return not self.metric_id.startswith("concerns")

    def broad_groups(self) -> list[tuple[str | None, str | None]]:
        """(group, comparison) of each broad ethnic group's row beside the official pair.

        Percentages have a row per group; RLs compare each broad group with White, the group
        of interest where the official comparison has BME (metrics.md, WRES). The board gap and
        concerns headlines have none.
        """
        if self.group is not None and self.measure is Measure.PERCENTAGE:
            return [(group, None) for group in BROAD_GROUPS]
        if self.comparison in ("White vs BME", "BME vs White"):
            return [(None, self.comparison.replace("BME", group)) for group in BROAD_GROUPS]
        return []

    def distance(self, value: float | None) -> float | None:
        """The equity distance d of a value (metrics.md, Trends; dbt macro equity_distance):
        smaller is nearer equity. |ln RL|, |gap|, or the survey percentage oriented so that
        higher is worse."""
        if value is None or pd.isna(value):
            return None
        if self.measure is Measure.RELATIVE_LIKELIHOOD:
            return abs(math.log(value)) if value > 0 else None
        if self.measure is Measure.PERCENTAGE_POINTS:
            return abs(value)
        return value if self.higher_is_adverse else -value

    def rows(self, metrics: pd.DataFrame, group: str | None = None) -> pd.DataFrame:
        """This headline's rows of equity_metrics (breakdown all), every level and year.

        `group` picks another group of a percentage headline (e.g. White beside BME).
        """
        selected = (metrics["metric_id"] == self.metric_id) & (metrics["breakdown"] == "all")
        if self.comparison is not None:
            selected &= metrics["comparison"] == self.comparison
        wanted_group = group or self.group
        if wanted_group is not None:
            selected &= metrics["group"] == wanted_group
        return metrics[selected]


_RL_READING = (
    "An RL of 1 means equal likelihood. Above 1.25 is adverse to {minority}; "
    "0.80 to 1.25 is the equity band."
)

HEADLINES = (
    Headline(
        "wres2_rl_appointed", "White vs BME", None,
        "Appointment from shortlisting (WRES 2)",
        "Relative likelihood of White shortlisted applicants being appointed compared with BME. "
        + _RL_READING.format(minority="BME applicants"),
    ),
    Headline(
        "wres3_rl_disciplinary", "BME vs White", None,
        "Entry into the formal disciplinary process (WRES 3)",
        "Relative likelihood of BME staff entering the formal disciplinary process compared with White. "
        + _RL_READING.format(minority="BME staff"),
    ),
    Headline(
        "wres3_rl_disciplinary_2yr", "BME vs White", None,
        "Entry into the disciplinary process, two-year rolling (WRES 3)",
        "As WRES 3, on counts summed over this year and the year before, which steadies small numbers. "
        + _RL_READING.format(minority="BME staff"),
    ),
    Headline(
        "wres4_rl_training", "White vs BME", None,
        "Access to non-mandatory training and CPD (WRES 4)",
        "Relative likelihood of White staff accessing non-mandatory training compared with BME. "
        + _RL_READING.format(minority="BME staff"),
    ),
    Headline(
        "wres5_pct_hba_public", None, "BME",
        "Harassment, bullying or abuse from patients or the public (WRES 5)",
        "Percentage of BME staff survey respondents who experienced it in the last 12 months. "
        "Higher is worse; compare with White staff's percentage.",
    ),
    Headline(
        "wres6_pct_hba_staff", None, "BME",
        "Harassment, bullying or abuse from managers or colleagues (WRES 6)",
        "Percentage of BME respondents who experienced it. Higher is worse.",
    ),
    Headline(
        "wres7_pct_equal_opps", None, "BME",
        "Belief in equal opportunities for career progression (WRES 7)",
        "Percentage of BME respondents who believe their organisation provides equal opportunities. "
        "Lower is worse.",
        higher_is_adverse=False,
    ),
    Headline(
        "wres8_pct_discrimination", None, "BME",
        "Discrimination from a manager or colleague (WRES 8)",
        "Percentage of BME respondents who experienced discrimination at work. Higher is worse.",
    ),
    Headline(
        "wres9_board_voting_gap_pp", None, "BME",
        "Board voting membership compared with the workforce (WRES 9)",
        "BME percentage of voting board members minus the BME percentage of the workforce, in "
        "percentage points. Below 0 means BME people are under-represented on boards.",
        higher_is_adverse=False,
    ),
    Headline(
        "concerns_rl_referral", "BME vs White", None,
        "Concerns: a case being opened",
        "Relative likelihood of a case being opened about a BME practitioner compared with a White one. "
        + _RL_READING.format(minority="BME practitioners"),
    ),
    Headline(
        "concerns_rl_referral", "IMG vs UK", None,
        "Concerns: a case being opened",
        "Relative likelihood of a case being opened about an international medical graduate (IMG) "
        "compared with a UK graduate. " + _RL_READING.format(minority="IMGs"),
    ),
    Headline(
        "concerns_rl_exclusion", "BME vs White", None,
        "Concerns: exclusion among cases",
        "Relative likelihood of exclusion among cases, BME compared with White practitioners. "
        + _RL_READING.format(minority="BME practitioners"),
    ),
    Headline(
        "concerns_rl_exclusion", "IMG vs UK", None,
        "Concerns: exclusion among cases",
        "Relative likelihood of exclusion among cases, IMGs compared with UK graduates. "
        + _RL_READING.format(minority="IMGs"),
    ),
)

# The headlines a trust has: concerns figures are never published for a trust.
TRUST_HEADLINES = tuple(headline for headline in HEADLINES if headline.published_for_trusts)


def headline_filter(levels: Sequence[str] | None = None, metric_ids: Sequence[str] | None = None) -> dict:
    """The rows of the headline metrics (or of these `metric_ids`), breakdown all, and of these
    geography levels, as ReleaseData.table's `where`: only those rows are read."""
    where = {"metric_id": set(metric_ids or {headline.metric_id for headline in HEADLINES}), "breakdown": "all"}
    if levels is not None:
        where["geography_level"] = set(levels)
    return where


def for_picking(frame: pd.DataFrame) -> pd.DataFrame:
    """A small frame that is filtered many times, with its text held as Python strings.

    The same `str` dtype (NaN for missing), only stored in a numpy array: selecting rows then
    costs a numpy take, not one pyarrow call per column per selection (several ms each).
    """
    text = [column for column, dtype in frame.dtypes.items()
            if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"]
    if not text:
        return frame
    return frame.astype({column: pd.StringDtype("python", na_value=frame[column].dtype.na_value) for column in text})


def rows_of(frame: pd.DataFrame, *, index: bool = False) -> list[tuple]:
    """`frame.itertuples(index=index)`: the same named rows of the same Python values, taken
    from the frame in one conversion (pandas takes each column apart and makes a new
    namedtuple class on every call, about 1.5 ms, and the report draws hundreds of small
    frames)."""
    if not all(isinstance(dtype, (np.dtype, pd.StringDtype)) for dtype in frame.dtypes):
        return list(frame.itertuples(index=index))  # e.g. Int64: its rows hold numpy scalars
    row_type = _row_type(tuple((["Index"] if index else []) + list(frame.columns)))
    values = frame.to_numpy(dtype=object)  # Python scalars, as iterating a numpy or text column gives
    if index:
        return [row_type(label, *row) for label, row in zip(frame.index, values, strict=True)]
    return [row_type._make(row) for row in values]


@functools.lru_cache(maxsize=64)
def _row_type(fields: tuple[str, ...]) -> type:
    return collections.namedtuple("Pandas", fields, rename=True)


# WRES 2-4 with their official comparison: the funnel plots (trust level, latest year).
FUNNEL_HEADLINES = tuple(
    headline for headline in HEADLINES
    if headline.metric_id in ("wres2_rl_appointed", "wres3_rl_disciplinary", "wres4_rl_training")
)

# What the trust's size is, for each funnel (denominator_a + denominator_b).
SIZE_LABELS = {
    "wres2_rl_appointed": "White and BME applicants shortlisted",
    "wres3_rl_disciplinary": "White and BME headcount",
    "wres4_rl_training": "White and BME headcount",
}


def is_survey(metric_id: str) -> bool:
    return metric_id.split("_", 1)[0] in ("wres5", "wres6", "wres7", "wres8")
