"""No suppressed staff survey figure can be recovered by subtraction from the published tables
(metrics.md 1.1, "Disclosure control"; methodology decisions 90-94).

The intruder (tests/disclosure_intruder.py) reads a release's parquet files only and tries
every subtraction the totals allow, repeating with what it recovers. It must recover nothing:
on the small test nation, on the bundled sample and on a larger nation of about 60 trusts.
The negative control builds the small nation's validated zone again with the 1.1 totals
switched off (dbt var `survey_geography_totals: false`, the method 1.0 rule): the same
intruder must then recover figures, which shows that it can.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import run_pipeline

try:
    from tests import dbt_fixtures
    from tests.disclosure_intruder import attack, read_release, read_warehouse
except ImportError:  # tests/ is not a package: pytest puts it on sys.path itself
    import dbt_fixtures
    from disclosure_intruder import attack, read_release, read_warehouse

pytestmark = pytest.mark.slow

# About 60 trusts over three years, at a fifth of the sample's volume, so that many survey
# groups are small: a larger nation with plenty to protect (over 1,000 suppressed figures),
# and a run of about a minute.
LARGE_NATION = dict(scale=0.2, trusts=60, first_year=2023, last_year=2025, seed=8)


def _latest_release(output: Path) -> Path:
    return output / "releases" / (output / "LATEST").read_text().strip()


def _published_nation(tmp_path_factory, name: str, nation: dict) -> Path:
    """Generate a nation, run the real DAG on it, and return its release."""
    from ingest.synthetic import generate_nation

    root = tmp_path_factory.mktemp(name)
    generate_nation(root / "landing", **nation)
    assert run_pipeline(root / "landing", root / "output").state == "success"
    return _latest_release(root / "output")


@pytest.fixture(scope="session")
def sample_release(airflow_db, tmp_path_factory) -> Path:
    from ingest.synthetic import SAMPLE_NATION

    return _published_nation(tmp_path_factory, "sample-nation", SAMPLE_NATION)


@pytest.fixture(scope="session")
def large_release(airflow_db, tmp_path_factory) -> Path:
    return _published_nation(tmp_path_factory, "large-nation", LARGE_NATION)


def _tables(metrics: list[tuple], trends: list[tuple] = (), organisations: list[tuple] = ()) -> dict:
    """Published tables by hand: metrics rows (level, code, group, numerator, denominator,
    suppressed), all wres5 2024; trends rows (code, value); organisations (code, region,
    successor)."""
    metric_rows = pd.DataFrame(
        [dict(metric_id="wres5_pct_hba_public", reporting_year=2024, geography_level=level, geography_code=code,
              group=group, numerator_a=None if hidden else n, denominator_a=None if hidden else d, suppressed=hidden,
              note=("Suppressed: fewer than 11 respondents in this group answered (staff survey minimum base)."
                    if hidden and d < 11 else "Suppressed (secondary suppression)." if hidden else None))
         for level, code, group, n, d, hidden in metrics]  # fmt: skip
    )
    trend_rows = pd.DataFrame(
        [dict(metric_id="wres5_pct_hba_public", reporting_year=2024, geography_level="trust", geography_code=code,
              group="Mixed", value=value, previous_value=None, change=None) for code, value in trends],  # fmt: skip
        columns=["metric_id", "reporting_year", "geography_level", "geography_code", "group", "value",
                 "previous_value", "change"],
    )
    return {
        "equity_metrics": metric_rows,
        "equity_trends": trend_rows,
        "equity_benchmarks": trend_rows.iloc[:0],
        "national_scorecard": pd.DataFrame(columns=["metric_id", "reporting_year", "group", "england_value",
                                                    "white_value"]),
        "organisations": pd.DataFrame(organisations, columns=["org_code", "region_code", "successor_org_code"]),
    }  # fmt: skip


def test_the_intruder_subtracts_adds_and_solves_a_lineage():
    """Hand-made published tables, worked by hand (wres5 2024, Mixed unless said). Y56 37/9
    (denominator/numerator) = T1 (hidden) + T2 20/5 + T3 12/3, so T1 = 5/1. England 50/12 =
    Y56 37/9 + Y58 (hidden), so Y58 = 13/3; Y58 = T4 alone (hidden too), so T4 = 13/3. At T2,
    BME is hidden but Asian 40 + Black 30 + Mixed 20 + Other 10 are published: BME = 100 (and
    numerators 10 + 10 + 5 + 5 = 30), by adding up."""
    tables = _tables(
        [("region", "Y56", "Mixed", 9, 37, False), ("trust", "T1", "Mixed", 1, 5, True),
         ("trust", "T2", "Mixed", 5, 20, False), ("trust", "T3", "Mixed", 3, 12, False),
         ("national", "E92000001", "Mixed", 12, 50, False), ("region", "Y58", "Mixed", 3, 13, True),
         ("trust", "T4", "Mixed", 3, 13, True),
         ("trust", "T2", "BME", 30, 100, True), ("trust", "T2", "Asian", 10, 40, False),
         ("trust", "T2", "Black", 10, 30, False), ("trust", "T2", "Other", 5, 10, False)],
        organisations=[("T1", "Y56", None), ("T2", "Y56", None), ("T3", "Y56", None), ("T4", "Y58", None)],
    )  # fmt: skip
    result = attack(tables)
    recovered = {key[3:]: count for key, count in result.recovered.items()}
    assert recovered == {
        ("T1", "Mixed", "numerator_a"): 1, ("T1", "Mixed", "denominator_a"): 5,
        ("Y58", "Mixed", "numerator_a"): 3, ("Y58", "Mixed", "denominator_a"): 13,
        ("T4", "Mixed", "numerator_a"): 3, ("T4", "Mixed", "denominator_a"): 13,
        ("T2", "BME", "numerator_a"): 30, ("T2", "BME", "denominator_a"): 100,
    }  # fmt: skip

    # A lineage: S1 published 7/23, P1 hidden under the minimum base (its note says so), and
    # the lineage S1 + P1 shows 100 * 10/31 in equity_trends: (7 + n)/(23 + d) = 10/31 with
    # d <= 10 has the one solution d = 8, n = 3 (the next, d = 39, is not under 11).
    lineage = _tables(
        [("trust", "S1", "Mixed", 7, 23, False), ("trust", "P1", "Mixed", 3, 8, True)],  # fmt: skip
        trends=[("S1", 100.0 * 10 / 31)],
        organisations=[("S1", "Y56", None), ("P1", "Y56", "S1")],
    )
    assert {key[3:]: n for key, n in attack(lineage).recovered.items()} == {
        ("P1", "Mixed", "numerator_a"): 3, ("P1", "Mixed", "denominator_a"): 8,
    }


def _assert_nothing_recovered(release: Path) -> None:
    result = attack(read_release(release))
    # the attack had something to try: suppressed figures and totals to subtract within
    assert result.suppressed > 0 and result.equations > 0
    assert result.shown_elsewhere == []
    recovered = sorted(result.recovered)
    assert recovered == [], f"{len(recovered)} suppressed counts recovered, e.g. {recovered[:5]}"


def test_nothing_is_recovered_on_the_small_nation(pipeline_run):
    dag_run, output = pipeline_run
    assert dag_run.state == "success"
    _assert_nothing_recovered(_latest_release(output))


def test_nothing_is_recovered_on_the_sample(sample_release):
    _assert_nothing_recovered(sample_release)


def test_nothing_is_recovered_on_a_nation_of_60_trusts(large_release):
    _assert_nothing_recovered(large_release)


def test_negative_control_without_the_1_1_totals_figures_are_recovered(pipeline_run, tmp_path):
    """The small nation's validated zone, built again by dbt (models only) with the 1.1
    totals off (seeds and models only, no tests): the intruder recovers trust counts from
    their region's."""
    _, output = pipeline_run
    work = output / "work"
    control = tmp_path / "work"
    shutil.copytree(work / "validated", control / "validated")
    for name in ("file_outcomes.parquet", "previous_release_inputs.parquet"):
        shutil.copy2(work / name, control / name)
    built = dbt_fixtures.run_dbt(control, "build", "--exclude-resource-type", "test", "--exclude-resource-type",
                                 "unit_test", "--vars", "{survey_geography_totals: false}")
    assert built.returncode == 0, built.stdout[-4000:]

    result = attack(read_warehouse(control / "warehouse.duckdb"))
    recovered_trusts = {row for row in result.recovered_rows() if row[2] == "trust"}
    assert recovered_trusts, "with the 1.0 rule the intruder should recover a trust's count from its region"
