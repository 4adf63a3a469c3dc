"""etr.csv and regions.csv (input contract 1.1).

A failure that makes a required reference file unusable stops the run with a message that
names the file, the row and the rule, before anything is written to the validated zone:
any failing regions.csv row, and in etr.csv an empty or repeated organisation code. An
etr.csv row that cannot be attributed, or whose national grouping is not in regions.csv,
does not stop the run: the row is kept, marked, never expected, and a WRES return from it
is quarantined with that reason.
"""

from __future__ import annotations

import pandas as pd
import pytest
import validation_support as vs

from expectations.contract import REQUIRED_REFERENCE_FILES
from expectations.etr_scope import UNATTRIBUTABLE_RULES
from expectations.suites import SUITES
from expectations.validate import ReferenceDataError, validate_landed
from expectations.zones import read_parquet, validated_path
from ingest.config import Paths
from ingest.errors import NonRetryableError

# (table, rule, row, values set on that row); etr has orgs RGD (row 2) and RBB (row 3).
STOPS_THE_RUN = [
    ("ref_regions", "region_code_not_null", 3, {"region_code": None}),
    ("ref_regions", "region_code_unique", 3, {"region_code": "Y56"}),
    ("ref_regions", "region_name_not_null", 2, {"region_name": None}),
    ("ref_etr", "org_code_not_null", 3, {"org_code": None}),
    ("ref_etr", "org_code_unique", 3, {"org_code": "RGD"}),
]
# (rule, values set on RGD's row 2, the reason recorded on the row)
UNATTRIBUTABLE = [
    ("org_name_not_null", {"org_name": None}, "the name (column 2) is empty"),
    ("region_code_not_null", {"region_code": None}, "the national grouping (column 3) is empty"),
    ("open_date_not_null", {"open_date": None}, "the open date (column 11) is empty"),
    ("open_date_valid_date", {"open_date": "2001-04-01"}, "the open date (column 11) is not a real"),
    ("close_date_valid_date", {"close_date": "20230230"}, "the close date (column 12) is not a real"),
    ("close_date_not_before_open_date", {"close_date": "20000331"}, "the close date (column 12) is before"),
]
WRES = vs.wres_path("RGD", 2024)


def landing(
    tmp_path, regions: vs.Tables | None = None, etr: vs.Tables | None = None, with_etr=True
) -> vs.RawZone:
    zone = vs.RawZone(Paths(landing=tmp_path / "landing", output=tmp_path / "output"))
    zone.add("reference/regions.csv", "reference", regions or vs.regions())
    if with_etr:
        zone.add("reference/etr.csv", "reference", etr or vs.etr(["RGD", "RBB"]))
    zone.add(WRES, "wres", vs.wres_workbook("RGD", 2024), 2024, "RGD")
    return zone


def assert_run_stopped(zone: vs.RawZone, *expected: str) -> None:
    paths = zone.write()
    with pytest.raises(ReferenceDataError) as stopped:
        validate_landed(paths)
    assert isinstance(stopped.value, NonRetryableError)  # the DAG fails the task without retries
    for text in expected:
        assert text in str(stopped.value)
    assert not paths.validated.exists() and not paths.file_outcomes.exists()


# One landing for every row-level case: RGD is fine, U1..U6 each fail one unattributable
# rule, WLS is in Wales (W00); each sends a WRES return. Validated once, for speed.
EDGE_ORGS = [f"U{n}" for n in range(1, len(UNATTRIBUTABLE) + 1)]


@pytest.fixture(scope="module")
def edge_cases(tmp_path_factory) -> tuple[Paths, pd.DataFrame, pd.DataFrame]:
    tmp_path = tmp_path_factory.mktemp("etr-rows")
    etr = vs.etr(["RGD", *EDGE_ORGS, "WLS"])
    for row, (_, values, _) in enumerate(UNATTRIBUTABLE, start=3):
        etr = vs.with_edit(etr, "ref_etr", row, **values)
    etr = vs.with_edit(etr, "ref_etr", len(EDGE_ORGS) + 3, region_code="W00")
    zone = landing(tmp_path, etr=etr)
    for org in [*EDGE_ORGS, "WLS"]:
        zone.add(vs.wres_path(org, 2024), "wres", vs.wres_workbook(org, 2024), 2024, org)
    paths = zone.write()
    validate_landed(paths)
    return paths, read_parquet(validated_path(paths, "ref_etr")), read_parquet(paths.quarantine_ledger)


@pytest.mark.parametrize(
    ("org", "case"), zip(EDGE_ORGS, UNATTRIBUTABLE, strict=True), ids=[c[0] for c in UNATTRIBUTABLE]
)
def test_an_unattributable_etr_row_is_kept_marked_and_its_return_quarantined(edge_cases, org, case):
    # Contract 1.1 (was: any failing etr.csv row stopped the run).
    paths, etr, ledger = edge_cases
    _, _, reason = case
    row = EDGE_ORGS.index(org) + 3
    reasons = dict(zip(etr["_source_row"], etr["unattributable_reason"], strict=True))
    assert reasons[row].startswith(reason) and pd.isna(reasons[2])
    wres = ledger[ledger["source_file"] == vs.wres_path(org, 2024)]
    assert list(wres["rule"]) == ["org_code_attributable"] and list(wres["row"]) == [2]
    assert list(wres["sheet"]) == ["submission"] and list(wres["column"]) == ["org_code"]
    assert "reference/etr.csv" not in set(ledger["source_file"])  # etr.csv itself is loaded
    assert WRES not in set(ledger["source_file"])  # RGD's return is fine
    report = (paths.quality / "quarantine_report.md").read_text()
    assert f"Row {row} ({org}) cannot be attributed" in report


def test_an_organisation_outside_regions_is_out_of_scope_and_its_return_quarantined(edge_cases):
    paths, etr, ledger = edge_cases
    assert etr.loc[etr["org_code"] == "WLS", "unattributable_reason"].isna().all()  # attributable, not in England
    wres = ledger[ledger["source_file"] == vs.wres_path("WLS", 2024)]
    assert list(wres["rule"]) == ["org_code_in_scope"] and list(wres["row"]) == [2]
    report = (paths.quality / "quarantine_report.md").read_text()
    assert "National grouping W00 is not a region in regions.csv: its 1 row is outside England" in report


def test_every_required_reference_rule_has_a_case() -> None:
    rules = {(s, e.meta["rule"]) for s in REQUIRED_REFERENCE_FILES for e in SUITES[s]()}
    cases = {(table, rule) for table, rule, _, _ in STOPS_THE_RUN} | {("ref_etr", c[0]) for c in UNATTRIBUTABLE}
    assert rules == cases
    assert UNATTRIBUTABLE_RULES == {c[0] for c in UNATTRIBUTABLE}


def test_a_missing_etr_stops_the_run(tmp_path) -> None:
    assert_run_stopped(landing(tmp_path, with_etr=False), "reference/etr.csv is missing")


def test_an_etr_that_ingest_could_not_read_stops_the_run(tmp_path) -> None:
    zone = landing(tmp_path, with_etr=False)
    zone.add_quarantined_by_ingest(
        "reference/etr.csv", "reference", None, "too_few_columns", "Row 4 has 3 columns."
    )
    assert_run_stopped(zone, "reference/etr.csv", "rule too_few_columns", "Row 4 has 3 columns.")
