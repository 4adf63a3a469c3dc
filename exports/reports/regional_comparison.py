"""Regional comparison without a map: a dot plot of the regions for each headline metric.

The latest year. Each region is a dot with its 95% confidence interval as a horizontal bar;
England's value is the vertical line, with its interval shaded. Where the release has
`equity_benchmarks`, each region's benchmark against England (better, similar or worse)
sets its marker shape and is written beside it, so the comparison is readable without
colour. For the survey indicators the region's White percentage is shown as an open circle.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from exports.reports import charts, page
from exports.reports import formatting as fmt
from exports.reports.headlines import HEADLINES, Headline, for_picking, headline_filter, is_survey, rows_of
from exports.reports.page import Column
from exports.reports.release_data import MissingData, ReleaseData
from exports.reports.trend_charts import BAND, METRIC_COLUMNS

# The trend charts' selection of England's and the regions' rows: read once for both (keep).
COLUMNS = METRIC_COLUMNS
BENCHMARK_COLUMNS = [
    "metric_id", "reporting_year", "geography_level", "geography_code", "breakdown", "group", "comparison", "benchmark",
]
ROW_HEIGHT = 46
MARGIN_TOP, MARGIN_BOTTOM = charts.MARGIN_TOP + 16, 96  # room above for England's label


def regions_section(data: ReleaseData, stats: dict) -> page.Section:
    section = page.Section("regions", "Regions compared with England")
    section.add(page.paragraph(
        "For the latest year, each region's value with its 95% confidence interval (the horizontal bar). "
        "The vertical line is England, with England's interval shaded. A region is 'better' or 'worse' "
        "than England when its whole interval lies on one side of England's value (nearer to or further "
        "from equity), and 'similar' otherwise."
    ))
    try:
        metrics = data.table("equity_metrics", COLUMNS, where=headline_filter(["national", "region"]), keep=True)
    except MissingData as missing:
        section.add(page.unavailable("regional comparison", str(missing)))
        return section
    benchmarks = _benchmarks(data)
    if benchmarks is None:
        section.add(page.note(
            "Benchmarks against England are not available in this release (table equity_benchmarks is not "
            "published yet): regions are shown without a better, similar or worse label."
        ))
    metrics = for_picking(metrics)
    made = rows = 0
    for headline in HEADLINES:
        html, charted, shown = _dot_plot(headline, metrics, benchmarks, data)
        section.add(html)
        made += charted
        rows += shown
    stats["regional charts"] = made
    stats["regional table rows"] = rows
    return section


def _benchmarks(data: ReleaseData) -> pd.DataFrame | None:
    try:
        benchmarks = data.table("equity_benchmarks", BENCHMARK_COLUMNS, where=headline_filter(["region"]))
    except MissingData:
        return None
    return for_picking(benchmarks)


def _dot_plot(
    headline: Headline, metrics: pd.DataFrame, benchmarks: pd.DataFrame | None, data: ReleaseData
) -> tuple[str, bool, int]:
    anchor = f"region-{headline.key}"
    rows = headline.rows(metrics)
    years = rows.loc[rows["geography_level"] == "region", "reporting_year"]
    year = data.reporting_year if data.reporting_year in set(years) or years.empty else int(years.max())
    heading = f'<div class="block" id="{anchor}"><h3>{page.escape(headline.label)}, {year}</h3>'
    regions = rows[(rows["geography_level"] == "region") & (rows["reporting_year"] == year)].copy()
    if regions.empty:
        return heading + page.unavailable("this regional comparison", f"no regional rows for {year}") + "</div>", False, 0
    england = rows[(rows["geography_level"] == "national") & (rows["reporting_year"] == year)]
    regions["name"] = [data.region_names.get(code, code) for code in regions["geography_code"]]
    regions["benchmark"] = _benchmark_of(headline, regions, benchmarks, year)
    if is_survey(headline.metric_id):
        white = headline.rows(metrics, group="White")
        white = white[(white["geography_level"] == "region") & (white["reporting_year"] == year)]
        regions["white"] = regions["geography_code"].map(dict(zip(white["geography_code"], white["value"], strict=True)))
    measure = headline.measure
    shown = regions[regions["value"].notna() & ((regions["value"] > 0) | (not measure.is_ratio))]
    shown = shown.sort_values(["value", "name"], ascending=[True, True])
    not_shown = regions[~regions.index.isin(shown.index)]

    figure = _figure(headline, shown, england, year) if not shown.empty else None
    counts = shown["benchmark"].value_counts()
    benchmark_text = (
        "; ".join(f"{counts[b]} {b} than England" if b != "similar" else f"{counts[b]} similar to England"
                  for b in ("worse", "similar", "better") if counts.get(b))
        if benchmarks is not None else ""
    )
    england_text = (
        f"England: {fmt.number(england.iloc[0]['value'], measure, unit=True)}" if not england.empty else "England: no value"
    )
    alt = (
        f"Dot plot of {headline.label} in {year} for {fmt.plural(len(shown), 'region')} with 95% confidence intervals. "
        f"{england_text}. {benchmark_text}"
    )
    notes = [headline.reading]
    if benchmark_text:
        notes.append(f"Against England: {benchmark_text}.")
    if not not_shown.empty:
        reasons = [f"{row.name} ({'suppressed' if _is_true(row.suppressed) else 'no value'})" for row in rows_of(not_shown, index=True)]
        notes.append("Not shown: " + ", ".join(sorted(reasons)) + ". See the table for why.")
    table_rows = [
        [row.name, fmt.number(row.value, measure), fmt.interval(row.ci_lower, row.ci_upper, measure),
         *([fmt.number(row.white, measure)] if "white" in regions else []),
         fmt.text(row.benchmark) or fmt.MISSING,
         f"{fmt.count(row.trusts_contributing)} / {fmt.count(row.trusts_expected)}", fmt.text(row.note)]
        for row in rows_of(regions.sort_values("name"), index=True)
    ]
    headings = [Column("Region"), Column("Value", numeric=True), Column("95% CI", numeric=True),
                *([Column("White staff", numeric=True)] if "white" in regions else []),
                Column("Benchmark against England"), Column("Trusts contributing / expected", numeric=True),
                Column("Note")]
    html = (
        heading
        + (f"<figure>{charts.figure_html(figure, f'chart-{anchor}', alt)}</figure>" if figure is not None
           else page.note(f"No chart: no region has a value for {year}."))
        + "".join(page.paragraph(note) for note in notes)
        + page.details(
            f"Data behind this chart ({fmt.plural(len(table_rows), 'region')})",
            page.table(f"{headline.label}, {year}: regions", headings, table_rows),
        )
    )
    return html + "</div>", figure is not None, len(table_rows)


def _is_true(value) -> bool:
    return not fmt.is_missing(value) and bool(value)


def _benchmark_of(headline: Headline, regions: pd.DataFrame, benchmarks: pd.DataFrame | None, year: int) -> list:
    if benchmarks is None:
        return [None] * len(regions)
    found = headline.rows(benchmarks)
    found = found[found["reporting_year"] == year]
    by_code = dict(zip(found["geography_code"], found["benchmark"], strict=True))
    return [by_code.get(code) if not fmt.is_missing(by_code.get(code)) else None for code in regions["geography_code"]]


def _figure(headline: Headline, shown: pd.DataFrame, england: pd.DataFrame, year: int) -> go.Figure:
    measure = headline.measure
    log = measure.is_ratio
    figure = charts.new_figure()
    plotted = [*shown["value"], *shown["ci_lower"], *shown["ci_upper"]]
    shapes = []
    if not england.empty and not fmt.is_missing(england.iloc[0]["value"]):
        national = england.iloc[0]
        plotted += [national["value"], national["ci_lower"], national["ci_upper"]]
        if not fmt.is_missing(national["ci_lower"]) and not fmt.is_missing(national["ci_upper"]):
            shapes.append(dict(type="rect", yref="paper", y0=0, y1=1, xref="x",
                               x0=fmt.rounded(national["ci_lower"], measure), x1=fmt.rounded(national["ci_upper"], measure),
                               fillcolor="rgba(0, 0, 0, 0.10)", line=dict(width=0), layer="below"))
        shapes.append(dict(type="line", yref="paper", y0=0, y1=1, xref="x",
                           x0=fmt.rounded(national["value"], measure), x1=fmt.rounded(national["value"], measure),
                           line=dict(color="#000000", width=2.5)))
        figure.add_annotation(x=charts.axis_position(fmt.rounded(national["value"], measure), log=log), xref="x", y=1, yref="paper", yanchor="bottom",
                              text=f"England {fmt.number(national['value'], measure)}", showarrow=False,
                              font=dict(size=12, color="#000000"))
    if log:
        shapes += charts.equity_band(*BAND, vertical=True)
    elif measure is fmt.Measure.PERCENTAGE_POINTS:
        shapes.append(charts.reference_line(0, "no gap", vertical=True))
    if "white" in shown:
        plotted += list(shown["white"])
        figure.add_trace(go.Scatter(
            x=charts.values(shown["white"], measure), y=list(shown["name"]), mode="markers", name="White staff",
            marker=dict(symbol="circle-open", size=11, color="#000000", line=dict(width=2)),
            hovertemplate=f"%{{y}}: White %{{x:.{measure.decimals}f}}<extra></extra>",
        ))
    for benchmark, style in charts.BENCHMARK_STYLES.items():
        points = shown[shown["benchmark"].isna()] if benchmark is None else shown[shown["benchmark"] == benchmark]
        if points.empty:
            continue
        symbol, colour, label = style.symbol, style.colour, style.words
        value = charts.values(points["value"], measure)
        upper = [None if fmt.is_missing(u) else fmt.rounded(u - v, measure) for u, v in zip(points["ci_upper"], value, strict=True)]
        lower = [None if fmt.is_missing(lo) else fmt.rounded(v - lo, measure) for lo, v in zip(points["ci_lower"], value, strict=True)]
        texts = [f"{fmt.number(v, measure)}" + (f" · {benchmark}" if benchmark else "") for v in points["value"]]
        figure.add_trace(go.Scatter(
            x=value, y=list(points["name"]), mode="markers+text", name=label,
            text=texts, textposition="top center", textfont=dict(size=11),
            error_x=dict(type="data", symmetric=False, array=upper, arrayminus=lower, thickness=2, width=5,
                         color="#505a5f"),
            marker=dict(symbol=symbol, size=12, color=colour, line=dict(width=1, color="#1d1d1b")),
            hovertemplate=f"%{{y}}: %{{x:.{measure.decimals}f}}<extra>{label}</extra>",
        ))
    x_range = charts.axis_range(plotted, log=log, include=BAND if log else ())
    height = MARGIN_TOP + MARGIN_BOTTOM + ROW_HEIGHT * max(len(shown), 4)  # room for labels with few regions
    figure.update_layout(**charts.base_layout(height, legend=True))
    figure.update_layout(margin=dict(l=190, t=MARGIN_TOP, b=MARGIN_BOTTOM), shapes=shapes,
                         legend=dict(y=-60 / (height - MARGIN_TOP - MARGIN_BOTTOM)))
    figure.update_yaxes(type="category", categoryorder="array", categoryarray=list(shown["name"]),
                        range=[-0.6, len(shown) - 0.4],  # half a row of room above the top region's label
                        gridcolor="#eeeeee", showgrid=True, automargin=True)
    if log:
        figure.update_xaxes(type="log", range=x_range, tickvals=charts.rl_ticks(x_range) if x_range else None,
                            title_text="Relative likelihood (log scale)", showgrid=True, gridcolor="#eeeeee")
    else:
        figure.update_xaxes(range=x_range, title_text=measure.label.capitalize()
                            + (f" ({measure.unit.strip()})" if measure.unit else ""), showgrid=True, gridcolor="#eeeeee")
    return figure
