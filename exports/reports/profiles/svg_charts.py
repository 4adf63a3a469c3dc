"""The profiles' charts as lean inline SVG: a spine chart and small trend charts.

Two hundred pages of plotly figures would be slow to build (each figure takes tens of
milliseconds to serialise) and need plotly.js beside them. Plain SVG draws the same in a few
hundred bytes a chart, with no script, and prints. The styles, glyphs, equity band and
rounding are the national report's (exports/reports/charts.py, formatting.py), so a glyph
means the same on every page. Each chart is `role="img"` with an aria-label that says what it
shows, and its figures are in a table on the same page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from exports.reports import charts
from exports.reports import formatting as fmt
from exports.reports.headlines import Headline
from exports.reports.page import escape
from exports.reports.trend_charts import BAND

FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif"'
RANGE_FILL, SPREAD_FILL = "#dcdcdc", "#a9a9a9"
DASHES = {"solid": "", "dash": "6 3", "dot": "2 3"}

# The three lines of a trend chart: the trust stands out; England and the region are told
# apart by pattern and marker as well as colour.
TRUST_STYLE = charts.SeriesStyle("solid", "diamond", "◆", "#D55E00", 3.0)
ENGLAND_STYLE = charts.SeriesStyle("dash", "circle", "●", "#000000", 2.0)
REGION_STYLE = charts.SeriesStyle("dot", "square", "■", "#0072B2", 2.0)


def _n(value: float) -> str:
    """A coordinate: a tenth of a pixel is finer than any screen shows."""
    return f"{value:.1f}"


def marker(symbol: str, x: float, y: float, size: float, fill: str, stroke: str = "#1d1d1b") -> str:
    """A plotly-named marker shape as SVG (circle, square, diamond, triangle-down; -open hollow)."""
    hollow = symbol.endswith("-open")
    symbol = symbol.removesuffix("-open")
    paint = f'fill="{"#ffffff" if hollow else fill}" stroke="{fill if hollow else stroke}" stroke-width="{2 if hollow else 1}"'
    r = size / 2
    if symbol == "square":
        return f'<rect x="{_n(x - r)}" y="{_n(y - r)}" width="{_n(size)}" height="{_n(size)}" {paint}/>'
    if symbol == "diamond":
        r *= 1.3
        points = f"{_n(x)},{_n(y - r)} {_n(x + r)},{_n(y)} {_n(x)},{_n(y + r)} {_n(x - r)},{_n(y)}"
        return f'<polygon points="{points}" {paint}/>'
    if symbol == "triangle-down":
        r *= 1.2
        points = f"{_n(x - r)},{_n(y - r)} {_n(x + r)},{_n(y - r)} {_n(x)},{_n(y + r)}"
        return f'<polygon points="{points}" {paint}/>'
    return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}" {paint}/>'


def svg(width: int, height: int, alt: str, body: str, css: str = "chart") -> str:
    """An inline SVG; with no `alt` it is decoration (a legend's key) and hidden from assistive technology."""
    label = f'role="img" aria-label="{escape(alt)}"' if alt else 'aria-hidden="true"'
    return (
        f'<svg class="{css}" {label} viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'{FONT} font-size="12">' + (f"<title>{escape(alt)}</title>" if alt else "") + f"{body}</svg>"
    )


def oriented(headline: Headline, value: float) -> float | None:
    """A value on the spine's axis, where more adverse is always to the right: RLs on a log
    scale (0.5 and 2 equally far from 1), and metrics where lower is adverse turned round."""
    if headline.measure.is_ratio:
        if value is None or value <= 0:
            return None
        value = math.log(value)
    return value if headline.higher_is_adverse else -value


# --- the spine chart -----------------------------------------------------------------


@dataclass(frozen=True)
class SpineRow:
    headline: Headline
    trust: float | None
    england: float | None
    region: float | None
    low: float  # least adverse trust value
    high: float  # most adverse
    quartiles: tuple[float, float]
    benchmark: str | None
    count: int


LABEL_W, BAR_W, VALUE_W, ROW_H, HEAD_H = 330, 480, 110, 34, 30


def spine_chart(rows: Sequence[SpineRow], trust_name: str, region_name: str) -> str:
    """One row per headline: the trust's value (its marker shows its benchmark against England)
    against the range of all trusts (light bar), their middle half (dark bar), England (black
    line) and the region (hollow triangle). More adverse is to the right on every row."""
    width = LABEL_W + BAR_W + VALUE_W
    height = HEAD_H + ROW_H * len(rows) + 8
    x0 = LABEL_W + 50
    span = BAR_W - 100
    parts = [
        f'<text x="{x0}" y="18" fill="#505a5f">◀ less adverse</text>',
        f'<text x="{x0 + span}" y="18" text-anchor="end" fill="#505a5f">more adverse ▶</text>',
        f'<text x="{width - 4}" y="18" text-anchor="end" font-weight="600">Trust</text>',
    ]
    described = []
    for index, row in enumerate(rows):
        headline, measure = row.headline, row.headline.measure
        y = HEAD_H + ROW_H * index + ROW_H / 2
        ends = [oriented(headline, row.low), oriented(headline, row.high)]
        points = [oriented(headline, v) for v in (row.trust, row.england, row.region) if v is not None]
        known = [p for p in (*ends, *points) if p is not None]
        lo, hi = min(known), max(known)
        pad = (hi - lo) * 0.04 or 0.1

        def x(value, lo=lo - pad, hi=hi + pad):
            return x0 + span * (value - lo) / (hi - lo)

        if index % 2 == 0:
            parts.append(f'<rect x="0" y="{_n(y - ROW_H / 2)}" width="{width}" height="{ROW_H}" fill="#f6f6f5"/>')
        parts.append(f'<text x="4" y="{_n(y + 4)}">{escape(headline.short_label)}</text>')
        low_x, high_x = x(ends[0]), x(ends[1])
        parts.append(f'<rect x="{_n(low_x)}" y="{_n(y - 6)}" width="{_n(max(high_x - low_x, 1))}" height="12" fill="{RANGE_FILL}"/>')
        q = sorted(oriented(headline, v) for v in row.quartiles)
        parts.append(f'<rect x="{_n(x(q[0]))}" y="{_n(y - 6)}" width="{_n(max(x(q[1]) - x(q[0]), 1))}" height="12" fill="{SPREAD_FILL}"/>')
        # The least and most adverse trusts' values at the ends of the range.
        parts.append(f'<text x="{_n(low_x - 4)}" y="{_n(y + 4)}" text-anchor="end" fill="#505a5f" font-size="11">'
                     f"{fmt.number(row.low, measure)}</text>")
        parts.append(f'<text x="{_n(high_x + 4)}" y="{_n(y + 4)}" fill="#505a5f" font-size="11">{fmt.number(row.high, measure)}</text>')
        if row.england is not None and oriented(headline, row.england) is not None:
            ex = x(oriented(headline, row.england))
            parts.append(f'<line x1="{_n(ex)}" x2="{_n(ex)}" y1="{_n(y - 12)}" y2="{_n(y + 12)}" stroke="#000" stroke-width="3"/>')
        if row.region is not None and oriented(headline, row.region) is not None:
            parts.append(marker("triangle-down-open", x(oriented(headline, row.region)), y - 10, 9, "#1d1d1b"))
        style = charts.BENCHMARK_STYLES.get(row.benchmark, charts.BENCHMARK_STYLES[None])
        trust_text = fmt.number(row.trust, measure, unit=True)
        if row.trust is not None and oriented(headline, row.trust) is not None:
            parts.append(marker(style.symbol, x(oriented(headline, row.trust)), y, 11, style.colour))
            trust_text += f" {style.glyph}"
        parts.append(f'<text x="{width - 4}" y="{_n(y + 4)}" text-anchor="end" font-weight="600">{escape(trust_text)}</text>')
        described.append(
            f"{headline.label}: {trust_name} {fmt.number(row.trust, measure, unit=True)}"
            + (f" ({style.words})" if row.trust is not None else " (no value)")
            + f", England {fmt.number(row.england, measure, unit=True)}, {region_name} {fmt.number(row.region, measure, unit=True)}, "
            f"trusts from {fmt.number(row.low, measure, unit=True)} to {fmt.number(row.high, measure, unit=True)}"
        )
    alt = f"Spine chart of {len(rows)} headline metrics for {trust_name}. " + "; ".join(described) + "."
    return svg(width, height, alt, "".join(parts), css="chart spine")


def spine_legend() -> str:
    """What the spine's marks mean, in words beside each mark (never colour alone)."""
    items = [
        svg(40, 16, "", f'<rect x="2" y="4" width="36" height="8" fill="{RANGE_FILL}"/>', "key") + " range of all trusts",
        svg(40, 16, "", f'<rect x="2" y="4" width="36" height="8" fill="{SPREAD_FILL}"/>', "key") + " middle half of trusts (25th to 75th percentile)",
        svg(16, 16, "", '<line x1="8" x2="8" y1="0" y2="16" stroke="#000" stroke-width="3"/>', "key") + " England",
        svg(16, 16, "", marker("triangle-down-open", 8, 7, 9, "#1d1d1b"), "key") + " the trust's region",
        *(svg(16, 16, "", marker(style.symbol, 8, 8, 10, style.colour), "key") + f" the trust, {escape(style.words)}"
          for style in charts.BENCHMARK_STYLES.values()),
    ]
    return '<ul class="legend">' + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


# --- small trend charts ----------------------------------------------------------------

TREND_W, TREND_H = 280, 150
PLOT = (46, 10, 12, 26)  # left, top, right, bottom margins


def trend_chart(headline: Headline, years: Sequence[int], series: Sequence[tuple[str, charts.SeriesStyle, dict]],
                alt: str) -> str:
    """A small line chart over the release's years: `series` are (name, style, year → value).
    A year without a value is a gap, never a zero."""
    measure = headline.measure
    log = measure.is_ratio
    values = [v for _, _, by_year in series for v in by_year.values() if v is not None and (v > 0 or not log)]
    left, top, right, bottom = PLOT
    width, height = TREND_W - left - right, TREND_H - top - bottom
    parts = []
    if values:
        scale = (lambda v: math.log(v)) if log else (lambda v: v)
        band = [scale(b) for b in BAND] if log else []
        lo, hi = min(map(scale, values)), max(map(scale, values))
        if log:
            lo, hi = min(lo, band[0]), max(hi, band[1])
        pad = (hi - lo) * 0.08 or (0.1 if log else max(abs(hi) * 0.1, 1.0))
        lo, hi = lo - pad, hi + pad

        px = {year: left + (width * (index + 0.5) / len(years)) for index, year in enumerate(years)}  # year → x

        def py(value):
            return top + height * (hi - scale(value)) / (hi - lo)

        if log:
            y1, y2 = py(BAND[1]), py(BAND[0])
            parts.append(f'<rect x="{left}" y="{_n(y1)}" width="{width}" height="{_n(y2 - y1)}" fill="{charts.BAND_FILL}"/>')
        for tick in (lo + pad, hi - pad) if hi - pad != lo + pad else (lo + pad,):
            value = math.exp(tick) if log else tick
            parts.append(f'<text x="{left - 4}" y="{_n(py(value) + 4)}" text-anchor="end" font-size="10" fill="#505a5f">'
                         f"{fmt.number(value, measure)}</text>")
            parts.append(f'<line x1="{left}" x2="{left + width}" y1="{_n(py(value))}" y2="{_n(py(value))}" stroke="{charts.GRID}"/>')
        lines, markers = [], []
        for _, style, by_year in series:
            runs, run = [], []
            for year in years:
                value = by_year.get(year)
                if value is None or (log and value <= 0):
                    runs, run = runs + [run], []
                    continue
                x, y = px[year], py(value)
                run.append(f"{_n(x)},{_n(y)}")
                markers.append(marker(style.symbol, x, y, 7, style.colour, style.colour))
            dash = DASHES.get(style.dash, "")
            lines += [
                f'<polyline points="{" ".join(points)}" fill="none" stroke="{style.colour}" stroke-width="{style.width}"'
                + (f' stroke-dasharray="{dash}"' if dash else "") + "/>"
                for points in [*runs, run] if len(points) > 1
            ]
        parts += lines + markers  # markers over the lines
    else:
        parts.append(f'<text x="{TREND_W / 2}" y="{TREND_H / 2}" text-anchor="middle" fill="#505a5f">No values</text>')
    parts.append(f'<line x1="{left}" x2="{left + width}" y1="{top + height}" y2="{top + height}" stroke="#1d1d1b"/>')
    step = max(1, math.ceil(len(years) / 5))
    for index, year in enumerate(years):
        if index % step == 0 or index == len(years) - 1:
            x = left + width * (index + 0.5) / len(years)
            parts.append(f'<text x="{_n(x)}" y="{TREND_H - 8}" text-anchor="middle" font-size="10">{year}</text>')
    return svg(TREND_W, TREND_H, alt, "".join(parts), css="chart trend")


def trend_legend(trust_name: str, region_name: str) -> str:
    items = []
    for name, style in ((trust_name, TRUST_STYLE), ("England", ENGLAND_STYLE), (region_name, REGION_STYLE)):
        dash = DASHES.get(style.dash, "")
        sample = (f'<line x1="0" x2="36" y1="8" y2="8" stroke="{style.colour}" stroke-width="{style.width}"'
                  + (f' stroke-dasharray="{dash}"' if dash else "") + "/>" + marker(style.symbol, 18, 8, 8, style.colour, style.colour))
        items.append(svg(36, 16, "", sample, "key") + f" {escape(style.glyph)} {escape(name)}")
    return '<ul class="legend">' + "".join(f"<li>{item}</li>" for item in items) + "</ul>"
