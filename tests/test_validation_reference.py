"""etr.csv and regions.csv: any failure stops the run with a message that names the file,
the row and the rule, before anything is written to the validated zone."""

from __future__ import annotations

import pytest
import validation_support as vs

from expectations.contract import REQUIRED_REFERENCE_FILES
from expectations.suites import SUITES
from expectations.validate import ReferenceDataError, validate_landed
from ingest.config import Paths

# (table, rule, row, values set on that row); etr has orgs RGD (row 2) and RBB (row 3).
CASES = [
    ("ref_regions", "region_code_not_null", 3, {"region_code": None}),
    ("ref_regions", "region_code_unique", 3, {"region_code": "Y56"}),
    ("ref_regions", "region_name_not_null", 2, {"region_name": None}),
    ("ref_etr", "org_code_not_null", 3, {"org_code": None}),
    ("ref_etr", "org_code_unique", 3, {"org_code": "RGD"}),
    ("ref_etr", "org_name_not_null", 2, {"org_name": None}),
    ("ref_etr", "region_code_not_null", 2, {"region_code": None}),
    ("ref_etr", "region_code_in_regions", 3, {"region_code": "Y99"}),
    ("ref_etr", "open_date_not_null", 2, {"open_date": None}),
    ("ref_etr", "open_date_valid_date", 2, {"open_date": "2001-04-01"}),
    ("ref_etr", "close_date_valid_date", 3, {"close_date": "20230230"}),
]


def landing(
    tmp_path, regions: vs.Tables | None = None, etr: vs.Tables | None = None, with_etr=True
) -> vs.RawZone:
    zone = vs.RawZone(Paths(landing=tmp_path / "landing", output=tmp_path / "output"))
    zone.add("reference/regions.csv", "reference", regions or vs.regions())
    if with_etr:
        zone.add("reference/etr.csv", "reference", etr or vs.etr(["RGD", "RBB"]))
    zone.add(vs.wres_path("RGD", 2024), "wres", vs.wres_workbook("RGD", 2024), 2024, "RGD")
    return zone


def assert_run_stopped(zone: vs.RawZone, *expected: str) -> None:
    paths = zone.write()
    with pytest.raises(ReferenceDataError) as stopped:
        validate_landed(paths)
    for text in expected:
        assert text in str(stopped.value)
    assert not paths.validated.exists() and not paths.file_outcomes.exists()


@pytest.mark.parametrize(
    ("table", "rule", "row", "values"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES]
)
def test_a_bad_required_reference_file_stops_the_run(tmp_path, table, rule, row, values) -> None:
    good = {"ref_regions": vs.regions(), "ref_etr": vs.etr(["RGD", "RBB"])}
    bad = vs.with_edit(good[table], table, row, **values)
    zone = landing(tmp_path, **{table.removeprefix("ref_"): bad})
    assert_run_stopped(zone, REQUIRED_REFERENCE_FILES[table], f"row {row}", f"rule {rule}")


def test_every_required_reference_rule_has_a_case() -> None:
    rules = {(s, e.meta["rule"]) for s in REQUIRED_REFERENCE_FILES for e in SUITES[s]()}
    assert rules == {(table, rule) for table, rule, _, _ in CASES}


def test_a_missing_etr_stops_the_run(tmp_path) -> None:
    assert_run_stopped(landing(tmp_path, with_etr=False), "reference/etr.csv is missing")


def test_an_etr_that_ingest_could_not_read_stops_the_run(tmp_path) -> None:
    zone = landing(tmp_path, with_etr=False)
    zone.add_quarantined_by_ingest(
        "reference/etr.csv", "reference", None, "too_few_columns", "Row 4 has 3 columns."
    )
    assert_run_stopped(zone, "reference/etr.csv", "rule too_few_columns", "Row 4 has 3 columns.")
