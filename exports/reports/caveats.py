"""The caveats a reader of the national report needs, with this release's numbers in them.

Suppression, Unknown ethnicity, pooled counts (who contributed), the staff survey's year
lag, concerns' geography, the two-year RL, rounding and direction of travel.
"""

from __future__ import annotations

from exports.reports import formatting as fmt
from exports.reports import page
from exports.reports.release_data import MissingData, ReleaseData

QUALITY_PAGE = "data_quality_report.html"
QUALITY_LINK_TEXT = "data-quality report"


def caveats_section(data: ReleaseData, stats: dict) -> page.Section:
    section = page.Section("caveats", "Caveats: read before using these figures")
    year = data.reporting_year
    items = [
        ("Suppression", _suppression(data)),
        ("Unknown ethnicity", _unknown(data, year)),
        ("Pooled counts", _pooled(data, year)),
        ("Survey year lag", "WRES indicators 5 to 8 for reporting year Y come from the NHS Staff Survey "
        f"run in the autumn of year Y−1: the {year} figures describe the {year - 1} survey. A group's "
        "percentage with fewer than 11 respondents answering is suppressed at every level."),
        ("Concerns", "Concerns casework is published for regions and England only: trust numbers are too small and "
        "could identify people. Below England, the counts behind concerns figures are rounded to the "
        "nearest 5 (1 to 7 suppressed) and the figures are computed from those published counts."),
        ("Two-year RL", "The two-year disciplinary RL needs a valid return in both years; a region or England pools only "
        "the trusts with both, and it is empty in the first year of the series."),
        ("Rounding", "This page rounds percentages (and percentage points, rates and days) to 1 decimal "
        "place and relative likelihoods to 2. The published parquet and CSV files carry the unrounded "
        "values, and the equity bands, significance, benchmarks and trusts counted as adverse are "
        "decided on those unrounded values, so a value shown as 1.25 can be just above the band."),
        ("Direction of travel", "Direction of travel is a trend over at most five years, judged on the distance from equity. "
        "'No clear change' means the trend's 95% interval includes no change, not that nothing changed; "
        "'insufficient data' means fewer than three years with a value."),
    ]
    section.add("<ul>" + "".join(
        f"<li><strong>{page.escape(title)}.</strong> {_with_link(text)}</li>" for title, text in items
    ) + "</ul>")
    stats["caveats"] = len(items)
    return section


def _with_link(text: str) -> str:
    """Escaped text in which the quality page's name is a link to it."""
    escaped = page.escape(text)
    return escaped.replace(page.escape(QUALITY_LINK_TEXT), page.link(QUALITY_PAGE, QUALITY_LINK_TEXT))


def _suppression(data: ReleaseData) -> str:
    base = (
        "Disclosure control withholds small numbers below national level (and the survey "
        "minimum base and median rule at every level). A suppressed figure is empty with "
        "suppressed = true; it is not a zero."
    )
    try:
        metrics = data.table("equity_metrics", ["suppressed", "reporting_year"], where={"reporting_year": data.reporting_year})
    except MissingData:
        return base
    this_year = metrics[metrics["reporting_year"] == data.reporting_year]
    suppressed = int(this_year["suppressed"].fillna(False).astype(bool).sum())
    return (
        f"{base} In {data.reporting_year}, {suppressed:,} of {len(this_year):,} published figures are "
        f"suppressed; the {QUALITY_LINK_TEXT} lists them by rule."
    )


def _unknown(data: ReleaseData, year: int) -> str:
    base = (
        "Staff whose ethnicity is not known are left out of every comparison "
        "(they are in the denominators of the workforce shares and board gaps only). Where many staff "
        "have an Unknown ethnicity, a trust's figures may not represent its whole workforce."
    )
    try:
        metrics = data.table("equity_metrics", ["metric_id", "geography_level", "breakdown", "group", "value",
                                                "reporting_year"],
                             where={"reporting_year": year, "geography_level": "national"})
    except MissingData:
        return base
    national = metrics[
        (metrics["metric_id"] == "wres1_pct_headcount") & (metrics["geography_level"] == "national")
        & (metrics["breakdown"] == "all") & (metrics["group"] == "Unknown") & (metrics["reporting_year"] == year)
    ]
    if national.empty or fmt.is_missing(national.iloc[0]["value"]):
        return base
    share = fmt.number(national.iloc[0]["value"], fmt.Measure.PERCENTAGE, unit=True)
    return f"{base} In {year}, {share} of England's headcount has an Unknown ethnicity; the {QUALITY_LINK_TEXT} lists the trusts with a high share."


def _pooled(data: ReleaseData, year: int) -> str:
    base = (
        "Regional and England figures pool the counts of the trusts with a valid (not "
        "quarantined) return; they are not averages of trust figures. A change from one year to the next "
        "can partly reflect which trusts contributed."
    )
    try:
        metrics = data.table("equity_metrics", ["metric_id", "geography_level", "breakdown", "reporting_year",
                                                "trusts_contributing", "trusts_expected"],
                             where={"reporting_year": year, "geography_level": "national"})
    except MissingData:
        return base
    national = metrics[
        (metrics["metric_id"] == "wres2_rl_appointed") & (metrics["geography_level"] == "national")
        & (metrics["breakdown"] == "all") & (metrics["reporting_year"] == year)
    ]
    if national.empty or fmt.is_missing(national.iloc[0]["trusts_contributing"]):
        return base
    row = national.iloc[0]
    return (
        f"{base} In {year}, England's WRES figures pool {fmt.count(row['trusts_contributing'])} of the "
        f"{fmt.count(row['trusts_expected'])} trusts expected to submit; every chart's data table gives "
        "the numbers for each region and year."
    )
