"""The English trusts' figures do not depend on the rows ODS publishes beyond them.

The generated nation's etr.csv carries fictional rows of every kind a published extract
has (input contract 1.1): Welsh trusts (W00), an English trust under a retired region code,
closed trusts, a new trust with no national grouping or open date, and names with commas and
apostrophes. The session's run of the real DAG on that nation is compared with a run on the
same landing without those rows: every published figure must be the same.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from conftest import run_pipeline
from ingest.synthetic.nation import EXTRA_ODS_ROWS, RETIRED_REGIONS

pytestmark = pytest.mark.slow

FIGURES = ("equity_metrics", "equity_trends", "equity_benchmarks", "national_scorecard", "unknown_ethnicity")


def _release(output):
    return output / "releases" / (output / "LATEST").read_text().strip()


def _table(release, name: str) -> pd.DataFrame:
    frame = pd.read_parquet(release / name)
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


@pytest.fixture(scope="module")
def without_extra_rows(airflow_db, small_nation, tmp_path_factory):
    landing = tmp_path_factory.mktemp("without-extra-rows") / "landing"
    shutil.copytree(small_nation, landing)
    reference = landing / "reference"
    lines = (reference / "etr.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    extra = tuple(f'"{code}",' for code in EXTRA_ODS_ROWS["org_code"])
    kept = [line for line in lines if not line.startswith(extra)]
    assert len(lines) - len(kept) == len(EXTRA_ODS_ROWS)
    (reference / "etr.csv").write_text("".join(kept), encoding="utf-8")
    regions = pd.read_csv(reference / "regions.csv", dtype=str)
    regions[~regions["region_code"].isin(RETIRED_REGIONS)].to_csv(reference / "regions.csv", index=False)
    output = tmp_path_factory.mktemp("without-extra-rows-output")
    assert run_pipeline(landing, output).state == "success"
    return _release(output)


@pytest.mark.parametrize("table", FIGURES)
def test_english_trusts_figures_are_unchanged_by_the_extra_ods_rows(pipeline_run, without_extra_rows, table):
    _, output = pipeline_run
    with_extra = _table(_release(output), table)
    pd.testing.assert_frame_equal(with_extra, _table(without_extra_rows, table))


def test_the_extra_rows_are_published_as_not_monitored(pipeline_run, without_extra_rows):
    _, output = pipeline_run
    with_extra = pd.read_parquet(_release(output) / "organisations" / "organisations.parquet")
    without = pd.read_parquet(without_extra_rows / "organisations" / "organisations.parquet")
    assert set(with_extra["org_code"]) - set(without["org_code"]) == set(EXTRA_ODS_ROWS["org_code"])
    in_scope = dict(zip(with_extra["org_code"], with_extra["in_scope"], strict=True))
    # TZ1 is in scope (Y57 is listed in regions.csv) but closed before any reporting year.
    assert {code for code in EXTRA_ODS_ROWS["org_code"] if in_scope[code]} == {"TZ1"}
    assert without["in_scope"].all()
