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

import pytest

from conftest import run_pipeline

try:
    from tests import dbt_fixtures
    from tests.disclosure_intruder import attack, read_release, read_warehouse
except ImportError:  # tests/ is not a package: pytest puts it on sys.path itself
    import dbt_fixtures
    from disclosure_intruder import attack, read_release, read_warehouse

pytestmark = pytest.mark.slow

# About 60 trusts over four years, at a fifth of the sample's volume, so that many survey
# groups are small: a larger nation with plenty to protect, and a run of about a minute.
LARGE_NATION = dict(scale=0.2, trusts=60, first_year=2022, last_year=2025, seed=8)


def _latest_release(output: Path) -> Path:
    return output / "releases" / (output / "LATEST").read_text().strip()


@pytest.fixture(scope="session")
def sample_release(airflow_db, tmp_path_factory) -> Path:
    from ingest.synthetic import SAMPLE_NATION, generate_nation

    root = tmp_path_factory.mktemp("sample-nation")
    generate_nation(root / "landing", **SAMPLE_NATION)
    assert run_pipeline(root / "landing", root / "output").state == "success"
    return _latest_release(root / "output")


@pytest.fixture(scope="session")
def large_release(airflow_db, tmp_path_factory) -> Path:
    from ingest.synthetic import generate_nation

    root = tmp_path_factory.mktemp("large-nation")
    generate_nation(root / "landing", **LARGE_NATION)
    assert run_pipeline(root / "landing", root / "output").state == "success"
    return _latest_release(root / "output")


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
