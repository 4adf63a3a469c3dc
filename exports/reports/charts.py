"""Charts that can be read without colour, embedded in a page that works offline.

- Every series has its own line pattern (dash), marker symbol and a direct label at its
  last point (with the marker's glyph), as well as its own colour (Okabe-Ito palette, safe
  for the common colour-vision deficiencies). Colour is never the only cue.
- plotly.js goes into the page once, inline (`plotly_js()`); each figure is a `<div>` with
  `role="img"` and an `aria-label` that says what the chart shows. Its data is in a
  `<details>` table next to it, which is the accessible version of the chart.
- Figures get fixed ids and plain JSON numbers (lists of Python floats, already rounded to
  the displayed places), so the page is byte-identical for the same data and carries no
  more precision than the report shows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from exports.reports.formatting import Measure, is_missing, rounded
from exports.reports.page import escape

FONT = "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif"
INK = "#1d1d1b"
GRID = "#dddddd"
BAND_FILL = "rgba(0, 94, 184, 0.08)"  # light blue: not the grey of a CI
CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
}
MARGIN_TOP = 24
LABEL_HEIGHT_PX = 17  # vertical room one direct label needs
# Tick sets for RL log axes, from fine to coarse; the finest that is not crowded is used.
RL_TICK_SETS = (
    (0.5, 0.67, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0),
    (0.25, 0.5, 0.8, 1.0, 1.25, 2.0, 4.0),
    (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0),
)


@dataclass(frozen=True)
class SeriesStyle:
    dash: str
    symbol: str
    glyph: str  # the marker symbol as text, for direct labels and tables
    colour: str
    width: float = 2.0


# England first (solid, black, thick); then one style per region. Patterns and symbols
# differ pairwise, so two lines can be told apart in greyscale print.
SERIES_STYLES = (
    SeriesStyle("solid", "circle", "●", "#000000", 3.5),
    SeriesStyle("dash", "square", "■", "#0072B2"),
    SeriesStyle("dot", "diamond", "◆", "#D55E00"),
    SeriesStyle("dashdot", "triangle-up", "▲", "#009E73"),
    SeriesStyle("longdash", "triangle-down", "▼", "#CC79A7"),
    SeriesStyle("longdashdot", "x", "✕", "#E69F00"),
    SeriesStyle("6px,3px,2px,3px,2px,3px", "cross", "✚", "#56B4E9"),
    SeriesStyle("2px,2px", "star", "★", "#8C564B"),
    SeriesStyle("12px,3px", "hexagon", "⬢", "#7F7F7F"),
    SeriesStyle("12px,3px,2px,3px", "pentagon", "⬟", "#4B0092"),
)


@dataclass(frozen=True)
class BenchmarkStyle:
    """How a benchmark against England is shown: marker shape, its glyph, colour and words."""

    symbol: str  # plotly marker symbol
    glyph: str
    colour: str
    tint: str  # light background for a table cell, dark text stays readable on it
    words: str


# equity_benchmarks' `benchmark` → its style; None: no benchmark (no interval, or no England).
BENCHMARK_STYLES = {
    "better": BenchmarkStyle("diamond", "◆", "#009E73", "#d4efe6", "better than England"),
    "similar": BenchmarkStyle("circle", "●", "#56B4E9", "#e3f2fb", "similar to England"),
    "worse": BenchmarkStyle("square", "■", "#D55E00", "#f9dcc8", "worse than England"),
    None: BenchmarkStyle("circle-open", "○", "#505a5f", "#ffffff", "not benchmarked"),
}


def series_style(index: int) -> SeriesStyle:
    return SERIES_STYLES[index % len(SERIES_STYLES)]


def plotly_js() -> str:
    """plotly.js, to be inlined once per page (no CDN: the page works offline)."""
    return get_plotlyjs()


def values(items, measure: Measure) -> list[float | None]:
    """Plain, rounded JSON numbers for a figure (None for a gap)."""
    return [rounded(item, measure) for item in items]


def base_layout(height: int, *, right_margin: int = 40, legend: bool = False) -> dict:
    """The page's heading names the chart, so the figure has no title of its own."""
    return dict(
        height=height,
        margin=dict(l=70, r=right_margin, t=MARGIN_TOP, b=56),
        font=dict(family=FONT, size=13, color=INK),
        paper_bgcolor="white",
        plot_bgcolor="white",
        showlegend=legend,
        legend=dict(orientation="h", x=0, xanchor="left", y=-0.18, yanchor="top"),
        hoverlabel=dict(font=dict(family=FONT)),
    )


def axis_range(numbers: Sequence[float | None], *, log: bool, include: Sequence[float] = (), pad: float = 0.06):
    """[low, high] covering the numbers (in log10 units for a log axis), padded."""
    finite = [n for n in (*numbers, *include) if not is_missing(n) and math.isfinite(n) and (n > 0 or not log)]
    if not finite:
        return None
    low, high = min(finite), max(finite)
    if log:
        low, high = math.log10(low), math.log10(high)
    span = high - low or (0.1 if log else max(abs(high) * 0.1, 1.0))
    return [low - pad * span, high + pad * span]


def rl_ticks(range_log10: Sequence[float] | None) -> list[float] | None:
    """Ticks for an RL log axis: the finest set whose ticks stay readable in this range."""
    if not range_log10:
        return None
    low, high = 10 ** range_log10[0], 10 ** range_log10[1]
    span = range_log10[1] - range_log10[0]
    choice = RL_TICK_SETS[0] if span <= 0.7 else RL_TICK_SETS[1] if span <= 1.3 else RL_TICK_SETS[2]
    return [tick for tick in choice if low <= tick <= high]


def axis_position(value: float, *, log: bool) -> float:
    """An annotation's coordinate on an axis: plotly wants log10 units on a log axis."""
    return math.log10(value) if log else value


def direct_labels(
    labels: Sequence[tuple[float, float, str, str, str]],
    y_range: Sequence[float],
    *,
    log: bool,
    label_x: float,
    plot_height_px: int,
    final_x: float | None = None,
) -> list[dict]:
    """Direct labels: each series' name beside the plot, joined to its last point by a thin line.

    `labels` are (x, y) of the series' last point, its marker glyph (or ""), its name and its
    colour. The glyph and leader line are in the series' colour; the name is in dark ink, so
    it is readable whatever the colour's contrast with white. `label_x` is where the
    labels start (the right edge of the x range, in data units); `y_range` is the fixed y
    range (log10 units on a log axis, as plotly wants them). Labels are pushed apart to at
    least one label height and kept inside the plot, so they never overlap; the leader line
    shows which point each belongs to. A series whose last point comes before `final_x` (e.g.
    later years suppressed) gets no leader line, which would look like data, and its label
    says the year of its last value instead.
    """
    if not labels:
        return []
    low, high = y_range
    gap = LABEL_HEIGHT_PX / max(plot_height_px, 1) * (high - low)
    placed = []
    for x, value, glyph, name, colour in labels:
        level = axis_position(value, log=log)
        early = final_x is not None and x < final_x
        text = (f'<span style="color:{colour}">{escape(glyph)}</span> ' if glyph else "") + escape(name)
        text += f" (last value {x:g})" if early else ""
        placed.append([level, level, x, text, colour, not early])
    placed.sort(key=lambda item: item[0])
    # Spread upwards, then pull down from the top if the last label went over.
    for index in range(1, len(placed)):
        placed[index][1] = max(placed[index][1], placed[index - 1][1] + gap)
    if placed[-1][1] > high - gap / 2:
        placed[-1][1] = high - gap / 2
        for index in range(len(placed) - 2, -1, -1):
            placed[index][1] = min(placed[index][1], placed[index + 1][1] - gap)
    return [
        dict(
            x=x if leader else label_x, y=level if leader else label_level, xref="x", yref="y",
            ax=label_x, ay=label_level, axref="x", ayref="y",
            xanchor="left", yanchor="middle", text=text, align="left",
            showarrow=leader, arrowhead=0, arrowwidth=1, arrowcolor=colour, standoff=5,
            font=dict(size=12, color=INK),
        )
        for level, label_level, x, text, colour, leader in placed
    ]


def equity_band(lower: float, upper: float, *, vertical: bool = False) -> list[dict]:
    """The equity band (e.g. 0.80-1.25) as a tinted strip, labelled, and the line at 1.

    Horizontal (across the plot) for a chart with RL on the y axis; vertical for RL on x.
    Shapes take data values even on a log axis (annotations do not).
    """
    label = dict(text=f"equity band {lower:.2f} to {upper:.2f}", font=dict(size=11, color="#005eb8"),
                 textposition="bottom left")
    if vertical:
        band = dict(type="rect", yref="paper", y0=0, y1=1, xref="x", x0=lower, x1=upper)
        one = dict(type="line", yref="paper", y0=0, y1=1, xref="x", x0=1, x1=1)
    else:
        band = dict(type="rect", xref="paper", x0=0, x1=1, yref="y", y0=lower, y1=upper)
        one = dict(type="line", xref="paper", x0=0, x1=1, yref="y", y0=1, y1=1)
    return [
        {**band, "fillcolor": BAND_FILL, "line": dict(width=0), "layer": "below", "label": label},
        {**one, "line": dict(color="#6f777b", width=1, dash="dot"), "layer": "below"},
    ]


def reference_line(value: float, text: str, *, vertical: bool = False) -> dict:
    """A labelled line across the plot at a value (e.g. a gap of 0): horizontal, or vertical."""
    font = dict(size=11, color="#505a5f")
    line = dict(line=dict(color="#6f777b", width=1.5, dash="dot"), layer="below",
                label=dict(text=text, textposition="start", yanchor="bottom", font=font))
    if vertical:  # label across, at the foot of the line
        line["label"] = dict(text=text, textposition="start", textangle=0, xanchor="left", yanchor="bottom", font=font)
        return dict(type="line", yref="paper", y0=0, y1=1, xref="x", x0=value, x1=value, **line)
    return dict(type="line", xref="paper", x0=0, x1=1, yref="y", y0=value, y1=value, **line)


def figure_html(figure: go.Figure, div_id: str, alt_text: str) -> str:
    """The figure as a `<div role="img">` whose plot is drawn by the page's plotly.js."""
    inner = pio.to_html(
        figure,
        full_html=False,
        include_plotlyjs=False,
        include_mathjax=False,
        div_id=div_id,
        config=CONFIG,
        validate=True,
    )
    return f'<div class="chart" role="img" aria-label="{escape(alt_text)}">{inner}</div>'


def new_figure() -> go.Figure:
    """An empty figure in the reports' style. Template "none": every style the charts use is
    set here or in base_layout, and plotly's default template is slow to apply (0.15 s each)."""
    return go.Figure(layout=dict(
        template="none",
        xaxis=dict(showgrid=False, linecolor=INK, ticks="outside", zeroline=False, showline=True),
        yaxis=dict(showgrid=True, gridcolor=GRID, linecolor=INK, ticks="outside", zeroline=False, showline=True),
    ))
