"""The national scorecard section: one row per headline metric for the release's year.

From `national_scorecard` when the release has it. Without it, England's values come
straight from `equity_metrics` (national rows, breakdown `all`), and the page says that the
trust counts, direction of travel and best and worst regions are not available.
"""

from __future__ import annotations

import pandas as pd

from exports.reports import formatting as fmt
from exports.reports import page
from exports.reports.headlines import HEADLINES, Headline, for_picking
from exports.reports.page import Column
from exports.reports.release_data import MissingData, ReleaseData

SCORECARD_COLUMNS = [
    "metric_id", "reporting_year", "group", "comparison", "england_value", "england_ci_lower",
    "england_ci_upper", "white_value", "direction_of_travel", "trusts_with_value", "trusts_adverse",
    "pct_trusts_adverse", "trusts_adverse_significant", "best_region", "worst_region", "note",
]
HEADINGS = [
    Column("Metric"), Column("Comparison or group"), Column("England (95% CI)", numeric=True),
    Column("White staff, England", numeric=True), Column("Direction of travel"),
    Column("Trusts adverse", numeric=True), Column("Adverse and significant", numeric=True),
    Column("Best region"), Column("Worst region"),
]


def scorecard_section(data: ReleaseData, stats: dict) -> page.Section:
    section = page.Section("scorecard", "National scorecard")
    section.add(page.paragraph(
        "One row per headline metric for England. A trust is counted as adverse when its RL is "
        "above the equity band (above 1.25), when its BME survey percentage is worse than its "
        "White percentage and their confidence intervals do not overlap, or when its board gap is "
        "below 0. The best and worst regions are those nearest to and furthest from equity. "
        "Direction of travel is England's trend over up to five years, on the distance from equity."
    ))
    try:
        scorecard = for_picking(data.table("national_scorecard", SCORECARD_COLUMNS))
    except MissingData as missing:
        section.add(page.unavailable("the national scorecard (trust counts, direction of travel, best and worst region)", str(missing)))
        section.add(_england_only(data, stats))
        return section

    year = _year_shown(scorecard, data.reporting_year)
    if year != data.reporting_year:
        section.add(page.note(f"The scorecard has no rows for {data.reporting_year}; it shows {year}, its latest year."))
    picked = [(headline, _pick(scorecard, headline, year)) for headline in HEADLINES]
    picked = [(headline, found) for headline, found in picked if not found.empty]
    rows = [_row(headline, found, data) for headline, found in picked]
    section.add(page.table(f"National scorecard, reporting year {year}", HEADINGS, rows))
    notes = [
        f"{headline.label}: {found.iloc[0]['note']}" for headline, found in picked
        if not fmt.is_missing(found.iloc[0]["note"])
    ]
    if notes:
        section.add("<p><strong>Notes on the scorecard</strong></p>" + page.bullets(notes))
    stats["scorecard rows"] = len(rows)

    history = []
    for headline in HEADLINES:
        for y in sorted(scorecard["reporting_year"].dropna().unique(), reverse=True):
            found = _pick(scorecard, headline, y)
            if not found.empty:
                title, qualifier, *shown = _row(headline, found, data)[:5]
                history.append([title, qualifier, str(int(y)), *shown])
    section.add(page.details(
        f"Scorecard for every year ({fmt.plural(len(history), 'row')})",
        page.table("National scorecard, England's value by year",
                   [*HEADINGS[:2], Column("Year", numeric=True), *HEADINGS[2:5]], history),
    ))
    stats["scorecard history rows"] = len(history)
    return section


def _england_only(data: ReleaseData, stats: dict) -> str:
    try:
        metrics = data.table("equity_metrics", ["metric_id", "geography_level", "breakdown", "group", "comparison",
                                                "value", "ci_lower", "ci_upper", "reporting_year"])
    except MissingData as missing:
        return page.unavailable("England's headline values", str(missing))
    national = for_picking(
        metrics[(metrics["geography_level"] == "national") & (metrics["reporting_year"] == data.reporting_year)]
    )
    rows = []
    for headline in HEADLINES:
        found = headline.rows(national)
        if found.empty:
            continue
        row = found.iloc[0]
        measure = headline.measure
        rows.append([
            headline.title, headline.comparison or headline.group or "",
            fmt.number(row["value"], measure, unit=True),
            fmt.interval(row["ci_lower"], row["ci_upper"], measure),
            fmt.text(row.get("note")),
        ])
    stats["scorecard rows"] = len(rows)
    return page.table(
        f"England's headline values from equity_metrics, reporting year {data.reporting_year}",
        [Column("Metric"), Column("Comparison or group"), Column("England", numeric=True),
         Column("England 95% CI", numeric=True), Column("Note")],
        rows,
    )


def _year_shown(scorecard: pd.DataFrame, reporting_year: int) -> int:
    years = scorecard["reporting_year"].dropna()
    if years.empty or reporting_year in set(years):
        return reporting_year
    return int(years.max())


def _pick(scorecard: pd.DataFrame, headline: Headline, year: int) -> pd.DataFrame:
    selected = (scorecard["metric_id"] == headline.metric_id) & (scorecard["reporting_year"] == year)
    if headline.comparison is not None:
        selected &= scorecard["comparison"] == headline.comparison
    if headline.group is not None:
        selected &= scorecard["group"] == headline.group
    return scorecard[selected]


def _row(headline: Headline, found: pd.DataFrame, data: ReleaseData) -> list[str]:
    row = found.iloc[0]
    measure = headline.measure
    adverse = row["trusts_adverse"]
    england = fmt.number(row["england_value"], measure, unit=True)
    interval = fmt.interval(row["england_ci_lower"], row["england_ci_upper"], measure)
    return [
        headline.title,
        headline.comparison or headline.group or "",
        england if interval == fmt.MISSING else f"{england} ({interval})",
        fmt.number(row["white_value"], measure, unit=True) if not fmt.is_missing(row["white_value"]) else "",
        fmt.text(row["direction_of_travel"]) or fmt.MISSING,
        fmt.MISSING if fmt.is_missing(adverse) else (
            f"{fmt.count(adverse)} of {fmt.count(row['trusts_with_value'])} "
            f"({fmt.number(row['pct_trusts_adverse'], fmt.Measure.PERCENTAGE, unit=True)})"
        ),
        fmt.count(row["trusts_adverse_significant"]),
        _region(row["best_region"], data),
        _region(row["worst_region"], data),
    ]


def _region(code, data: ReleaseData) -> str:
    if fmt.is_missing(code):
        return fmt.MISSING
    return data.region_names.get(code) or str(code)
