"""The real DAG on real published ODS rows (input contract 1.1, "etr.csv as ODS publishes it").

tests/fixtures/ods/etr_2017_excerpt.csv is copied unedited from a published extract: Welsh
trusts (W00), English trusts under the retired region codes Y54, Y55 and Y57, two trusts
just created with an empty national grouping and open date, closed trusts, and names with
commas and apostrophes. regions.csv lists the retired codes, as the README tells a team to.
Returns arrive from five English trusts, one Welsh trust and one unattributable trust.
"""

from __future__ import annotations

import csv
import datetime
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from landing_builders import build_landing, table_rows, write_csv

from conftest import run_pipeline

pytestmark = pytest.mark.slow

ETR = Path(__file__).parent / "fixtures" / "ods" / "etr_2017_excerpt.csv"
YEAR = 2016  # 1 April 2015 to 31 March 2016: R1G and RFW close during it
REGIONS = {"Y54": "North of England", "Y55": "Midlands and East of England", "Y56": "London",
           "Y57": "South of England"}  # fmt: skip
ENGLISH = ("RJ1", "RBS", "RCX", "R1G", "RH8")  # London, Y54, Y55 and Y57 (R1G closed in the year)
OUT_OF_SCOPE = {"RQF", "RT4", "RYT"}  # W00
UNATTRIBUTABLE = {"R0A", "R0B"}  # empty national grouping and open date


def _published_rows() -> list[list[str]]:
    with ETR.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


@pytest.fixture(scope="module")
def real_rows_run(airflow_db, tmp_path_factory):
    landing = tmp_path_factory.mktemp("real-ods") / "landing"
    # Returns and survey respondents from English trusts, a Welsh trust and an unattributable one.
    build_landing(landing, year=YEAR, org_codes=(*ENGLISH, "RQF", "R0A"))
    shutil.copyfile(ETR, landing / "reference" / "etr.csv")
    write_csv(
        landing / "reference" / "regions.csv",
        table_rows("ref_regions", [{"region_code": c, "region_name": n} for c, n in REGIONS.items()]),
    )
    output = tmp_path_factory.mktemp("real-ods-output")
    dag_run = run_pipeline(landing, output)
    release = output / "releases" / (output / "LATEST").read_text().strip()
    return dag_run, release


def test_the_run_succeeds_on_real_ods_rows(real_rows_run):
    dag_run, release = real_rows_run
    assert dag_run.state == "success"
    assert (release / "organisations" / "organisations.parquet").is_file()


def test_organisations_keep_every_row_as_published_with_in_scope(real_rows_run):
    _, release = real_rows_run
    organisations = pd.read_parquet(release / "organisations" / "organisations.parquet").set_index("org_code")
    published = _published_rows()
    assert sorted(organisations.index) == sorted(row[0] for row in published)
    out = set(organisations.index[~organisations["in_scope"]])
    assert out == OUT_OF_SCOPE | UNATTRIBUTABLE
    # Retired English region codes are in scope once regions.csv lists them.
    assert set(organisations.loc[organisations["in_scope"], "region_code"]) == set(REGIONS)
    for row in published:
        org = organisations.loc[row[0]]
        # Names and ICB codes character for character, commas and apostrophes included.
        assert org["org_name"] == row[1]
        assert (org["icb_code"] if pd.notna(org["icb_code"]) else "") == row[3]
        # Dates as the same calendar dates, typed date.
        for column, text in (("open_date", row[10]), ("close_date", row[11])):
            value = org[column]
            expected = datetime.datetime.strptime(text, "%Y%m%d").date() if text else None
            assert (value if pd.notna(value) else None) == expected, (row[0], column)
    assert organisations.loc["RCX", "org_name"] == "THE QUEEN ELIZABETH HOSPITAL, KING'S LYNN, NHS FOUNDATION TRUST"
    assert organisations.loc["RQF", "scope_note"].startswith("Outside England: national grouping W00")
    assert organisations.loc["R0A", "scope_note"].startswith("Cannot be attributed")
    schema = pd.read_parquet(release / "organisations" / "organisations.parquet").dtypes
    assert str(schema["in_scope"]) == "bool"


def test_returns_from_organisations_not_monitored_are_quarantined_with_the_reason(real_rows_run):
    _, release = real_rows_run
    ledger = pd.read_csv(release / "quality" / "quarantine.csv", dtype=str)
    rules = {row.source_file: (row.sheet, row.row, row.column, row.rule) for row in ledger.itertuples()}
    assert rules[f"wres/{YEAR}/RQF_wres_{YEAR}.xlsx"] == ("submission", "2", "org_code", "org_code_in_scope")
    assert rules[f"wres/{YEAR}/R0A_wres_{YEAR}.xlsx"] == ("submission", "2", "org_code", "org_code_attributable")
    assert {Path(f).name for f in ledger["source_file"]} == {f"RQF_wres_{YEAR}.xlsx", f"R0A_wres_{YEAR}.xlsx"}


def test_only_english_trusts_are_expected_and_counted(real_rows_run):
    _, release = real_rows_run
    metrics = pd.read_parquet(release / "equity_metrics")
    trusts = set(metrics.loc[metrics["geography_level"] == "trust", "geography_code"])
    assert not trusts & (OUT_OF_SCOPE | UNATTRIBUTABLE)
    in_scope_open = {row[0] for row in _published_rows() if row[0] not in OUT_OF_SCOPE | UNATTRIBUTABLE}
    assert trusts == in_scope_open  # every English trust open in the year, closed ones included
    england = metrics[(metrics["geography_level"] == "national") & (metrics["metric_id"] == "wres2_rl_appointed")]
    assert set(england["trusts_expected"]) == {len(in_scope_open)}
    assert set(england["trusts_contributing"]) == {len(ENGLISH)}
    status = pd.read_parquet(release / "submission_status")
    wres = status[status["source"] == "wres"]
    assert set(wres.loc[wres["status"] == "missing", "org_code"]) == in_scope_open - set(ENGLISH)


def test_survey_respondents_of_organisations_not_monitored_are_left_out_with_a_count(real_rows_run):
    _, release = real_rows_run
    outcomes = {i["path"]: i["outcome"] for i in json.loads((release / "manifest.json").read_text())["inputs"]}
    survey = [path for path in outcomes if path.startswith("staff_survey/")]
    assert [outcomes[path] for path in survey] == ["loaded"]  # not quarantined for them
    summary = json.loads((release / "quality" / "test_summary.json").read_text())
    warned = [e for e in summary["not_passed"] if "assert_staff_survey_respondents_belong_to_etr_trusts" in e["unique_id"]]
    assert [(e["status"], e["failures"]) for e in warned] == [("warn", 6)]  # 3 of RQF's and 3 of R0A's


def test_the_data_quality_report_lists_what_is_not_monitored(real_rows_run):
    _, release = real_rows_run
    html = (release / "reports" / "data_quality_report.html").read_text(encoding="utf-8")
    assert "Organisations in etr.csv that are not monitored" in html
    assert "National groupings not in regions.csv (1; 3 rows)" in html
    assert "<td>W00</td>" in html or ">W00<" in html
    assert "rows of etr.csv that cannot be attributed (2)" in html
    assert "R0A" in html and "R0B" in html
    assert "not a monitored trust (not in etr.csv, outside England, or unattributable): 6" in html
