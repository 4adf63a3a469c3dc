"""`reports/profiles/regions/<code>.html`: a region against England, and its trusts side by side.

The region's figures include concerns (published for regions and England). The heat table
has a row per trust expected in the reporting year and a column per trust headline metric;
each cell is tinted by the trust's benchmark against England (equity_benchmarks) and carries
the benchmark's glyph and, for screen readers, its words. Its columns sort from the keyboard.
"""

from __future__ import annotations

from exports.reports import charts, page
from exports.reports import formatting as fmt
from exports.reports.headlines import HEADLINES, TRUST_HEADLINES
from exports.reports.page import Cell, Column
from exports.reports.profiles.profile_data import ProfileData
from exports.reports.profiles.trust_page import benchmark_cell, direction, value_with_unit

HEAT_TABLE_ID = "heat-table"


def region_sections(data: ProfileData, code: str, trusts: list[str]) -> list[page.Section]:
    return [_against_england(data, code), _heat_table(data, code, trusts)]


def _against_england(data: ProfileData, code: str) -> page.Section:
    section = page.Section("england", "The region against England")
    section.add(page.paragraph(
        "Regional figures pool the counts of the region's trusts with a valid return; they are not averages of "
        "trust figures. Concerns casework is published for regions and England only."
    ))
    rows = []
    for headline in HEADLINES:
        row = data.figure(code, headline)
        rows.append([
            headline.label,
            value_with_unit(row, headline),
            fmt.interval((row or {}).get("ci_lower"), (row or {}).get("ci_upper"), headline.measure),
            value_with_unit(data.national(headline), headline),
            benchmark_cell(data.benchmark(code, headline)),
            direction(data, code, headline),
            fmt.text((row or {}).get("note")),
        ])
    section.add(page.table(
        f"{data.region_name(code)} and England, {data.year}",
        [Column("Metric"), Column("Region", numeric=True), Column("95% CI", numeric=True),
         Column("England", numeric=True), Column("Against England"), Column("Direction of travel"), Column("Note")],
        rows,
    ))
    return section


def _heat_table(data: ProfileData, code: str, trusts: list[str]) -> page.Section:
    section = page.Section("trusts", "Its trusts side by side")
    legend = "; ".join(f"{style.glyph} {style.words}" for style in charts.BENCHMARK_STYLES.values())
    section.add(page.paragraph(
        f"Each of the region's {len(trusts)} trusts (rows) on each headline metric (columns), in {data.year}. "
        f"A cell's shade and symbol give the trust's benchmark against England: {legend}. Select a column's "
        "heading to sort by it (again to reverse); trusts without a value go last."
    ))
    rows = []
    for trust in trusts:
        cells = [
            Cell(data.name(trust), sort=data.name(trust).lower(),
                 markup=page.link(f"../trusts/{trust}.html", data.name(trust))),
            data.trust_type(trust) or "not known",
        ]
        for headline in TRUST_HEADLINES:
            row = data.figure(trust, headline)
            value = (row or {}).get("value")
            cells.append(benchmark_cell(
                data.benchmark(trust, headline), text=value_with_unit(row, headline),
                sort="" if value is None else repr(float(value)),
            ))
        rows.append(cells)
    section.add(page.table(
        f"{data.region_name(code)}: trusts by headline metric, {data.year}",
        [Column("Trust"), Column("Type"), *(Column(headline.short_label, numeric=True) for headline in TRUST_HEADLINES)],
        rows, sortable=True, table_id=HEAT_TABLE_ID, empty="no trust of this region is expected this year.",
    ))
    return section
