"""Checkpoints shared between worker processes give the same outputs, byte for byte, as
checkpoints run one after another in one process: the same validated zone, ledger, file
outcomes and report, whichever worker ran which chunk."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import validation_support as vs

from expectations import zones
from expectations.validate import validate_landed
from expectations.zones import read_parquet
from ingest.config import Paths

YEARS = (2021, 2022, 2023, 2024)
ORGS = ("RGD", "RBB")


def landing(root: Path) -> vs.RawZone:
    """Four survey years and two trusts' WRES returns a year, with failures in both."""
    zone = vs.RawZone(Paths(landing=root / "landing", output=root / "output"))
    zone.add("reference/regions.csv", "reference", vs.regions())
    zone.add("reference/etr.csv", "reference", vs.etr(list(ORGS)))
    for year in YEARS:
        survey = vs.survey(year, "RGD", respondents=6)
        if year == 2022:
            survey = vs.with_edit(survey, "survey_responses", 3, q_hba_public="9")
        zone.add(vs.survey_path(year), "staff_survey", survey, year)
        for org in ORGS:
            workbook = vs.wres_workbook(org, year)
            if (org, year) == ("RBB", 2023):
                workbook = vs.with_edit(workbook, "wres_workforce", 4, headcount="x")
            zone.add(vs.wres_path(org, year), "wres", workbook, year, org)
    return zone


def outputs(paths: Paths) -> dict[str, str]:
    written = [*paths.validated.glob("*.parquet"), paths.quarantine_ledger, paths.file_outcomes,
               *paths.quality.glob("*.csv"), *paths.quality.glob("*.md")]
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in written}


def test_workers_change_no_output_byte(tmp_path, monkeypatch) -> None:
    # Small chunks, so that every table-year is a checkpoint of its own for a worker to take.
    monkeypatch.setattr(zones, "CHUNK_ROWS", 8)
    monkeypatch.setenv("EQUITY_CACHE", "off")
    found = {}
    for workers in ("1", "2"):
        monkeypatch.setenv("EQUITY_VALIDATE_WORKERS", workers)
        paths = landing(tmp_path / workers).write()
        summary = validate_landed(paths, run_id="test")
        found[workers] = (outputs(paths), {k: v for k, v in summary.items() if "seconds" not in k})
        ledger = read_parquet(paths.quarantine_ledger)
        assert {"q_hba_public_in_scale", "headcount_non_negative_integer"} <= set(ledger["rule"])
        assert summary["checkpoints_by_suite"]["survey_responses"] == len(YEARS)
    assert found["1"] == found["2"]
    assert len(found["1"][0]) == 17  # 13 tables, ledger, outcomes, report csv and md


def test_a_failure_in_a_worker_fails_the_step_with_its_type(tmp_path, monkeypatch) -> None:
    from expectations import ledger

    monkeypatch.setattr(zones, "CHUNK_ROWS", 8)
    monkeypatch.setenv("EQUITY_CACHE", "off")
    monkeypatch.setenv("EQUITY_VALIDATE_WORKERS", "2")

    def broken(validation, *args):
        if validation.suite_name == "survey_responses":
            raise ledger.ExpectationError("rule could not be evaluated")
        return ledger.failures(validation, *args)

    # A rule GX could not evaluate, in whichever process checks the survey.
    monkeypatch.setattr("expectations.validate.failures", broken)
    paths = landing(tmp_path).write()
    with pytest.raises(ledger.ExpectationError, match="could not be evaluated"):
        validate_landed(paths, run_id="test")
