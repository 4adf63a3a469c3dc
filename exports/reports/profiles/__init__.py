"""Profiles: one page per trust and per region, and an index, under `reports/profiles/`.

    reports/profiles/index.html            find a trust as you type; trusts by region and type
    reports/profiles/trusts/<code>.html    every trust expected in the reporting year
    reports/profiles/regions/<code>.html   every region, with its trusts in a sortable heat table

Built from the release's own parquet (ReleaseData), as a reader would, never from the
warehouse; on the shared page template (exports/reports/page.py), so they carry whatever
every report page carries. A release without equity_metrics (or without the columns the
profiles read) gets no profiles, and the log says why. The charts are inline SVG (svg_charts.py): no script library at
all, so a profile is tens of kilobytes and 200 of them take seconds.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from exports.reports import page
from exports.reports.release_data import MissingData, ReleaseData
from exports.reports.profiles.index_page import SEARCH_SCRIPT, index_sections, region_href
from exports.reports.profiles.profile_data import ProfileData
from exports.reports.profiles.region_page import region_sections
from exports.reports.profiles.trust_page import trust_sections

PROFILES_FOLDER = "profiles"
INDEX_FILE = "index.html"
TRUSTS_FOLDER, REGIONS_FOLDER = "trusts", "regions"

logger = logging.getLogger(__name__)

# Rules only the profiles use, beside the shared style sheet.
STYLE = """
.muted { color: var(--muted); font-weight: normal; font-size: 0.9rem; }
svg.chart { max-width: 100%; height: auto; }
svg.spine { border: 1px solid var(--rule); }
svg.key { vertical-align: middle; }
ul.legend { display: flex; flex-wrap: wrap; gap: 4px 24px; list-style: none; padding: 0; }
.grid { display: flex; flex-wrap: wrap; gap: 8px 24px; }
figure.small { width: 280px; margin: 8px 0; }
figure.small figcaption { font-weight: 600; font-size: 0.9rem; }
.grid .table-wrap { flex: 0 0 auto; }
#heat-table { font-size: 0.85rem; }
#heat-table td { white-space: nowrap; }
#heat-table tbody th { min-width: 14em; }
td.bm-better { background: #d4efe6; } td.bm-similar { background: #e3f2fb; } td.bm-worse { background: #f9dcc8; }
#trust-search { font: inherit; padding: 4px 8px; border: 2px solid var(--ink); }
#trust-search:focus { outline: 3px solid #ffb81c; }
"""


def write_profiles(data: ReleaseData, reports_dir: Path) -> list[Path]:
    """Write the index, a profile per expected trust and per region; return their paths."""
    started = time.perf_counter()
    folder = reports_dir / PROFILES_FOLDER
    try:
        profiles = ProfileData(data)
    except MissingData as missing:
        logger.info("Profiles: not written (%s)", missing)
        return []
    trusts = profiles.expected_trusts
    (folder / TRUSTS_FOLDER).mkdir(parents=True, exist_ok=True)
    (folder / REGIONS_FOLDER).mkdir(parents=True, exist_ok=True)
    year = profiles.year
    written = [_write(folder / INDEX_FILE, page.document(
        title=f"NHS workforce race equality: trust and region profiles {year}",
        lede="Where each trust and region stands on the equity metrics of this release, one page each.",
        facts=[("Reporting year", str(year)), ("Trusts", str(len(trusts))), ("Regions", str(len(profiles.regions)))],
        sections=index_sections(profiles, trusts),
        footer=_footer(""),
        style=STYLE, body_scripts=[SEARCH_SCRIPT], candidate=data.context.candidate,
    ))]
    for code in trusts:
        region = profiles.region_of(code)
        written.append(_write(folder / TRUSTS_FOLDER / f"{code}.html", page.document(
            title=f"{profiles.name(code)} ({code}): equity profile {year}",
            lede=("Where this trust stands on the equity metrics of the Workforce Race Equality Standard and the "
                  "NHS Staff Survey: against all trusts, England, its region and trusts of its type."),
            facts=[
                ("Trust code", code),
                ("Region", profiles.region_name(region)),
                ("Type", profiles.trust_type(code) or "not known"),
                ("Reporting year", str(year)),
            ],
            sections=trust_sections(profiles, code),
            footer=_footer("../", region and page.link(f"../{region_href(region)}",
                                                        f"the {profiles.region_name(region)} profile")),
            style=STYLE, candidate=data.context.candidate,
        )))
    for code in profiles.regions:
        members = [trust for trust in trusts if profiles.region_of(trust) == code]
        written.append(_write(folder / REGIONS_FOLDER / f"{code}.html", page.document(
            title=f"{profiles.region_name(code)}: region equity profile {year}",
            lede="The region against England, and its trusts side by side.",
            facts=[("Region code", code), ("Trusts", str(len(members))), ("Reporting year", str(year))],
            sections=region_sections(profiles, code, members),
            footer=_footer("../"),
            style=STYLE, body_scripts=[page.SORT_SCRIPT], candidate=data.context.candidate,
        )))
    logger.info("Profiles: %d trusts, %d regions and the index, %d bytes, in %.1f s", len(trusts),
                len(profiles.regions), sum(path.stat().st_size for path in written), time.perf_counter() - started)
    return written


def _footer(up: str, extra: str | None = None) -> str:
    """Links back: `up` is the path from the page to reports/profiles/."""
    links = [page.link(f"{up}{INDEX_FILE}", "all trust and region profiles"),
             page.link(f"{up}../national_report.html", "the national report"),
             page.link(f"{up}../data_quality_report.html", "the data-quality report"),
             *([extra] if extra else [])]
    return ("Built from this release's published tables (equity_metrics, equity_benchmarks, equity_trends, "
            "organisations, submission_status, unknown_ethnicity, suppression_log). See " + ", ".join(links) + ".")


def _write(path: Path, html: str) -> Path:
    path.write_text(html, encoding="utf-8", newline="\n")
    return path
