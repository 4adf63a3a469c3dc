"""The real DAG, end to end, on a small generated nation: what a national data team and an
auditor would check after a run."""

from __future__ import annotations

import csv
import hashlib
import re
import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from conftest import run_pipeline
from landing_builders import break_workforce_headcount

pytestmark = pytest.mark.slow

DATA_SUFFIXES = {".parquet", ".csv"}
# The release log names every release so far, so it is the one table that must differ.
RELEASE_LOG = ("revisions.csv", "revisions/revisions.parquet")


def _tree_hashes(root: Path, suffixes: set[str] | None = None) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and (suffixes is None or p.suffix in suffixes)
    }


def _latest_release(output: Path) -> Path:
    return output / "releases" / (output / "LATEST").read_text().strip()


def test_dag_run_succeeds_and_publishes_a_complete_release(pipeline_run):
    dag_run, output = pipeline_run
    assert dag_run.state == "success"
    release = _latest_release(output)
    years = sorted(p.name for p in (release / "equity_metrics").iterdir())
    assert years == [f"reporting_year={y}" for y in range(2021, 2026)]
    assert (release / "organisations" / "organisations.parquet").is_file()
    assert (release / "csv" / "equity_metrics.csv").is_file()
    assert (release / "manifest.json").is_file()
    assert (release / "quality" / "quarantine_report.md").is_file()
    assert (release / "quality" / "data_docs" / "index.html").is_file()


def test_published_equity_metrics_follow_the_output_contract(pipeline_run):
    _, output = pipeline_run
    release = _latest_release(output)
    rows = duckdb.sql(
        f"select * from read_parquet('{release}/equity_metrics/*/*.parquet', hive_partitioning=true)"
    )
    assert rows.columns == [
        "metric_id", "geography_level", "geography_code", "breakdown", "group", "comparison",
        "value", "ci_lower", "ci_upper", "numerator_a", "denominator_a", "numerator_b",
        "denominator_b", "equity_band", "significant", "suppressed", "note",
        "trusts_contributing", "trusts_expected", "method_version", "reporting_year",
    ]
    levels = {r[0] for r in rows.select("geography_level").distinct().fetchall()}
    assert levels == {"trust", "region", "national"}
    # reporting_year lives in the path only.
    first_file = next((release / "equity_metrics").rglob("*.parquet"))
    assert "reporting_year" not in pq.read_schema(first_file).names


def test_nothing_published_identifies_a_practitioner(pipeline_run, small_nation):
    _, output = pipeline_run
    practitioner_ids = set()
    for cases in small_nation.glob("concerns/*/cases.csv"):
        with cases.open(newline="", encoding="utf-8-sig") as handle:
            practitioner_ids |= {row["practitioner_id"] for row in csv.DictReader(handle)}
    assert practitioner_ids

    # Every cell of every table in the warehouse and in every parquet/CSV file written. Views
    # hold no data of their own: they read those tables and the work zone's parquet files.
    found = set()
    con = duckdb.connect(str(output / "work" / "warehouse.duckdb"), read_only=True)
    tables = con.sql("select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE'")
    for schema, table in tables.fetchall():
        values = con.sql(
            f"select distinct value from (unpivot (select cast(columns(*) as varchar) "
            f'from "{schema}"."{table}") on columns(*) into name column_name value value)'
        ).fetchall()
        found |= practitioner_ids & {v for (v,) in values}
    con.close()
    for path in output.rglob("*"):
        if path.suffix == ".parquet":
            for column in pq.read_table(path).columns:
                found |= practitioner_ids & {str(v) for v in column.to_pylist()}
        elif path.is_file() and path.suffix in {".csv", ".md", ".json", ".html", ".txt", ".log"}:
            # Whole tokens only: a 7-digit id can occur by chance inside a hex hash, or as
            # the digits of a decimal (dbt's `created_at` timestamps, t-quantiles). The
            # inlined plotly.js library holds numbers of its own, so scripts are not scanned.
            text = re.sub(r"<script.*?</script>", "", path.read_text(errors="ignore"), flags=re.S)
            text = re.sub(r"\d+\.\d+", " ", text)
            tokens = set(re.findall(r"\b\w+\b", text))
            found |= practitioner_ids & tokens
    assert not found, f"{len(found)} practitioner identifiers leaked"


def test_a_rerun_gives_a_new_release_with_byte_identical_data(pipeline_run, small_nation):
    _, output = pipeline_run
    first = _latest_release(output)
    dag_run = run_pipeline(small_nation, output)
    assert dag_run.state == "success"
    second = _latest_release(output)
    assert second != first and first.is_dir()
    first_data, second_data = _tree_hashes(first, DATA_SUFFIXES), _tree_hashes(second, DATA_SUFFIXES)
    for log in RELEASE_LOG:
        assert first_data.pop(log) != second_data.pop(log)
    assert len(first_data) > 10
    assert first_data == second_data
    # release.duckdb holds the release log as a table too, so its bytes differ; every other
    # table in it must hold the same rows (methodology, decision 106).
    first_tables, second_tables = _database_tables(first), _database_tables(second)
    assert first_tables.pop("revisions") != second_tables.pop("revisions")
    assert len(first_tables) > 10
    assert first_tables == second_tables


def _database_tables(release: Path) -> dict[str, list[str]]:
    """Every table of the release's DuckDB file, its rows as text (so NaN equals NaN)."""
    with duckdb.connect(str(release / "release.duckdb"), read_only=True) as con:
        names = [name for (name,) in con.execute("select table_name from information_schema.tables").fetchall()]
        return {name: [repr(row) for row in con.execute(f'select * from "{name}"').fetchall()] for name in names}


def test_bad_files_are_quarantined_in_place_and_the_rest_is_published(airflow_db, small_nation, tmp_path):
    import pandas as pd

    landing = tmp_path / "landing"
    shutil.copytree(small_nation, landing)
    # A negative headcount in one workbook, and a file where no file belongs.
    workbook = sorted(landing.glob("wres/2025/*_wres_2025.xlsx"))[0]
    break_workforce_headcount(workbook)
    (landing / "wres" / "2025" / "notes.txt").write_text("not a return")
    before = _tree_hashes(landing)

    output = tmp_path / "output"
    assert run_pipeline(landing, output).state == "success"

    assert _tree_hashes(landing) == before, "landing must never be changed"
    ledger = pd.read_parquet(output / "work" / "quarantine.parquet")
    bad = ledger[ledger["source_file"] == f"wres/2025/{workbook.name}"]
    assert not bad.empty
    assert {"workforce"} <= set(bad["sheet"].dropna())
    assert 2 in set(bad["row"].dropna().astype(int))  # first data row: header is row 1
    outcomes = pd.read_parquet(output / "work" / "file_outcomes.parquet").set_index("source_file")
    assert outcomes.loc[f"wres/2025/{workbook.name}", "outcome"] == "quarantined"
    assert outcomes.loc["wres/2025/notes.txt", "outcome"] == "unrecognised"

    org = workbook.name.split("_")[0]
    release = _latest_release(output)
    rows_2025 = duckdb.sql(
        f"select geography_code, value, note from read_parquet('{release}/equity_metrics/*/*.parquet', "
        f"hive_partitioning=true) where geography_level = 'trust' and reporting_year = 2025 "
        f"and metric_id = 'wres2_rl_appointed' and comparison = 'White vs BME'"
    ).fetchall()
    # The quarantined trust is still expected: its figure is published as null, with the reason.
    quarantined = [(value, note) for code, value, note in rows_2025 if code == org]
    assert quarantined and quarantined[0][0] is None and "No valid WRES return" in quarantined[0][1]
    assert sum(value is not None for code, value, _ in rows_2025 if code != org) >= 10


# Concerns columns holding counts of cases, exclusions or assessments (practitioner
# populations are shown as supplied, so they are not checked).
CONCERNS_COUNT_COLUMNS = {
    "concerns_rate_per_1000": ["numerator_a"],
    "concerns_rl_referral": ["numerator_a", "numerator_b"],
    "concerns_rl_exclusion": ["numerator_a", "denominator_a", "numerator_b", "denominator_b"],
    "concerns_pct_assessed_expected": ["numerator_a", "denominator_a"],
    "concerns_median_exclusion_days": ["numerator_a"],
}
SURVEY_METRICS = ["wres5_pct_hba_public", "wres6_pct_hba_staff", "wres7_pct_equal_opps", "wres8_pct_discrimination"]


def test_no_published_file_discloses_small_numbers(pipeline_run):
    _, output = pipeline_run
    release = _latest_release(output)
    for source in (
        f"read_parquet('{release}/equity_metrics/*/*.parquet', hive_partitioning=true)",
        f"read_csv('{release}/csv/equity_metrics.csv', header=true)",
    ):
        for metric_id, columns in CONCERNS_COUNT_COLUMNS.items():
            for column in columns:
                small = duckdb.sql(
                    f"select count(*) from {source} where metric_id = '{metric_id}' "
                    f"and geography_level <> 'national' and {column} between 1 and 7"
                ).fetchall()[0][0]
                assert small == 0, f"{metric_id}.{column} has {small} counts of 1-7 below national"
        metrics = ", ".join(f"'{m}'" for m in SURVEY_METRICS)
        under_base = duckdb.sql(
            f"select count(*) from {source} where metric_id in ({metrics}) and denominator_a between 1 and 10"
        ).fetchall()[0][0]
        assert under_base == 0, f"{under_base} survey groups under 11 respondents published"
        trust_concerns = duckdb.sql(
            f"select count(*) from {source} where metric_id like 'concerns%' and geography_level = 'trust'"
        ).fetchall()[0][0]
        assert trust_concerns == 0
    # Something was withheld, and the log says by which rule without holding a value.
    log = duckdb.sql(f"select * from read_parquet('{release}/suppression_log/suppression_log.parquet')")
    assert log.fetchall()
    assert not {"value", "numerator_a", "denominator_a"} & set(log.columns)
    # No other published table shows a withheld figure again: the tables that repeat
    # equity_metrics figures carry the value null wherever equity_metrics suppressed it.
    key = ["metric_id", "reporting_year", "geography_level", "geography_code", "breakdown", '"group"', "comparison"]
    joined = " and ".join(f"m.{column} is not distinct from t.{column}" for column in key)
    for table in ("equity_trends", "equity_benchmarks"):
        shown = duckdb.sql(
            f"select count(*) filter (where t.value is not null), count(*) "
            f"from read_parquet('{release}/equity_metrics/*/*.parquet', hive_partitioning=true) as m "
            f"inner join read_parquet('{release}/{table}/*/*.parquet', hive_partitioning=true) as t on {joined} "
            f"where m.suppressed"
        ).fetchall()[0]
        assert shown[0] == 0, f"{table} shows {shown[0]} figures that equity_metrics suppressed"
        # Trends have a row for every key (a gap is a null value); benchmarks only for
        # figures with a CI, which a suppressed figure never has.
        assert shown[1] > 0 if table == "equity_trends" else shown[1] == 0, (table, shown)


# --- the trust and region profiles (exports/reports/profiles/) --------------------------

PROFILES_BUDGET_BYTES = 30_000_000  # all profiles of a full nation (210 trusts, 7 regions)
FULL_NATION_TRUSTS, FULL_NATION_REGIONS = 210, 7


def _profile_figures(release: Path):
    """The published figures a trust profile shows (trust level, breakdown all, the reporting
    year, the trust headlines with their broad groups), and the folder of trust pages."""
    import pandas as pd

    from exports.reports.headlines import TRUST_HEADLINES

    year = int(release.name.split("-")[0])
    metrics = pd.read_parquet(release / "equity_metrics" / f"reporting_year={year}")
    metrics = metrics[(metrics["geography_level"] == "trust") & (metrics["breakdown"] == "all")]
    return metrics, TRUST_HEADLINES, release / "reports" / "profiles" / "trusts"


def _cell(html: str, caption: str | None, row_header: str) -> str:
    """The first data cell of a row (by its header), inside the table with this caption."""
    import html as html_lib

    if caption is not None:
        start = html.index(f"<caption>{html_lib.escape(caption)}</caption>")
        html = html[start:html.index("</table>", start)]
    match = re.search(rf'<th scope="row"[^>]*>{re.escape(html_lib.escape(row_header))}</th><td[^>]*>(.*?)</td>', html)
    assert match, (caption, row_header)
    return match.group(1)


def test_profile_headline_figures_equal_equity_metrics(pipeline_run):
    from exports.reports.formatting import number

    _, output = pipeline_run
    metrics, headlines, trusts = _profile_figures(_latest_release(output))
    pages = sorted(trusts.glob("*.html"))
    assert {page.stem for page in pages} == set(metrics["geography_code"])
    checked = 0
    for page in pages:
        html = page.read_text(encoding="utf-8")
        mine = metrics[metrics["geography_code"] == page.stem]
        for headline in headlines:
            row = headline.rows(mine)
            assert len(row) == 1, (page.stem, headline.key)
            row = row.iloc[0]
            shown = _cell(html, None, headline.label)
            expected = "suppressed" if row["suppressed"] else number(row["value"], headline.measure, unit=True)
            assert shown == expected, (page.stem, headline.key, shown, expected)
            checked += 1
    assert checked == len(pages) * len(headlines)


def test_profiles_show_no_suppressed_value_and_no_practitioner_identifier(pipeline_run, small_nation):
    """Every suppressed trust figure a profile could show is shown as 'suppressed' (in the
    broad-groups tables, where the small groups are), and listed with its rule; the
    practitioner scan of every published file (above) covers these pages too."""
    import html as html_lib

    _, output = pipeline_run
    metrics, headlines, trusts = _profile_figures(_latest_release(output))
    suppressed = metrics[metrics["suppressed"].fillna(False).astype(bool)]
    shown = 0
    for headline in headlines:
        for group, comparison in [(headline.group, headline.comparison), *headline.broad_groups()]:
            rows = headline.rows(suppressed, group=group) if comparison is None else suppressed[
                (suppressed["metric_id"] == headline.metric_id) & (suppressed["comparison"] == comparison)]
            for code in rows["geography_code"]:
                html = (trusts / f"{code}.html").read_text(encoding="utf-8")
                caption = headline.label if headline.broad_groups() else None
                assert _cell(html, caption, comparison or group) == "suppressed", (code, headline.key, group)
                assert html_lib.escape(headline.title) in html[html.index('id="suppressed"'):]
                shown += 1
    assert shown > 0, "the small nation has suppressed trust figures"
    practitioner_scan_covers = sorted(output.rglob("reports/profiles/**/*.html"))
    assert len(practitioner_scan_covers) > len(list(trusts.glob("*.html")))


def test_profile_ranks_use_the_published_equity_distance(pipeline_run):
    """The profiles' equity distance (Headline.distance) is dbt's (equity_benchmarks)."""
    import pandas as pd

    from exports.reports.headlines import TRUST_HEADLINES

    _, output = pipeline_run
    release = _latest_release(output)
    benchmarks = pd.read_parquet(release / "equity_benchmarks")
    benchmarks = benchmarks[(benchmarks["geography_level"] == "trust") & benchmarks["equity_distance"].notna()]
    compared = 0
    for headline in TRUST_HEADLINES:
        for row in headline.rows(benchmarks).itertuples():
            assert headline.distance(row.value) == pytest.approx(row.equity_distance), (headline.key, row)
            compared += 1
    assert compared > 100


def test_profiles_of_a_full_nation_fit_the_size_budget(pipeline_run):
    """All profiles of a full nation (210 trusts) ≤ 30 MB. A trust page does not grow with the
    number of trusts; a region page and the index grow with their trusts, so the small nation's
    are scaled up by 210 / its trusts. `make bench` reports the size measured at scale 1.0."""
    _, output = pipeline_run
    profiles = _latest_release(output) / "reports" / "profiles"
    trust_pages = list((profiles / "trusts").glob("*.html"))
    growth = FULL_NATION_TRUSTS / len(trust_pages)
    largest_region = max(page.stat().st_size for page in (profiles / "regions").glob("*.html"))
    estimate = (FULL_NATION_TRUSTS * max(page.stat().st_size for page in trust_pages)
                + FULL_NATION_REGIONS * largest_region * growth
                + (profiles / "index.html").stat().st_size * growth)
    assert estimate <= PROFILES_BUDGET_BYTES, f"{estimate / 1e6:.1f} MB"
