"""Funnel plots: each trust's RL for WRES 2, 3 and 4 (official comparison) against its size.

The latest year only. The control limits are drawn around England's RL; how they are
computed is in exports/reports/funnel.py and is stated on the page (METHOD). A trust
outside the 99.8% limits is very unlikely to differ from England by chance alone. Each point's
position is shown by its marker shape (circle inside, triangle up above, triangle down
below) and, beyond 99.8%, by a label with the trust code, so colour is never needed.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from exports.reports import charts, page
from exports.reports import formatting as fmt
from exports.reports.funnel import LIMITS, Z_95, Z_998, FunnelBasis, funnel_basis, limit_curve, size_grid
from exports.reports.headlines import FUNNEL_HEADLINES, SIZE_LABELS, Headline, headline_filter, rows_of
from exports.reports.page import Column
from exports.reports.release_data import MissingData, ReleaseData

COLUMNS = [
    "metric_id", "reporting_year", "geography_level", "geography_code", "breakdown", "comparison", "value",
    "ci_lower", "ci_upper", "numerator_a", "denominator_a", "numerator_b", "denominator_b", "equity_band", "note",
]
HEIGHT = 520
MARGIN_BOTTOM = 110
RL = fmt.Measure.RELATIVE_LIKELIHOOD
LIMIT_PLACES = 3  # the limit curves are drawn, not published figures

METHOD = (
    "How the control limits are computed. Each trust's relative likelihood (RL) is plotted against its "
    "size n: the number of White and BME people it is based on (shortlisted applicants for WRES 2, "
    "headcount for WRES 3 and 4). The limits are drawn around England's RL θ₀ on the log scale, using the "
    "Katz standard error of ln RL, sqrt(1/a − 1/n₁ + 1/c − 1/n₂), written as a function of size alone: for a "
    "trust with England's mix of groups (share p₁ of the group of interest) and England's rates (r₁ and r₂), "
    "the standard error is k/√n with k² = (1 − r₁)/(p₁·r₁) + (1 − r₂)/(p₂·r₂). The limits are "
    "exp(ln θ₀ ± z·k/√n), with z = 1.96 for 95% and z = 3.09 for 99.8%. This is an approximation: a trust "
    "whose mix of groups differs from England's has a slightly different standard error, which is why its "
    "own 95% confidence interval (in the table) can disagree with its position near a limit."
)

CATEGORY_STYLES = {  # position → (marker symbol, glyph, colour, size)
    "within 95% limits": ("circle", "●", "#56B4E9", 9),
    "above 95% limit": ("triangle-up-open", "△", "#E69F00", 11),
    "above 99.8% limit": ("triangle-up", "▲", "#D55E00", 13),
    "below 95% limit": ("triangle-down-open", "▽", "#009E73", 11),
    "below 99.8% limit": ("triangle-down", "▼", "#0072B2", 13),
}


def funnel_section(data: ReleaseData, stats: dict) -> page.Section:
    section = page.Section("funnels", "Trusts compared with England: funnel plots")
    section.add(page.paragraph(
        "Each point is one trust in the latest year. Small trusts vary more by chance, so the limits "
        "around England's value widen as trusts get smaller, like a funnel. A trust above the upper "
        "99.8% limit has an RL higher than England's by more than chance would plausibly explain "
        "(if it were like England, this would happen about 1 time in 1,000); above 1 is adverse to "
        "BME staff for all three metrics."
    ))
    section.add(page.note(METHOD))
    where = headline_filter(["national", "trust"], [headline.metric_id for headline in FUNNEL_HEADLINES])
    try:
        # A funnel shows the reporting year: only its file is read, unless a headline has
        # no trust rows in it (then every year is read, and the funnel shows the latest).
        this_year = data.table("equity_metrics", COLUMNS, where={**where, "reporting_year": data.reporting_year})
    except MissingData as missing:
        section.add(page.unavailable("funnel plots", str(missing)))
        return section
    every_year = None
    made = rows = 0
    for headline in FUNNEL_HEADLINES:
        metrics = this_year
        if (headline.rows(this_year)["geography_level"] != "trust").all():
            every_year = data.table("equity_metrics", COLUMNS, where=where) if every_year is None else every_year
            metrics = every_year
        html, shown = _funnel(headline, metrics, data)
        section.add(html)
        made += shown > 0
        rows += shown
    stats["funnel plots"] = made
    stats["funnel table rows"] = rows
    return section


def _funnel(headline: Headline, metrics: pd.DataFrame, data: ReleaseData) -> tuple[str, int]:
    anchor = f"funnel-{headline.key}"
    rows = headline.rows(metrics)
    trusts_all_years = rows[rows["geography_level"] == "trust"]
    year = data.reporting_year
    if year not in set(trusts_all_years["reporting_year"]) and not trusts_all_years.empty:
        year = int(trusts_all_years["reporting_year"].max())
    heading = f'<div class="block" id="{anchor}"><h3>{page.escape(headline.label)}, {year}</h3>'
    trusts = trusts_all_years[trusts_all_years["reporting_year"] == year].copy()
    england = rows[(rows["geography_level"] == "national") & (rows["reporting_year"] == year)]
    if trusts.empty or england.empty:
        return heading + page.unavailable("this funnel plot", f"no trust or England rows for {year}") + "</div>", 0
    national = england.iloc[0]
    counts = [national[c] for c in ("numerator_a", "denominator_a", "numerator_b", "denominator_b")]
    basis = None if any(fmt.is_missing(c) for c in counts) else funnel_basis(*(float(c) for c in counts))
    if basis is None:
        return heading + page.unavailable(
            "this funnel plot", "England's RL or its counts are undefined, so there is no centre for the limits"
        ) + "</div>", 0

    trusts["size"] = trusts["denominator_a"] + trusts["denominator_b"]
    plottable = trusts[trusts["value"].notna() & (trusts["value"] > 0) & (trusts["size"] > 0)].copy()
    plottable["position"] = [basis.position(rl, size) for rl, size in zip(plottable["value"], plottable["size"], strict=True)]
    figure = _figure(headline, basis, plottable, data, year)
    counts_by_position = plottable["position"].value_counts()
    outside = [p for p in CATEGORY_STYLES if p != "within 95% limits" and counts_by_position.get(p, 0)]
    summary = (
        f"{fmt.plural(len(plottable), 'trust')} plotted; "
        + (", ".join(f"{counts_by_position[p]} {p}" for p in outside) if outside else "all within the 95% limits")
        + f". England's RL is {fmt.number(basis.england_rl, RL)}."
    )
    zero = trusts[trusts["value"] == 0]
    undefined = trusts[trusts["value"].isna()]
    notes = [headline.reading, summary]
    if not zero.empty:
        notes.append(f"Not plotted (an RL of 0 cannot be shown on a log scale): {', '.join(sorted(zero['geography_code']))}.")
    if not undefined.empty:
        notes.append(f"{fmt.plural(len(undefined), 'trust')} without an RL this year (undefined or no valid return); see the notes in the table.")
    alt = (
        f"Funnel plot of {headline.label} in {year}: {len(plottable)} trusts' RL against size, with "
        f"95% and 99.8% control limits around England's RL of {fmt.number(basis.england_rl, RL)}. {summary}"
    )
    table_rows = _table_rows(trusts, basis, data)
    limits_table = _limits_table(basis, trusts["size"].dropna())
    html = (
        heading
        + f"<figure>{charts.figure_html(figure, f'chart-{anchor}', alt)}</figure>"
        + "".join(page.paragraph(note) for note in notes)
        + page.details(
            f"Data behind this chart ({fmt.plural(len(table_rows), 'trust')})",
            page.table(
                f"{headline.label}, {year}: trusts, sizes and position against the limits",
                [Column("Trust"), Column("Name"), Column("Region"), Column("Size", numeric=True),
                 Column("RL", numeric=True), Column("RL 95% CI", numeric=True), Column("Equity band"),
                 Column("Position against England's limits"), Column("Note")],
                table_rows,
            )
            + limits_table,
        )
    )
    return html + "</div>", len(table_rows)


def _figure(headline: Headline, basis: FunnelBasis, trusts: pd.DataFrame, data: ReleaseData, year: int) -> go.Figure:
    figure = charts.new_figure()
    sizes = trusts["size"].astype(float)
    grid = size_grid(max(1.0, sizes.min() * 0.8), sizes.max() * 1.05) if not sizes.empty else size_grid(10, 1000)
    labels = []
    # The y range covers the trusts, England and the limits at the median size: the limits
    # for the very smallest sizes may run off the chart, which keeps the points readable.
    median_size = float(sizes.median()) if not sizes.empty else grid[len(grid) // 2]
    # Room above and below for the labels of trusts beyond the 99.8% limits.
    plotted = [*(trusts["value"] * 1.06), *(trusts["value"] / 1.06), basis.england_rl, *basis.limits(median_size, Z_998)]
    figure.add_trace(go.Scatter(
        x=[grid[0], grid[-1]], y=[fmt.rounded(basis.england_rl, RL)] * 2, mode="lines", name="England's RL",
        line=dict(color="#000000", width=2.5), hoverinfo="skip",
    ))
    labels.append((grid[-1], basis.england_rl, "", f"England {fmt.number(basis.england_rl, RL)}", "#000000"))
    for (level, z), dash in zip(LIMITS, ("dash", "dot"), strict=True):
        lower, upper = limit_curve(basis, grid, z)
        for side, curve in (("lower", lower), ("upper", upper)):
            figure.add_trace(go.Scatter(
                x=[round(size, 1) for size in grid], y=[round(value, LIMIT_PLACES) for value in curve],
                mode="lines", name=f"{level} limits", legendgroup=level, showlegend=side == "upper",
                line=dict(color="#505a5f", width=1.5, dash=dash), hoverinfo="skip",
            ))
            labels.append((grid[-1], curve[-1], "", f"{level} {side}", "#505a5f"))
    for position, (symbol, glyph, colour, size) in CATEGORY_STYLES.items():
        points = trusts[trusts["position"] == position]
        if points.empty:
            continue
        beyond = position.endswith("99.8% limit")
        names = [data.organisation_names.get(code, code) for code in points["geography_code"]]
        figure.add_trace(go.Scatter(
            x=[int(s) for s in points["size"]], y=charts.values(points["value"], RL),
            mode="markers+text" if beyond else "markers",
            text=list(points["geography_code"]) if beyond else None,
            textposition="top center", textfont=dict(size=11),
            name=f"{position} ({len(points)})",
            marker=dict(symbol=symbol, size=size, color=colour, line=dict(width=1.5, color=colour)),
            customdata=[[code, name] for code, name in zip(points["geography_code"], names, strict=True)],
            hovertemplate="%{customdata[0]} %{customdata[1]}<br>size %{x:,}<br>RL %{y:.2f}<extra></extra>",
        ))
    y_range = charts.axis_range(plotted, log=True, include=(1.0,))
    label_x = grid[-1] * 1.06
    figure.update_layout(**charts.base_layout(HEIGHT, right_margin=110, legend=True))
    figure.update_layout(margin=dict(b=MARGIN_BOTTOM), legend=dict(y=-0.16))
    figure.update_xaxes(title_text=f"Trust size: {SIZE_LABELS[headline.metric_id]}", rangemode="tozero",
                        tickformat=",d", range=[0, label_x])
    figure.update_yaxes(type="log", title_text="Relative likelihood (log scale)", range=y_range,
                        tickvals=charts.rl_ticks(y_range))
    figure.update_layout(annotations=charts.direct_labels(
        labels, y_range, log=True, label_x=label_x, plot_height_px=HEIGHT - charts.MARGIN_TOP - MARGIN_BOTTOM))
    return figure


def _table_rows(trusts: pd.DataFrame, basis: FunnelBasis, data: ReleaseData) -> list[list[str]]:
    rows = []
    for row in rows_of(trusts.sort_values("geography_code")):
        region = data.trust_regions.get(row.geography_code)
        if fmt.is_missing(row.value) or fmt.is_missing(row.size) or row.size <= 0:
            position = "not plotted (no RL)" if fmt.is_missing(row.value) else "not plotted"
        elif row.value == 0:
            position = "not plotted (RL of 0)"
        else:
            position = basis.position(row.value, row.size)
        rows.append([
            row.geography_code, data.organisation_names.get(row.geography_code, ""),
            data.region_names.get(region, region or ""), fmt.count(row.size), fmt.number(row.value, RL),
            fmt.interval(row.ci_lower, row.ci_upper, RL), fmt.text(row.equity_band), position, fmt.text(row.note),
        ])
    return rows


def _limits_table(basis: FunnelBasis, sizes: pd.Series) -> str:
    if sizes.empty:
        return ""
    quantiles = sorted({int(round(q)) for q in sizes.quantile([0, 0.25, 0.5, 0.75, 1.0]) if q > 0})
    body = []
    for size in quantiles:
        low95, high95 = basis.limits(size, Z_95)
        low998, high998 = basis.limits(size, Z_998)
        body.append([f"{size:,}", fmt.interval(low95, high95, RL), fmt.interval(low998, high998, RL)])
    return page.table(
        f"Control limits at sample sizes (England's RL {fmt.number(basis.england_rl, RL)}, k = {basis.k:.2f})",
        [Column("Size", numeric=True), Column("95% limits", numeric=True), Column("99.8% limits", numeric=True)],
        body,
    )
