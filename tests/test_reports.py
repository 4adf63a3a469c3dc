"""The release's HTML reports (exports/reports/), on a small release-shaped folder.

The folder is written directly as the publisher lays a release out (parquet per table and
year, `quality/`), so these tests need no warehouse or dbt; the last tests run the real
publisher (tests/test_publish.py's tiny warehouse) to show the reports are part of a release.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import subprocess
import sys
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from exports.reports import (
    NATIONAL_REPORT_FILE,
    QUALITY_REPORT_FILE,
    REPORTS_FOLDER,
    ReleaseContext,
    publish_candidate_reports,
    write_reports,
)
from exports.reports import page
from exports.reports.page import CANDIDATE_BANNER
from exports.reports.formatting import Measure, number
from exports.reports.funnel import Z_95, Z_998, funnel_basis
from exports.reports.release_data import ReleaseData
from exports.reports.unknown_ethnicity import THRESHOLD_VARIABLE, ThresholdError, unknown_share_threshold
from ingest.config import PROJECT_ROOT
from test_publish import paths  # noqa: F401  (fixture: test_publish's tiny warehouse and run)

YEAR = 2025
YEARS = (2023, 2024, 2025)
NATIONAL = "E92000001"
REGIONS = {"Y56": "London", "Y58": "South West"}
TRUSTS = {  # code: (name, region, White/BME shortlisted, Unknown share of headcount)
    "RA1": ("Alder Hospitals NHS Trust", "Y56", (400, 300), 12.3456),
    "RB2": ("Birch Community NHS Trust", "Y56", (150, 60), 2.5),
    "RC3": ("Cedar Teaching Hospitals NHS Foundation Trust", "Y58", (900, 350), 7.25),
    "RD4": ("Damson Mental Health NHS Trust", "Y58", (80, 20), 0.5),
}
# RD4's type is not known, so its profile has no same-type comparison.
TRUST_TYPES = {"RA1": "acute", "RB2": "community", "RC3": "acute", "RD4": "unknown"}
# A trust closed before the reporting year, taken over by RA1: not expected, so it has no
# profile of its own and appears in RA1's lineage.
PREDECESSOR = {"org_code": "RZ9", "org_name": "Zelkova Hospitals NHS Trust", "region_code": "Y56",
               "region_name": "London", "trust_type": "acute", "close_date": date(2023, 3, 31),
               "successor_org_code": "RA1", "successor_effective_date": date(2023, 4, 1)}
# Unknown among shortlisted applicants (the rest are the White and BME above): RB2 is above
# 10% on applicants only, RA1 on headcount only.
UNKNOWN_SHORTLISTED = {"RA1": 14, "RB2": 42, "RC3": 100, "RD4": 0}
# Values with more places than the reports show: the HTML must show them rounded.
UNROUNDED_RL = 1.23456789
UNROUNDED_PCT = 26.66666667
METRIC_COLUMNS = {
    "metric_id": pa.string(), "geography_level": pa.string(), "geography_code": pa.string(),
    "breakdown": pa.string(), "group": pa.string(), "comparison": pa.string(), "value": pa.float64(),
    "ci_lower": pa.float64(), "ci_upper": pa.float64(), "numerator_a": pa.int64(), "denominator_a": pa.int64(),
    "numerator_b": pa.int64(), "denominator_b": pa.int64(), "equity_band": pa.string(), "significant": pa.bool_(),
    "suppressed": pa.bool_(), "note": pa.string(), "trusts_contributing": pa.int64(), "trusts_expected": pa.int64(),
    "method_version": pa.string(),
}
RL_METRICS = (("wres2_rl_appointed", "White vs BME"), ("wres3_rl_disciplinary", "BME vs White"),
              ("wres4_rl_training", "White vs BME"))
INPUTS = [
    {"path": "reference/etr.csv", "sha256": "a" * 64, "size_bytes": 100, "outcome": "loaded"},
    {"path": "wres/2025/RA1_wres_2025.xlsx", "sha256": "b" * 64, "size_bytes": 2048, "outcome": "loaded"},
    {"path": "wres/2025/RB2_wres_2025.xlsx", "sha256": "c" * 64, "size_bytes": 2048, "outcome": "quarantined"},
    {"path": "wres/2025/notes.txt", "sha256": "d" * 64, "size_bytes": 12, "outcome": "unrecognised"},
]
LEDGER_HEADER = "source_file,sha256,source,reporting_year,sheet,row,column,rule,message"
LEDGER_ROW = (
    "wres/2025/RB2_wres_2025.xlsx," + "c" * 64 + ",wres,2025,workforce,7,headcount,headcount_non_negative_integer,"
    '"headcount must be a whole number of 0 or more, written in digits only."'
)


# --- a small release, written the way the publisher lays one out -----------------------


def metric_row(metric_id, year, level, code, *, group=None, comparison=None, value=None, ci=(None, None),
               counts=(None, None, None, None), suppressed=False, note=None, contributing=None) -> dict:
    a, n1, c, n2 = counts
    return {
        "metric_id": metric_id, "reporting_year": year, "geography_level": level, "geography_code": code,
        "breakdown": "all", "group": group, "comparison": comparison, "value": value, "ci_lower": ci[0],
        "ci_upper": ci[1], "numerator_a": a, "denominator_a": n1, "numerator_b": c, "denominator_b": n2,
        "equity_band": None if value is None or comparison is None else ("adverse" if value > 1.25 else "within"),
        "significant": None, "suppressed": suppressed, "note": note,
        "trusts_contributing": contributing, "trusts_expected": None if contributing is None else 4,
        "method_version": "1.0",
    }


def katz(a, n1, c, n2) -> tuple[float, float, float]:
    rl = (a / n1) / (c / n2)
    se = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    return rl, rl * math.exp(-1.96 * se), rl * math.exp(1.96 * se)


def equity_metrics_rows() -> list[dict]:
    rows = []
    for year in YEARS:
        step = year - YEARS[0]
        for metric_id, comparison in RL_METRICS:
            trust_counts = {}
            for index, (code, (_, region, (white, bme), _)) in enumerate(TRUSTS.items()):
                # Rates differ by trust and year, so that some trusts sit outside the limits.
                a, c = int(white * (0.30 + 0.05 * index)), int(bme * (0.20 + 0.01 * step))
                trust_counts[code] = (a, white, c, bme)
                rows.append(metric_row(metric_id, year, "trust", code, comparison=comparison,
                                       value=katz(a, white, c, bme)[0], ci=katz(a, white, c, bme)[1:],
                                       counts=(a, white, c, bme)))
            for level, code, members in [("national", NATIONAL, list(TRUSTS))] + [
                ("region", region, [t for t, v in TRUSTS.items() if v[1] == region]) for region in REGIONS
            ]:
                pooled = [sum(trust_counts[t][i] for t in members) for i in range(4)]
                rl, low, high = katz(*pooled)
                if level == "national" and metric_id == "wres2_rl_appointed" and year == YEAR:
                    rl = UNROUNDED_RL
                rows.append(metric_row(metric_id, year, level, code, comparison=comparison, value=rl, ci=(low, high),
                                       counts=tuple(pooled), contributing=len(members)))
        for level, code in [("national", NATIONAL), *(("region", r) for r in REGIONS)]:
            bme = UNROUNDED_PCT if (level == "national" and year == YEAR) else 25.0 + step
            rows.append(metric_row("wres5_pct_hba_public", year, level, code, group="BME", value=bme,
                                   ci=(bme - 2, bme + 2), counts=(100, 400, None, None)))
            rows.append(metric_row("wres5_pct_hba_public", year, level, code, group="White", value=20.0 + step,
                                   ci=(19.0, 21.0 + step), counts=(300, 1500, None, None)))
            rows.append(metric_row("wres9_board_voting_gap_pp", year, level, code, group="BME", value=-4.25 + step))
        # A region whose concerns RL is suppressed; England's is not.
        rows.append(metric_row("concerns_rl_referral", year, "national", NATIONAL, comparison="BME vs White",
                               value=1.5, ci=(1.1, 2.0), counts=(60, 20000, 40, 20000)))
        rows.append(metric_row("concerns_rl_referral", year, "region", "Y56", comparison="BME vs White",
                               value=1.4, ci=(1.0, 1.9), counts=(40, 10000, 30, 10000)))
        rows.append(metric_row("concerns_rl_referral", year, "region", "Y58", comparison="BME vs White",
                               suppressed=True, note="Suppressed: a count of 1 to 7."))
        for code, (_, _, _, unknown) in TRUSTS.items():
            headcount = 2000
            rows.append(metric_row("wres1_pct_headcount", year, "trust", code, group="Unknown", value=unknown,
                                   ci=(unknown - 1, unknown + 1), counts=(round(unknown * 20), headcount, None, None)))
    return rows


def write_table(release: Path, name: str, rows: list[dict], schema: dict[str, pa.DataType], partitioned: bool) -> None:
    if not partitioned:
        path = release / name / f"{name}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(rows, schema=pa.schema(schema)), path)
        return
    for year in sorted({row["reporting_year"] for row in rows}):
        part = [{k: v for k, v in row.items() if k != "reporting_year"} for row in rows if row["reporting_year"] == year]
        path = release / name / f"reporting_year={year}" / "part-0.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(part, schema=pa.schema(schema)), path)


def build_release(release: Path, *, tables: tuple[str, ...] | None = None) -> Path:
    """A release folder with every table the reports read (or only `tables`) and its quality folder."""
    wanted = (lambda name: tables is None or name in tables)
    release.mkdir(parents=True, exist_ok=True)
    if wanted("organisations"):
        write_table(release, "organisations", [
            {"org_code": code, "org_name": name, "region_code": region, "region_name": REGIONS[region],
             "trust_type": TRUST_TYPES[code], "close_date": None, "successor_org_code": None,
             "successor_effective_date": None}
            for code, (name, region, _, _) in TRUSTS.items()
        ] + [PREDECESSOR], {"org_code": pa.string(), "org_name": pa.string(), "region_code": pa.string(),
                            "region_name": pa.string(), "trust_type": pa.string(), "close_date": pa.date32(),
                            "successor_org_code": pa.string(), "successor_effective_date": pa.date32()},
            partitioned=False)
    if wanted("equity_metrics"):
        write_table(release, "equity_metrics", equity_metrics_rows(), METRIC_COLUMNS, partitioned=True)
    if wanted("national_scorecard"):
        write_table(release, "national_scorecard", [
            {"reporting_year": YEAR, "metric_id": "wres2_rl_appointed", "group": None, "comparison": "White vs BME",
             "england_value": UNROUNDED_RL, "england_ci_lower": 1.1111111, "england_ci_upper": 1.3999999,
             "white_value": None, "direction_of_travel": "worsening", "trusts_with_value": 4, "trusts_adverse": 1,
             "pct_trusts_adverse": 25.0, "trusts_adverse_significant": 1, "best_region": "Y58",
             "worst_region": "Y56", "note": None, "method_version": "1.0"},
            {"reporting_year": YEAR, "metric_id": "wres5_pct_hba_public", "group": "BME", "comparison": None,
             "england_value": UNROUNDED_PCT, "england_ci_lower": 24.6666, "england_ci_upper": 28.6666,
             "white_value": 22.04, "direction_of_travel": "no clear change", "trusts_with_value": 4,
             "trusts_adverse": 0, "pct_trusts_adverse": 0.0, "trusts_adverse_significant": 0,
             "best_region": "Y56", "worst_region": "Y58", "note": None, "method_version": "1.0"},
        ], {"metric_id": pa.string(), "group": pa.string(), "comparison": pa.string(),
            "england_value": pa.float64(), "england_ci_lower": pa.float64(), "england_ci_upper": pa.float64(),
            "white_value": pa.float64(), "direction_of_travel": pa.string(), "trusts_with_value": pa.int64(),
            "trusts_adverse": pa.int64(), "pct_trusts_adverse": pa.float64(), "trusts_adverse_significant": pa.int64(),
            "best_region": pa.string(), "worst_region": pa.string(), "note": pa.string(),
            "method_version": pa.string()}, partitioned=True)
    key = {"metric_id": pa.string(), "geography_level": pa.string(), "geography_code": pa.string(),
           "breakdown": pa.string(), "group": pa.string(), "comparison": pa.string()}
    if wanted("equity_trends"):
        write_table(release, "equity_trends", [
            {"reporting_year": year, "metric_id": "wres2_rl_appointed", "geography_level": "national",
             "geography_code": NATIONAL, "breakdown": "all", "group": None, "comparison": "White vs BME",
             "previous_value": 1.2, "change": 0.03, "direction_of_travel": "worsening"}
            for year in YEARS
        ], {**key, "previous_value": pa.float64(), "change": pa.float64(), "direction_of_travel": pa.string()},
            partitioned=True)
    if wanted("equity_benchmarks"):
        write_table(release, "equity_benchmarks", [
            {"reporting_year": YEAR, "metric_id": "wres2_rl_appointed", "geography_level": "region",
             "geography_code": region, "breakdown": "all", "group": None, "comparison": "White vs BME",
             "benchmark": benchmark}
            for region, benchmark in (("Y56", "worse"), ("Y58", "similar"))
        ], {**key, "benchmark": pa.string()}, partitioned=True)
    if wanted("submission_status"):
        write_table(release, "submission_status", [
            {"reporting_year": YEAR, "source": "wres", "org_code": code, "status": status,
             "source_file": None if status == "missing" else f"wres/{YEAR}/{code}_wres_{YEAR}.xlsx",
             "submission_date": None, "submission_deadline": None, "note": note}
            for code, status, note in (("RA1", "on_time", None), ("RB2", "quarantined", "Failed validation."),
                                       ("RC3", "late", "Submitted 12 days after the deadline."),
                                       ("RD4", "missing", "No WRES return landed for this trust and year."))
        ], {"source": pa.string(), "org_code": pa.string(), "status": pa.string(), "source_file": pa.string(),
            "submission_date": pa.date32(), "submission_deadline": pa.date32(), "note": pa.string()}, partitioned=True)
    if wanted("unknown_ethnicity"):
        rows = []
        for code, (_, _, (white, bme), unknown_pct) in TRUSTS.items():
            unknown = UNKNOWN_SHORTLISTED[code]
            shortlisted = white + bme + unknown
            rows.append({"reporting_year": YEAR, "geography_level": "trust", "geography_code": code,
                         "headcount": 2000, "headcount_unknown": round(unknown_pct * 20),
                         "headcount_unknown_pct": unknown_pct, "shortlisted": shortlisted,
                         "shortlisted_unknown": unknown, "shortlisted_unknown_pct": 100.0 * unknown / shortlisted})
        write_table(release, "unknown_ethnicity", rows, {
            "geography_level": pa.string(), "geography_code": pa.string(), "headcount": pa.int64(),
            "headcount_unknown": pa.int64(), "headcount_unknown_pct": pa.float64(), "shortlisted": pa.int64(),
            "shortlisted_unknown": pa.int64(), "shortlisted_unknown_pct": pa.float64()}, partitioned=True)
    if wanted("suppression_log"):
        write_table(release, "suppression_log", [
            {"table_name": "equity_metrics", "metric_id": "concerns_rl_referral", "row_reporting_year": year,
             "geography_level": "region", "geography_code": "Y58", "withheld_column": "numerator_a",
             "count_type": "cases", "suppression_rule": "concerns_primary_1_to_7"}
            for year in YEARS
        ], {"table_name": pa.string(), "metric_id": pa.string(), "row_reporting_year": pa.int64(),
            "geography_level": pa.string(), "geography_code": pa.string(), "withheld_column": pa.string(),
            "count_type": pa.string(), "suppression_rule": pa.string()}, partitioned=False)

    quality = release / "quality"
    (quality / "data_docs" / "expectations").mkdir(parents=True, exist_ok=True)
    (quality / "data_docs" / "index.html").write_text("<h1>Data Docs</h1>\n", encoding="utf-8")
    (quality / "data_docs" / "expectations" / "wres_workforce.html").write_text("<h1>suite</h1>\n", encoding="utf-8")
    (quality / "quarantine.csv").write_text(f"{LEDGER_HEADER}\n{LEDGER_ROW}\n", encoding="utf-8")
    (quality / "quarantine_report.md").write_text("# Quarantine report\n", encoding="utf-8")
    (quality / "test_summary.json").write_text(json.dumps({
        "dbt_version": "1.11.0", "command": "build", "all_passed": False,
        "totals": {"total": 3, "passed": 2, "failed": 1},
        "by_resource_type": {"model": {"total": 1, "passed": 1}, "test": {"total": 2, "passed": 1, "failed": 1}},
        "data_tests": {"rules_file": "data_test_rules.csv", "totals": {"total": 5, "passed": 4, "failed": 1},
                       "by_test_type": {"expression_is_true": {"total": 2, "passed": 1, "failed": 1},
                                        "not_null": {"total": 3, "passed": 3}}},
        "not_passed": [{"unique_id": "test.nhs_equity.fct_x_rules", "rule": "x_value_inside_its_ci", "status": "fail",
                        "failures": 2, "message": "Got 2 results"}],
    }), encoding="utf-8")
    return release


def context() -> ReleaseContext:
    return ReleaseContext(reporting_year=YEAR, method_version="1.0", inputs=INPUTS)


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, str]:
    release = build_release(tmp_path_factory.mktemp("release") / f"{YEAR}-20250901T000000Z")
    written = write_reports(release, context())[:2]  # then the profiles (tests/test_profiles.py)
    assert [path.relative_to(release).as_posix() for path in written] == [
        f"{REPORTS_FOLDER}/{NATIONAL_REPORT_FILE}", f"{REPORTS_FOLDER}/{QUALITY_REPORT_FILE}"
    ]
    return {path.name: path.read_text(encoding="utf-8") for path in written} | {"release": str(release)}


# --- reading a page --------------------------------------------------------------------


class Page(HTMLParser):
    """What the tests look at in a page: links, scripts, ids, headings, figures and details."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.scripts: list[dict] = []
        self.ids: set[str] = set()
        self.tags: list[str] = []
        self.aria_labels: list[str] = []
        self.captions = 0
        self._script: dict | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append(tag)
        for name in ("src", "href", "data", "poster", "srcset", "action", "xlink:href"):
            if attributes.get(name):
                self.urls.append((tag, name, attributes[name]))
        if "id" in attributes:
            self.ids.add(attributes["id"])
        if attributes.get("role") == "img":
            self.aria_labels.append(attributes.get("aria-label") or "")
        if tag == "caption":
            self.captions += 1
        if tag == "script":
            self._script = {"attrs": attributes, "length": 0}
            self.scripts.append(self._script)

    def handle_data(self, data):
        if self._script is not None:
            self._script["length"] += len(data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def blocks(text: str) -> list[str]:
    """Each chart block (`<div class="block" ...>`...), in order."""
    return re.split(r'(?=<div class="block" id=")', text)[1:]


EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)


def assert_self_contained(text: str) -> Page:
    page = Page(text)
    external = [url for url in page.urls if EXTERNAL.match(url[2])]
    assert not external, f"links or sources outside the release: {external[:5]}"
    assert all(not script["attrs"].get("src") for script in page.scripts), "a script is loaded from a file"
    assert "link" not in page.tags and "img" not in page.tags and "iframe" not in page.tags
    # No CSS fetches either: no @import or url(...) in the inline styles.
    style = re.search(r"<style>(.*?)</style>", text, re.S).group(1)
    assert "@import" not in style and "url(" not in style and "@font-face" not in style
    return page


# --- the tests -------------------------------------------------------------------------


def test_both_pages_are_written_into_the_release_reports_folder(reports) -> None:
    release = Path(reports["release"])
    assert (release / REPORTS_FOLDER / NATIONAL_REPORT_FILE).is_file()
    assert (release / REPORTS_FOLDER / QUALITY_REPORT_FILE).is_file()
    for name in (NATIONAL_REPORT_FILE, QUALITY_REPORT_FILE):
        assert reports[name].startswith("<!DOCTYPE html>")
        assert '<html lang="en-GB">' in reports[name]


def test_pages_are_self_contained_with_plotly_inlined_once(reports) -> None:
    national = assert_self_contained(reports[NATIONAL_REPORT_FILE])
    quality = assert_self_contained(reports[QUALITY_REPORT_FILE])
    big_scripts = [script for script in national.scripts if script["length"] > 1_000_000]
    assert len(big_scripts) == 1, "plotly.js is inlined exactly once"
    assert "cdn.plot.ly" not in reports[NATIONAL_REPORT_FILE].split("</head>", 1)[1]
    assert not quality.scripts, "the data-quality report needs no script"
    # Every link is relative (to another file of the release) or an anchor on the page.
    for page in (national, quality):
        for _, _, url in page.urls:
            assert url.startswith("#") or url.startswith("../") or url == url.split("/")[-1], url


def test_national_report_has_its_sections_charts_and_a_data_table_per_chart(reports) -> None:
    text = reports[NATIONAL_REPORT_FILE]
    page = Page(text)
    assert {"scorecard", "trends", "funnels", "regions", "caveats", "about"} <= page.ids
    assert "<h1>" in text and "<h2 " in text and "<h3>" in text
    chart_blocks = [block for block in blocks(text) if 'class="plotly-graph-div"' in block]
    # 13 headline trends (those with rows here: WRES 2, 3, 4, 5, 9 and concerns referral),
    # 3 funnels (WRES 2, 3, 4) and the regional dot plots of those with a regional value.
    charts = text.count('class="plotly-graph-div"')
    assert charts == len(chart_blocks) >= 3 + 3 + 3
    for block in chart_blocks:
        assert block.count('class="plotly-graph-div"') == 1
        assert "<details><summary>Data behind this chart" in block and "<table>" in block.split("<details>", 1)[1]
    # Every chart has alternative text, and every table a caption.
    assert len(page.aria_labels) == charts and all(len(label) > 40 for label in page.aria_labels)
    assert page.captions >= charts
    # The funnel method is stated on the page.
    assert "Katz standard error" in text and "99.8%" in text and "k/√n" in text


def test_national_report_rounds_percentages_to_1_dp_and_rls_to_2_dp(reports) -> None:
    text = reports[NATIONAL_REPORT_FILE]
    assert number(UNROUNDED_RL, Measure.RELATIVE_LIKELIHOOD) == "1.23"
    assert number(UNROUNDED_PCT, Measure.PERCENTAGE, unit=True) == "26.7%"
    assert "1.23 (1.11 to 1.40)" in text  # the scorecard
    assert "26.7% (24.7 to 28.7)" in text
    # Unrounded digits appear nowhere: not in tables, notes or the charts' data.
    for unrounded in ("1.234", "26.66", "1.1111", "1.3999", "24.666", "12.3456"):
        assert unrounded not in text.split("</head>", 1)[1], unrounded
    figures = re.findall(r'Plotly\.newPlot\(\s*"[^"]+",\s*(\[.*?\]),\s*\{', text, re.S)
    assert figures and "bdata" not in "".join(figures), "chart data are plain, rounded numbers"


def test_a_number_is_shown_as_the_text_of_its_rounded_value() -> None:
    # `number` formats a float once; the text must be that of `rounded` (the value a chart
    # plots), halves, negative zero, large values and missing values included.
    import random

    from exports.reports.formatting import MISSING, rounded

    generator = random.Random(11)
    values = [0.0, -0.0, 0.005, -0.005, 0.015, 1.005, 2.675, -0.0049, 0.05, 0.25, 1.25, 12345.675,
              999999999999.99, -999999999999.995, 1e15 + 0.5, float("nan"), float("inf"), None, 3, -7]
    values += [generator.uniform(-1000, 1000) for _ in range(5000)]
    values += [round(generator.uniform(-100, 100), generator.randint(0, 4)) + 0.005 for _ in range(5000)]
    for value in values:
        for measure in Measure:
            shown = rounded(value, measure)
            expected = MISSING if shown is None else f"{shown:,.{measure.decimals}f}".replace("-", "−")
            assert number(value, measure) == expected, (value, measure)
            assert number(value, measure, unit=True) == (expected if shown is None else expected + measure.unit)


def test_the_release_files_keep_the_unrounded_values(reports) -> None:
    data = ReleaseData(Path(reports["release"]), context())
    metrics = data.table("equity_metrics")
    national = metrics[(metrics["metric_id"] == "wres2_rl_appointed") & (metrics["geography_level"] == "national")
                       & (metrics["reporting_year"] == YEAR)]
    assert national["value"].tolist() == [UNROUNDED_RL]


def test_quality_report_answers_its_questions(reports) -> None:
    text = reports[QUALITY_REPORT_FILE]
    page = Page(text)
    assert {"arrivals", "checks", "quarantine", "unknown-ethnicity", "suppression", "evidence"} <= page.ids
    # What arrived: files by source and outcome, and the returns needing attention.
    assert "wres/2025/notes.txt" in text and "unrecognised" in text
    for trust in ("RB2 Birch Community NHS Trust", "RC3 Cedar", "RD4 Damson"):
        assert trust in text
    # What was checked: the GX suite with a Data Docs page in the release, and dbt's counts.
    assert '<a href="../quality/data_docs/expectations/wres_workforce.html">wres_workforce</a>' in text
    assert "test.nhs_equity.fct_x_rules" in text and "<td>x_value_inside_its_ci</td>" in text
    assert "check 5 rules" in text and '<a href="../quality/data_test_rules.csv">' in text
    assert "<th scope=\"row\">expression_is_true</th>" in text or ">expression_is_true<" in text
    # What failed: file, sheet, row, column, rule and message, never a value.
    assert "headcount_non_negative_integer" in text and "<td>workforce</td>" in text
    # Unknown ethnicity above 10%: RA1 on headcount, RB2 on applicants (42 of 252 = 16.7%).
    unknown = text.split('id="unknown-ethnicity"', 1)[1].split("</section>", 1)[0]
    above = unknown.split("<details>", 1)[0]
    assert "RA1" in above and "12.3%" in above and "RC3" not in above and "RD4" not in above
    assert "RB2" in above and "16.7%" in above
    rows = {row.split("</th>", 1)[0].rsplit(">", 1)[-1]: row for row in above.split("<tr>")[2:]}
    assert list(rows) == ["RB2", "RA1"]  # highest share first
    assert "<td>headcount</td>" in rows["RA1"] and "<td>applicants</td>" in rows["RB2"]
    # Suppressed, by rule with counts.
    assert "concerns_primary_1_to_7" in text and "concerns count of 1 to 7" in text
    # The full Data Docs, by a relative link.
    assert 'href="../quality/data_docs/index.html"' in text


def test_unknown_threshold_comes_from_the_argument_or_the_environment(tmp_path, monkeypatch) -> None:
    release = build_release(tmp_path / "release", tables=("organisations", "unknown_ethnicity"))
    data = ReleaseData(release, context())
    from exports.reports.quality_report import write_quality_report

    monkeypatch.setenv(THRESHOLD_VARIABLE, "5")
    assert unknown_share_threshold() == 5.0
    text = write_quality_report(data, tmp_path).read_text(encoding="utf-8")
    above = text.split('id="unknown-ethnicity"', 1)[1].split("<details>", 1)[0]
    # RC3: 7.25% of headcount, 100 of 1,350 applicants = 7.4%; RB2 is above on applicants.
    assert "more than 5% of headcount or of applicants" in above
    assert "RA1" in above and "RC3" in above and "RB2" in above and "RD4" not in above

    text = write_quality_report(data, tmp_path, unknown_threshold=20).read_text(encoding="utf-8")
    above = text.split('id="unknown-ethnicity"', 1)[1].split("<details>", 1)[0]
    assert "none; no trust is above 20%" in above

    monkeypatch.setenv(THRESHOLD_VARIABLE, "ten")
    with pytest.raises(ThresholdError, match=THRESHOLD_VARIABLE):
        unknown_share_threshold()
    with pytest.raises(ThresholdError):
        unknown_share_threshold(150)
    monkeypatch.delenv(THRESHOLD_VARIABLE)
    assert unknown_share_threshold() == 10.0


def test_tables_not_in_the_release_give_a_not_available_section(tmp_path) -> None:
    release = build_release(tmp_path / "release", tables=("organisations", "equity_metrics"))
    national, quality = (path.read_text(encoding="utf-8") for path in write_reports(release, context())[:2])

    assert_self_contained(national)
    assert_self_contained(quality)
    assert "Not available in this release:</strong> the national scorecard" in national
    assert "England&#x27;s headline values from equity_metrics" in national  # the fallback table
    assert "Direction of travel is not available in this release" in national
    assert "Benchmarks against England are not available in this release" in national
    assert 'class="plotly-graph-div"' in national  # charts from equity_metrics still drawn
    assert "Not available in this release:</strong> submission status" in quality
    assert "Not available in this release:</strong> the suppression log" in quality
    assert "Counted instead from equity_metrics" in quality


def test_a_funnel_shows_the_latest_year_with_trust_rows_when_the_reporting_year_has_none(tmp_path) -> None:
    from exports.reports.headlines import FUNNEL_HEADLINES

    release = build_release(tmp_path / "release")
    later = ReleaseContext(reporting_year=YEAR + 1, method_version="1.0", inputs=INPUTS)
    national = write_reports(release, later)[0].read_text(encoding="utf-8")
    for headline in FUNNEL_HEADLINES:
        assert f'<div class="block" id="funnel-{headline.key}"><h3>{page.escape(headline.label)}, {YEAR}</h3>' in national
    assert national.count("Funnel plot of ") == len(FUNNEL_HEADLINES)


def test_an_empty_release_still_gets_both_pages_without_plotly(tmp_path) -> None:
    release = tmp_path / "release"
    release.mkdir()
    national, quality = (path.read_text(encoding="utf-8") for path in write_reports(release, context())[:2])
    assert national.count("Not available in this release") >= 4
    assert "Plotly" not in national, "no chart, so plotly.js is not inlined"
    assert quality.count("Not available in this release") >= 4


def test_reports_are_byte_identical_for_the_same_release(tmp_path) -> None:
    first = build_release(tmp_path / "first")
    second = build_release(tmp_path / "second")
    for one, two in zip(write_reports(first, context()), write_reports(second, context()), strict=True):
        assert one.read_bytes() == two.read_bytes(), one.name


def test_a_candidates_pages_are_the_releases_with_the_banner_and_sign_off_takes_it_out(tmp_path) -> None:
    # Sign-off does not render the pages again (publish_candidate_reports), and a rerun with
    # nothing new takes the last release's pages (write_reports(same_as=...)): both must give
    # the bytes that rendering would.
    final = build_release(tmp_path / "final")
    candidate = build_release(tmp_path / "candidate")
    taken = build_release(tmp_path / "taken")
    rendered = write_reports(final, context())
    write_reports(candidate, dataclasses.replace(context(), candidate=True))
    write_reports(taken, dataclasses.replace(context(), candidate=True), same_as=final)
    pages = [path.relative_to(final) for path in rendered]
    assert len(pages) > 2, "the profiles are among the pages"
    for relative in pages:
        text = (candidate / relative).read_text(encoding="utf-8")
        assert CANDIDATE_BANNER in text and "(candidate, not published)</title>" in text, relative
        assert text == (taken / relative).read_text(encoding="utf-8"), relative
        assert page.published_page(text) == (final / relative).read_text(encoding="utf-8"), relative
        assert page.candidate_page((final / relative).read_text(encoding="utf-8")) == text, relative
    assert publish_candidate_reports(candidate)
    for relative in pages:
        assert (candidate / relative).read_bytes() == (final / relative).read_bytes(), relative
    with pytest.raises(ValueError):
        page.published_page((final / pages[0]).read_text(encoding="utf-8"))


def test_reports_log_what_they_contain(tmp_path, caplog) -> None:
    release = build_release(tmp_path / "release")
    with caplog.at_level("INFO", logger="exports.reports"):
        write_reports(release, context())
    messages = "\n".join(record.getMessage() for record in caplog.records)
    assert re.search(r"National report: \d+ charts \(\d+ trend, 3 funnel, \d+ regional\), 2 scorecard rows, \d+ data-table rows", messages)
    assert re.search(r"Data-quality report: 4 landing files, 3 submission rows needing attention, .* 1 quarantine ledger rows, "
                     r"2 trusts above the Unknown threshold, 3 suppressed cells", messages)


# --- the funnel limits -----------------------------------------------------------------


def test_funnel_limits_follow_the_katz_standard_error_as_a_function_of_size() -> None:
    a, n1, c, n2 = 300, 1000, 200, 1000  # England: RL 1.5, half of the people in each group
    basis = funnel_basis(a, n1, c, n2)
    assert basis.england_rl == pytest.approx(1.5)
    # k² = (1 − r1)/(p1·r1) + (1 − r2)/(p2·r2) with r1 = 0.3, r2 = 0.2, p1 = p2 = 0.5
    assert basis.k == pytest.approx(math.sqrt(0.7 / 0.15 + 0.8 / 0.1))
    # A trust of England's size and mix has England's Katz SE: the 95% limits are England's CI.
    _, low, high = katz(a, n1, c, n2)
    assert basis.limits(n1 + n2, Z_95) == pytest.approx((low, high))
    # Limits narrow with size, and are symmetric around England on the log scale.
    small, large = basis.limits(100, Z_998), basis.limits(10_000, Z_998)
    assert small[0] < large[0] < 1.5 < large[1] < small[1]
    assert math.log(small[1] / 1.5) == pytest.approx(math.log(1.5 / small[0]))
    assert basis.position(1.5, 50) == "within 95% limits"
    assert basis.position(basis.limits(500, Z_998)[1] * 1.01, 500) == "above 99.8% limit"
    assert basis.position(basis.limits(500, Z_95)[0] * 0.99, 500) == "below 95% limit"
    assert funnel_basis(0, 100, 10, 100) is None  # England's RL is 0: no centre for the limits


# --- part of a published release -------------------------------------------------------


def test_publish_release_writes_both_reports_before_the_manifest_and_checksums(paths) -> None:
    from exports.release import publish_release

    release = publish_release(paths, 2024, "run-1")

    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    files = {entry["path"] for entry in manifest["files"]}
    assert {"reports/national_report.html", "reports/data_quality_report.html"} <= files
    sums = (release / "SHA256SUMS").read_text(encoding="utf-8")
    assert "reports/national_report.html" in sums and "reports/data_quality_report.html" in sums
    quality = (release / "reports" / "data_quality_report.html").read_text(encoding="utf-8")
    assert "Landing files: <strong>3</strong>" in quality  # the manifest's inputs reached the report
    assert not list(paths.releases.glob(".tmp-*"))


def test_latest_lists_both_reports(paths) -> None:
    from exports.release import publish_release

    publish_release(paths, 2024, "run-1")
    environment = {"EQUITY_OUTPUT_DIR": str(paths.output), "EQUITY_LANDING_DIR": str(paths.landing), "PATH": ""}
    result = subprocess.run([sys.executable, "-m", "exports.latest"], cwd=PROJECT_ROOT, env=environment,
                            capture_output=True, text=True, check=True)
    assert re.search(r"National report:\s+\S+/reports/national_report\.html", result.stdout)
    assert re.search(r"Data-quality report:\s+\S+/reports/data_quality_report\.html", result.stdout)


def test_quality_report_lists_organisations_not_monitored(tmp_path) -> None:
    # Input contract 1.1: every national grouping outside regions.csv with its row count, a
    # warning for every unattributable row, and the survey respondents left out.
    release = build_release(tmp_path / "release", tables=())
    rows = [
        ("RA1", "ALDER HEY CHILDREN'S NHS FOUNDATION TRUST", "Y54", "North of England", True, None),
        ("RQF", "VELINDRE NHS TRUST", "W00", None, False, "Outside England: national grouping W00 is not a region in regions.csv."),
        ("RT4", "WELSH AMBULANCE SERVICES NHS TRUST", "W00", None, False, "Outside England: national grouping W00 is not a region in regions.csv."),
        ("R0A", "MANCHESTER UNIVERSITY NHS FOUNDATION TRUST", None, None, False, "Cannot be attributed: the open date (column 11) is empty."),
    ]
    columns = ("org_code", "org_name", "region_code", "region_name", "in_scope", "scope_note")
    write_table(release, "organisations", [dict(zip(columns, row, strict=True)) for row in rows],
                {**{c: pa.string() for c in columns}, "in_scope": pa.bool_()}, partitioned=False)
    summary = json.loads((release / "quality" / "test_summary.json").read_text())
    summary["not_passed"].append({"unique_id": "test.nhs_equity.assert_staff_survey_respondents_belong_to_etr_trusts",
                                  "status": "warn", "failures": 7, "message": "Got 7 results"})
    (release / "quality" / "test_summary.json").write_text(json.dumps(summary), encoding="utf-8")
    _, quality = (path.read_text(encoding="utf-8") for path in write_reports(release, context()))
    scope = quality.split('id="scope"', 1)[1].split("</section>", 1)[0]
    assert "National groupings not in regions.csv (1; 2 rows)" in scope
    assert "<td>W00</td>" in scope or ">W00<" in scope
    assert "cannot be attributed (1)" in scope and "R0A" in scope and "RQF" not in scope.split("attributed (1)")[1]
    assert "unattributable): 7." in scope


def test_quality_report_counts_what_complementary_suppression_costs() -> None:
    """Figures withheld by a secondary rule and by no primary rule, by rule and level; a
    figure forced by two totals counts under each rule and once under any (hand-counted)."""
    import pandas as pd

    from exports.reports.quality_report import _complementary_cost

    def logged(code, level, rule, year=YEAR, group="Mixed"):
        return dict(metric_id="wres5_pct_hba_public", row_reporting_year=year, geography_level=level,
                    geography_code=code, breakdown="all", group=group, comparison=None,
                    withheld_column="denominator_a", count_type="respondents", suppression_rule=rule)  # fmt: skip

    log = pd.DataFrame([
        logged("T1", "trust", "secondary"), logged("T1", "trust", "secondary_region"),  # one figure, two totals
        logged("T2", "trust", "survey_minimum_base"),  # primary: no cost
        logged("T3", "trust", "secondary_region", year=YEAR - 1),
        logged("Y56", "region", "secondary_england"),
    ])  # fmt: skip
    text = re.sub(r"<[^>]+>", "|", _complementary_cost(log, "suppression_rule", "row_reporting_year", YEAR))
    cells = [cell.strip() for cell in text.split("|") if cell.strip()]
    rows = [cells[i:i + 5] for i, cell in enumerate(cells) if cell in ("secondary", "secondary_region",
                                                                       "secondary_england", "any secondary rule")]
    assert rows == [
        ["secondary", "trust", "respondents", "1", "1"],
        ["secondary_england", "region", "respondents", "1", "1"],
        ["secondary_region", "trust", "respondents", "1", "2"],
        ["any secondary rule", "region", "respondents", "1", "1"],
        ["any secondary rule", "trust", "respondents", "1", "2"],
    ]
