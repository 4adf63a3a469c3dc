"""Trend charts: each headline metric over the years, for England and for every region.

One line per geography, told apart by line pattern, marker symbol and a direct label (and
colour). England is the thick solid line with its 95% confidence interval shaded; for the
survey indicators England's White percentage is drawn too, for comparison. A year with no
figure is a gap in the line, never a zero. RLs use a log scale, so that 0.5 and 2 are the
same distance from 1, with the equity band (0.80-1.25) shaded.

Direction of travel comes from `equity_trends` (or the scorecard) when the release has it.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from exports.reports import charts, page
from exports.reports import formatting as fmt
from exports.reports.headlines import HEADLINES, NATIONAL_NAME, Headline, for_picking, headline_filter, is_survey, rows_of
from exports.reports.page import Column
from exports.reports.release_data import MissingData, ReleaseData

METRIC_COLUMNS = [
    "metric_id", "reporting_year", "geography_level", "geography_code", "breakdown", "group", "comparison",
    "value", "ci_lower", "ci_upper", "suppressed", "note", "trusts_contributing", "trusts_expected",
]
TRENDS_COLUMNS = [
    "metric_id", "reporting_year", "geography_level", "geography_code", "breakdown", "group", "comparison",
    "previous_value", "change", "direction_of_travel",
]
HEIGHT = 430
MARGIN_BOTTOM = 56
LABEL_GAP_YEARS = 0.6  # room between the last year and the labels, for the leader lines
BAND = (0.80, 1.25)


def trends_section(data: ReleaseData, stats: dict) -> page.Section:
    section = page.Section("trends", "Trends: England and the regions")
    section.add(page.paragraph(
        "Each chart shows one headline metric for every reporting year in the release: England as a "
        "thick solid line with its 95% confidence interval shaded, and each region as its own line "
        "pattern and marker, labelled at its last point. Regional and England figures are computed "
        "from counts pooled over the trusts with a valid return, never by averaging trust figures. "
        "A break in a line is a year without a figure."
    ))
    try:
        metrics = data.table("equity_metrics", METRIC_COLUMNS, where=headline_filter(["national", "region"]), keep=True)
    except MissingData as missing:
        section.add(page.unavailable("trend charts", str(missing)))
        return section
    trends = _trends(data)
    if trends is None:
        section.add(page.note(
            "Direction of travel is not available in this release (table equity_trends is not published yet)."
        ))
    metrics = for_picking(metrics)
    charts_made = rows_shown = 0
    for headline in HEADLINES:
        html, rows = _headline_chart(headline, metrics, trends, data)
        section.add(html)
        charts_made += rows > 0
        rows_shown += rows
    stats["trend charts"] = charts_made
    stats["trend table rows"] = rows_shown
    return section


def _trends(data: ReleaseData) -> pd.DataFrame | None:
    try:
        trends = data.table("equity_trends", TRENDS_COLUMNS, where=headline_filter(["national", "region"]))
    except MissingData:
        return None
    return for_picking(trends)


def _series(headline: Headline, metrics: pd.DataFrame, data: ReleaseData) -> list[tuple[str, str, pd.DataFrame]]:
    """(code, name, rows by year) for England, England's White group (survey) and each region."""
    rows = headline.rows(metrics)
    series = [("E", NATIONAL_NAME, rows[rows["geography_level"] == "national"])]
    if is_survey(headline.metric_id):
        white = headline.rows(metrics, group="White")
        series.append(("E-white", f"{NATIONAL_NAME}, White staff", white[white["geography_level"] == "national"]))
    regions = rows[rows["geography_level"] == "region"]
    by_code = dict(iter(regions.groupby("geography_code", sort=False)))  # one split, not a filter per region
    codes = sorted(by_code, key=lambda code: data.region_names.get(code, code))
    series += [(code, data.region_names.get(code, code), by_code[code]) for code in codes]
    return [(code, name, frame.sort_values("reporting_year")) for code, name, frame in series]


def _headline_chart(
    headline: Headline, metrics: pd.DataFrame, trends: pd.DataFrame | None, data: ReleaseData
) -> tuple[str, int]:
    anchor = f"trend-{headline.key}"
    heading = f'<div class="block" id="{anchor}"><h3>{page.escape(headline.label)}</h3>'
    series = _series(headline, metrics, data)
    if all(frame.empty for _, _, frame in series):
        return heading + page.unavailable("this metric's national and regional rows", "no rows in equity_metrics") + "</div>", 0

    measure = headline.measure
    log = measure.is_ratio
    years = sorted({int(year) for _, _, frame in series for year in frame["reporting_year"].dropna()})
    figure = charts.new_figure()
    plotted, labels = [], []
    # The release's regions in name order (or, without organisations, those on this chart).
    regions = sorted(data.region_names, key=lambda region: data.region_names[region])
    regions += [code for code, _, _ in series if code not in ("E", "E-white", *regions)]
    england = series[0][2]
    for run in _runs_with_interval(england):
        x = [int(year) for year in run["reporting_year"]]
        figure.add_trace(go.Scatter(
            x=x + x[::-1],
            y=charts.values(run["ci_upper"], measure) + charts.values(run["ci_lower"], measure)[::-1],
            mode="lines", fill="toself", fillcolor="rgba(0, 0, 0, 0.12)", line=dict(width=0), hoverinfo="skip",
            name="England 95% CI", showlegend=False,
        ))
        plotted += [*run["ci_lower"], *run["ci_upper"]]
    for code, name, frame in series:
        if frame.empty:
            continue
        style = _style(code, regions)
        x = [int(year) for year in frame["reporting_year"]]
        y = charts.values(frame["value"], measure)
        figure.add_trace(go.Scatter(
            x=x, y=y, name=name, mode="lines+markers",
            line=dict(color=style.colour, width=style.width, dash=style.dash),
            marker=dict(symbol=style.symbol, size=10 if code.startswith("E") else 8, color=style.colour,
                        line=dict(width=1, color=style.colour)),
            connectgaps=False,
            hovertemplate=f"{page.escape(name)}<br>%{{x}}: %{{y:.{measure.decimals}f}}<extra></extra>",
        ))
        plotted += list(frame["value"])
        points = [(year, value) for year, value in zip(x, y, strict=True) if value is not None and (value > 0 or not log)]
        if points:
            labels.append((*points[-1], style.glyph, name, style.colour))

    y_range = charts.axis_range(plotted, log=log, include=BAND if log else ())
    longest = max((len(name) + (2 if x == years[-1] else 20) for x, _, _, name, _ in labels), default=10)
    figure.update_layout(**charts.base_layout(HEIGHT, right_margin=min(24 + 7 * longest, 300)))
    label_x = years[-1] + LABEL_GAP_YEARS
    figure.update_xaxes(title_text="Reporting year (year ending 31 March)", tickmode="array",
                        tickvals=years, ticktext=[str(year) for year in years], range=[years[0] - 0.3, label_x])
    if log:
        figure.update_yaxes(type="log", title_text="Relative likelihood (log scale)",
                            tickvals=charts.rl_ticks(y_range), range=y_range)
        if y_range:
            figure.update_layout(shapes=charts.equity_band(*BAND))
    else:
        figure.update_yaxes(title_text=measure.label.capitalize() + (f" ({measure.unit.strip()})" if measure.unit else ""),
                            range=y_range)
        if measure is fmt.Measure.PERCENTAGE_POINTS and y_range and y_range[0] < 0 < y_range[1]:
            figure.update_layout(shapes=[charts.reference_line(0, "no gap")])
    if y_range:
        figure.update_layout(annotations=charts.direct_labels(
            labels, y_range, log=log, label_x=label_x, final_x=years[-1],
            plot_height_px=HEIGHT - charts.MARGIN_TOP - MARGIN_BOTTOM))

    latest = _latest_summary(headline, series)
    alt = (
        f"Line chart of {headline.label} from {years[0]} to {years[-1]} for England and "
        f"{sum(1 for code, _, frame in series if code not in ('E', 'E-white') and not frame.empty)} regions. "
        f"{latest}"
    )
    table_rows = _table_rows(series, measure)
    notes = [headline.reading, latest]
    gaps = sum(int(frame["value"].isna().sum()) for _, _, frame in series)
    if gaps:
        suppressed = sum(int(frame["suppressed"].fillna(False).astype(bool).sum()) for _, _, frame in series)
        notes.append(
            f"{fmt.plural(gaps, 'figure')} on this chart {'has' if gaps == 1 else 'have'} no value "
            f"({suppressed:,} suppressed, the rest undefined or not yet computable) and {'is a gap' if gaps == 1 else 'are gaps'} "
            "in the lines; the table says why."
        )
    if trends is not None:
        notes.append(_direction_note(headline, trends))
    html = (
        heading
        + f"<figure>{charts.figure_html(figure, f'chart-{anchor}', alt)}</figure>"
        + "".join(page.paragraph(note) for note in notes if note)
        + page.details(
            f"Data behind this chart ({fmt.plural(len(table_rows), 'row')})",
            page.table(
                f"{headline.label}: England and regions by year",
                [Column("Geography"), Column("Year", numeric=True), Column("Value", numeric=True),
                 Column("95% CI", numeric=True), Column("Trusts contributing / expected", numeric=True),
                 Column("Note")],
                table_rows,
            )
            + _trend_table(headline, trends, data),
        )
    )
    return html + "</div>", len(table_rows)


ENGLAND_WHITE_STYLE = charts.SeriesStyle("dash", "circle-open", "○", "#000000", 2.5)


def _style(code: str, regions: list[str]) -> charts.SeriesStyle:
    """England first; each region keeps one style on every chart (by its place in `regions`)."""
    if code == "E":
        return charts.series_style(0)
    if code == "E-white":
        return ENGLAND_WHITE_STYLE
    return charts.series_style(1 + regions.index(code))


def _runs_with_interval(rows: pd.DataFrame) -> list[pd.DataFrame]:
    """Runs of consecutive years that have a CI: the shaded band is not drawn across a gap."""
    with_interval = rows[rows["ci_lower"].notna() & rows["ci_upper"].notna()]
    runs, current, previous = [], [], None
    for index, year in zip(with_interval.index, with_interval["reporting_year"], strict=True):
        if previous is not None and year != previous + 1:
            runs.append(current)
            current = []
        current.append(index)
        previous = year
    if current:
        runs.append(current)
    return [with_interval.loc[run] for run in runs]


def _latest_summary(headline: Headline, series) -> str:
    england = series[0][2]
    with_value = england[england["value"].notna()]
    if with_value.empty:
        return "England has no value in any year."
    row = with_value.iloc[-1]
    interval = fmt.interval(row["ci_lower"], row["ci_upper"], headline.measure)
    return (
        f"In {int(row['reporting_year'])} England's value was {fmt.number(row['value'], headline.measure, unit=True)}"
        + (f" (95% CI {interval})." if interval != fmt.MISSING else ".")
    )


def _direction_note(headline: Headline, trends: pd.DataFrame) -> str:
    rows = headline.rows(trends)
    national = rows[rows["geography_level"] == "national"].sort_values("reporting_year")
    national = national[national["direction_of_travel"].notna()]
    if national.empty:
        return ""
    row = national.iloc[-1]
    return (
        f"England's direction of travel to {int(row['reporting_year'])}: {row['direction_of_travel']} "
        "(the trend in the distance from equity over up to five years; 'no clear change' when its 95% "
        "interval includes no change)."
    )


def _table_rows(series, measure) -> list[list[str]]:
    rows = []
    for _, name, frame in series:
        for row in rows_of(frame):
            contributing = (
                f"{fmt.count(row.trusts_contributing)} / {fmt.count(row.trusts_expected)}"
                if not fmt.is_missing(row.trusts_contributing) else fmt.MISSING
            )
            rows.append([
                name, str(int(row.reporting_year)), fmt.number(row.value, measure),
                fmt.interval(row.ci_lower, row.ci_upper, measure), contributing, fmt.text(row.note),
            ])
    return rows


def _trend_table(headline: Headline, trends: pd.DataFrame | None, data: ReleaseData) -> str:
    if trends is None:
        return ""
    rows = headline.rows(trends)
    if rows.empty:
        return ""
    year = int(rows["reporting_year"].max())
    latest = rows[rows["reporting_year"] == year].copy()
    latest["order"] = latest["geography_level"].map({"national": 0, "region": 1})
    latest["name"] = [
        NATIONAL_NAME if level == "national" else data.region_names.get(code, code)
        for level, code in zip(latest["geography_level"], latest["geography_code"], strict=True)
    ]
    measure = headline.measure
    body = [
        [row.name, fmt.number(row.previous_value, measure), fmt.number(row.change, measure),
         fmt.text(row.direction_of_travel) or fmt.MISSING]
        for row in rows_of(latest.sort_values(["order", "name"]))
    ]
    return page.table(
        f"{headline.label}: change from the year before and direction of travel, {year}",
        [Column("Geography"), Column("Previous year", numeric=True), Column("Change", numeric=True),
         Column("Direction of travel")],
        body,
    )
