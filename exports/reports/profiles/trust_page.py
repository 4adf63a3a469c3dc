"""`reports/profiles/trusts/<code>.html`: where one trust stands, on one page.

Sections: a spine chart of the headline metrics; a table of each (value, 95% CI, England,
region, band, significance, benchmark, direction of travel, rank); trusts of the same type;
small trend charts; the broad ethnic groups; submission status and Unknown ethnicity; what
was suppressed and why; the merger lineage. Concerns figures are never published for a
trust, so the page has none (TRUST_HEADLINES).
"""

from __future__ import annotations

from exports.reports import charts, page
from exports.reports import formatting as fmt
from exports.reports.headlines import HEADLINES, NATIONAL_CODE, TRUST_HEADLINES, Headline
from exports.reports.page import Cell, Column
from exports.reports.profiles import svg_charts
from exports.reports.profiles.profile_data import ProfileData
from exports.reports.quality_report import RULE_NAMES  # one wording of each rule

TITLES = {headline.metric_id: headline.title for headline in reversed(HEADLINES)}


def value_with_unit(row: dict | None, headline: Headline) -> str:
    if row is None:
        return fmt.MISSING
    if row.get("suppressed"):
        return "suppressed"
    return fmt.number(row.get("value"), headline.measure, unit=True)


def benchmark_cell(benchmark: str | None, text: str | None = None, sort=None) -> Cell:
    """A cell tinted by its benchmark against England, with the glyph and the words too."""
    style = charts.BENCHMARK_STYLES.get(benchmark, charts.BENCHMARK_STYLES[None])
    shown = style.words if text is None else text
    markup = (f'<span aria-hidden="true">{page.escape(style.glyph)}</span> {page.escape(shown)}'
              + (f'<span class="sr"> ({page.escape(style.words)})</span>' if text is not None else ""))
    return Cell(f"{style.glyph} {shown}", css=f"bm-{benchmark or 'none'}", sort=sort, markup=markup)


def direction(data: ProfileData, code: str, headline: Headline) -> str:
    row = data.trend(code, headline)
    return (row or {}).get("direction_of_travel") or fmt.MISSING


def trust_sections(data: ProfileData, code: str) -> list[page.Section]:
    return [
        _glance(data, code),
        _metrics(data, code),
        _peers(data, code),
        _trends(data, code),
        _groups(data, code),
        _submission(data, code),
        _suppressed(data, code),
        *([_lineage(data, code)] if data.predecessors(code) or _successor(data, code) else []),
    ]


def _glance(data: ProfileData, code: str) -> page.Section:
    section = page.Section("glance", "At a glance: the trust against all trusts")
    region = data.region_of(code)
    rows = []
    for headline in TRUST_HEADLINES:
        spread = data.spread(headline)
        if spread is None:
            continue
        ends = spread.values if headline.higher_is_adverse else spread.values[::-1]
        quartiles = spread.quartiles
        rows.append(svg_charts.SpineRow(
            headline=headline,
            trust=(data.figure(code, headline) or {}).get("value"),
            england=(data.national(headline) or {}).get("value"),
            region=(data.figure(region, headline) or {}).get("value") if region else None,
            low=ends[0], high=ends[-1], quartiles=quartiles,
            benchmark=data.benchmark(code, headline), count=spread.count,
        ))
    section.add(page.paragraph(
        f"Each row is one headline metric in {data.year}. More adverse is always to the right, whichever way "
        "the metric runs: for a relative likelihood (RL), further above 1 in the direction adverse to BME staff; "
        "for a survey percentage, worse for BME staff; for the board gap, further below 0. The figures are in "
        "the table below."
    ))
    if rows:
        section.add(f"<figure>{svg_charts.spine_chart(rows, data.name(code), data.region_name(region))}"
                    f"<figcaption>Spine chart, {data.year}</figcaption></figure>", svg_charts.spine_legend())
    else:
        section.add(page.unavailable("the spine chart", f"no trust has a headline figure for {data.year}"))
    return section


def _metrics(data: ProfileData, code: str) -> page.Section:
    section = page.Section("metrics", "Each metric")
    region = data.region_of(code)
    rows = []
    for headline in TRUST_HEADLINES:
        row = data.figure(code, headline)
        measure = headline.measure
        rank = data.rank(code, headline)
        significant = (row or {}).get("significant")
        rows.append([
            headline.label,
            value_with_unit(row, headline),
            fmt.interval((row or {}).get("ci_lower"), (row or {}).get("ci_upper"), measure),
            value_with_unit(data.national(headline), headline),
            value_with_unit(data.figure(region, headline), headline) if region else fmt.MISSING,
            fmt.text((row or {}).get("equity_band")) or fmt.MISSING,
            fmt.MISSING if significant is None else ("yes: differs from 1" if significant else "no"),
            benchmark_cell(data.benchmark(code, headline)),
            direction(data, code, headline),
            f"{rank[0]} of {rank[1]}" if rank else fmt.MISSING,
            fmt.text((row or {}).get("note")),
        ])
    section.add(page.paragraph(
        "Equity band (RLs): within is 0.80 to 1.25, adverse is above, favourable below. Significant: the RL's "
        "95% interval excludes 1. Against England: better or worse when the trust's interval lies wholly on one "
        "side of England's value (nearer to or further from equity), similar otherwise. Direction of travel is "
        "the trend of the distance from equity over up to five years. Rank: among all trusts with a value, by "
        "distance from equity; 1 is nearest equity, and trusts at the same distance share a rank."
    ))
    section.add(page.table(
        f"{data.name(code)}: headline metrics, {data.year}",
        [Column("Metric"), Column("Trust", numeric=True), Column("95% CI", numeric=True),
         Column("England", numeric=True), Column("Region", numeric=True), Column("Equity band"),
         Column("Significant"), Column("Against England"), Column("Direction of travel"),
         Column("Rank", numeric=True), Column("Note")],
        rows,
    ))
    return section


def _peers(data: ProfileData, code: str) -> page.Section:
    section = page.Section("peers", "Trusts of the same type")
    kind = data.trust_type(code)
    if kind is None:
        section.add(page.paragraph(
            "This trust's type is not known, so it is not compared with a group of similar trusts."))
        return section
    peers = data.peers(kind)
    section.add(page.paragraph(
        f"The {len(peers)} {kind} trusts expected to submit in {data.year} (this one included): the median and "
        "range of their published values. These are the trusts' own figures; no figure is pooled across them."
    ))
    rows = []
    for headline in TRUST_HEADLINES:
        spread = data.spread(headline, kind)
        measure = headline.measure
        rows.append([
            headline.label,
            value_with_unit(data.figure(code, headline), headline),
            fmt.MISSING if spread is None else fmt.number(spread.median, measure, unit=True),
            fmt.MISSING if spread is None else fmt.interval(spread.values[0], spread.values[-1], measure),
            str(0 if spread is None else spread.count),
        ])
    section.add(page.table(
        f"{data.name(code)} and other {kind} trusts, {data.year}",
        [Column("Metric"), Column("Trust", numeric=True), Column(f"Median of {kind} trusts", numeric=True),
         Column("Lowest to highest", numeric=True), Column("Trusts with a value", numeric=True)],
        rows,
    ))
    return section


def _trends(data: ProfileData, code: str) -> page.Section:
    section = page.Section("trends", "Trends")
    region = data.region_of(code)
    name, region_name = data.name(code), data.region_name(region)
    source = "equity_trends" if data.has_trends else "equity_metrics"
    section.add(page.paragraph(
        f"Each headline metric over the years in this release ({data.years[0]} to {data.years[-1]}): the trust, "
        "England and the region. A gap is a year without a figure (suppressed, not computable, or the trust not "
        "yet open). RLs are on a log scale with the equity band shaded."
        + (" For a trust formed by a merger, the trust's line pools its predecessors' counts for the years before."
           if data.predecessors(code) else "")
    ), svg_charts.trend_legend(name, region_name))
    figures = []
    for headline in TRUST_HEADLINES:
        if data.has_trends:
            trust = {year: (data.trend(code, headline, year) or {}).get("value") for year in data.years}
        else:
            trust = {year: (data.figure(code, headline, year=year) or {}).get("value") for year in data.years}
        england = data.yearly_values(NATIONAL_CODE, headline)
        regional = data.yearly_values(region, headline) if region else {}
        series = [(name, svg_charts.TRUST_STYLE, trust), ("England", svg_charts.ENGLAND_STYLE, england),
                  (region_name, svg_charts.REGION_STYLE, regional)]
        measure = headline.measure
        described = "; ".join(
            f"{label}: " + ", ".join(f"{year} {fmt.number(by_year.get(year), measure)}" for year in data.years)
            for label, _, by_year in series
        )
        alt = f"Line chart of {headline.label}, {data.years[0]} to {data.years[-1]}. {described}."
        figures.append(
            f'<figure class="small">{svg_charts.trend_chart(headline, data.years, series, alt)}'
            f"<figcaption>{page.escape(headline.label)}<br><span class=\"muted\">Direction of travel: "
            f"{page.escape(direction(data, code, headline))}</span></figcaption></figure>"
        )
    section.add(f'<div class="grid">{"".join(figures)}</div>')
    section.add(page.paragraph(f"The trend figures are in the release's {source} table."))
    return section


def _groups(data: ProfileData, code: str) -> page.Section:
    section = page.Section("groups", "Ethnic groups: White, BME and the broad groups")
    section.add(page.paragraph(
        "The official comparison (White and BME) beside each broad ethnic group (Asian, Black, Mixed, Other). "
        "For the RLs each broad group is compared with White staff; for the survey indicators each group has its "
        "own percentage. Small groups are often suppressed or have wide intervals."
    ))
    tables = []
    for headline in TRUST_HEADLINES:
        official = [("White", None), (headline.group, None)] if headline.group else [(None, headline.comparison)]
        if not headline.broad_groups():
            continue
        rows = []
        for group, comparison in [*official, *headline.broad_groups()]:
            row = data.figure(code, headline, group=group, comparison=comparison)
            rows.append([
                comparison or group or "",
                value_with_unit(row, headline),
                fmt.interval((row or {}).get("ci_lower"), (row or {}).get("ci_upper"), headline.measure),
                value_with_unit(data.national(headline, group=group, comparison=comparison), headline),
            ])
        tables.append(page.table(
            headline.label,
            [Column("Comparison" if headline.comparison else "Group"), Column("Trust", numeric=True),
             Column("95% CI", numeric=True), Column("England", numeric=True)],
            rows,
        ))
    section.add(f'<div class="grid">{"".join(tables)}</div>')
    return section


def _submission(data: ProfileData, code: str) -> page.Section:
    section = page.Section("submission", "Submission and Unknown ethnicity")
    returns = sorted(data.table_rows("submission_status", ["reporting_year", "source", "org_code", "status", "note"],
                                     org_code=code, source="wres"),
                     key=lambda row: row["reporting_year"], reverse=True)
    if not data.has_table("submission_status"):
        section.add(page.unavailable("submission status", "table submission_status is not in this release"))
    else:
        section.add(page.table(
            f"{data.name(code)}: WRES returns by year",
            [Column("Year", numeric=True), Column("Status"), Column("Submitted"), Column("Deadline"), Column("Note")],
            [[str(row["reporting_year"]), fmt.text(row["status"]).replace("_", " "),
              fmt.text(row.get("submission_date")) or fmt.MISSING, fmt.text(row.get("submission_deadline")) or fmt.MISSING,
              fmt.text(row.get("note"))] for row in returns],
            empty="no WRES return was expected from this trust in any year of the release.",
        ))
    columns = ["reporting_year", "geography_code", "headcount_unknown_pct", "shortlisted_unknown_pct"]
    if not data.has_table("unknown_ethnicity"):
        section.add(page.unavailable("Unknown ethnicity", "table unknown_ethnicity is not in this release"))
        return section
    trust = data.table_rows("unknown_ethnicity", columns, geography_code=code, reporting_year=data.year)
    national = data.table_rows("unknown_ethnicity", columns, geography_code=NATIONAL_CODE, reporting_year=data.year)
    pct = fmt.Measure.PERCENTAGE
    rows = [
        [label, fmt.number((trust[0] if trust else {}).get(column), pct, unit=True),
         fmt.number((national[0] if national else {}).get(column), pct, unit=True)]
        for label, column in (("Share of headcount", "headcount_unknown_pct"),
                              ("Share of shortlisted applicants", "shortlisted_unknown_pct"))
    ]
    section.add(page.paragraph(
        "Staff whose ethnicity is not known are left out of every comparison, so where the share is high the "
        "trust's figures rest on fewer people than it employs."
    ), page.table(f"Unknown ethnicity, {data.year}", [Column("Unknown ethnicity"), Column("Trust", numeric=True),
                                                     Column("England", numeric=True)], rows))
    return section


def _suppressed(data: ProfileData, code: str) -> page.Section:
    section = page.Section("suppressed", "Suppressed figures")
    section.add(page.paragraph(
        "Disclosure control withholds figures about small numbers of people. A withheld figure is shown as "
        "'suppressed', never as a number, and no count behind it is published. Each row says which rule "
        "withheld it; the counts themselves are not shown."
    ))
    if not data.has_table("suppression_log"):
        section.add(page.unavailable("the suppression log", "table suppression_log is not in this release"))
        return section
    log = data.table_rows("suppression_log", ["metric_id", "row_reporting_year", "geography_code", "group",
                                              "comparison", "breakdown", "count_type", "suppression_rule"],
                          geography_code=code)
    seen, rows = set(), []
    for row in sorted(log, key=lambda r: (-r["row_reporting_year"], r["metric_id"], str(r.get("group")),
                                          str(r.get("comparison")), r["suppression_rule"])):
        key = (row["row_reporting_year"], row["metric_id"], row.get("group"), row.get("comparison"),
               row.get("breakdown"), row["suppression_rule"])
        if key in seen:  # one row per figure and rule, whichever counts it withheld
            continue
        seen.add(key)
        rows.append([str(row["row_reporting_year"]), TITLES.get(row["metric_id"], row["metric_id"]), row.get("comparison") or row.get("group") or "",
                     "" if row.get("breakdown") == "all" else fmt.text(row.get("breakdown")),
                     RULE_NAMES.get(row["suppression_rule"], row["suppression_rule"])])
    section.add(page.table(
        f"{data.name(code)}: figures withheld, every year of the release",
        [Column("Year", numeric=True), Column("Metric"), Column("Comparison or group"), Column("Breakdown"),
         Column("Why")],
        rows, empty="no figure of this trust is suppressed in this release.",
    ))
    return section


def _successor(data: ProfileData, code: str) -> str | None:
    return (data.organisations.get(code) or {}).get("successor_org_code")


def _lineage(data: ProfileData, code: str) -> page.Section:
    section = page.Section("lineage", "Merger lineage")
    predecessors = data.predecessors(code)
    if predecessors:
        section.add(page.paragraph(
            "This trust took over the trusts below. Its trend line pools their published counts for the years "
            "before the merger (never an average), and a year is a gap where any of them has the figure suppressed."
        ), page.table(
            f"Predecessors of {data.name(code)}",
            [Column("Code"), Column("Name"), Column("Closed"), Column("Taken over from")],
            [[row["org_code"], fmt.text(row.get("org_name")), fmt.text(row.get("close_date")) or fmt.MISSING,
              fmt.text(row.get("successor_effective_date")) or fmt.MISSING] for row in predecessors],
        ))
    successor = _successor(data, code)
    if successor:
        link = f": {page.link(f'{successor}.html', 'see its profile')}" if successor in data.expected_trusts else ""
        section.add(f"<p>This trust was taken over by {page.escape(data.name(successor))} "
                    f"({page.escape(successor)}){link}.</p>")
    return section
