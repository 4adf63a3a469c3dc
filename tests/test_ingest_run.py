"""The ingest run: the work zone it writes, the ledger of what failed, and a landing left alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pyarrow.parquet as pq
import pytest
from landing_builders import (
    build_landing,
    table_rows,
    tree_fingerprint,
    wres_sheets,
    write_bytes,
    write_csv,
    write_xlsx,
)

from ingest import __main__ as ingest_cli
from ingest import cache as cache_module
from ingest import raw_zone, reading
from ingest.config import PROJECT_ROOT, Paths
from ingest.discover import discover
from ingest.errors import LandingFolderError, ReferenceDataError
from ingest.ledger import LEDGER_SCHEMA
from ingest.manifest import MANIFEST_SCHEMA
from ingest.raw_zone import raw_schema
from ingest.run import ingest_landing
from ingest.tables import TABLES


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("EQUITY_PSEUDONYMISATION_KEY", "test-key")


@pytest.fixture
def landing(tmp_path):
    return build_landing(tmp_path / "landing")


@pytest.fixture
def paths(tmp_path, landing):
    return Paths(landing, tmp_path / "out")


def _manifest(paths):
    return {row["source_file"]: row for row in pq.read_table(paths.ingest_manifest).to_pylist()}


def _ledger(paths):
    return pq.read_table(paths.ingest_failures).to_pylist()


def test_clean_landing_fills_every_raw_table(paths):
    summary = ingest_landing(paths)
    json.dumps(summary)  # serialisable, for XCom and the run manifest
    for name, table in TABLES.items():
        written = pq.read_table(paths.raw / f"{name}.parquet")
        assert written.schema.equals(raw_schema(table)), name
    workforce = pq.read_table(paths.raw / "wres_workforce.parquet").to_pylist()
    assert [
        (r["_source_file"], r["_source_row"], r["_file_year"], r["_file_org_code"]) for r in workforce
    ] == [
        (f"wres/2024/{org}_wres_2024.xlsx", row, 2024, org) for org in ("RJ1", "RJ2") for row in (2, 3, 4, 5)
    ]
    etr = pq.read_table(paths.raw / "ref_etr.parquet").to_pylist()
    assert {(r["_file_year"], r["_file_org_code"]) for r in etr} == {(None, None)}
    assert summary["raw_rows"]["ref_successors"] == 0  # header only: an empty table, full schema
    assert summary["outcomes"] == {"loaded": 9}

    manifest = _manifest(paths)
    assert pq.read_schema(paths.ingest_manifest).equals(MANIFEST_SCHEMA)
    assert set(manifest) == {
        p.relative_to(paths.landing).as_posix() for p in paths.landing.rglob("*") if p.is_file()
    }
    wres = manifest["wres/2024/RJ1_wres_2024.xlsx"]
    assert (wres["outcome"], wres["reason"], wres["org_code"], wres["reporting_year"], wres["rows_read"]) == (
        "loaded",
        None,
        "RJ1",
        2024,
        11,
    )
    assert wres["size_bytes"] == (paths.landing / "wres/2024/RJ1_wres_2024.xlsx").stat().st_size
    assert pq.read_schema(paths.ingest_failures).equals(LEDGER_SCHEMA)
    assert _ledger(paths) == []


def test_structural_failures_become_ledger_rows_and_load_nothing(paths, landing):
    sheets = wres_sheets("RJ3", 2024)
    del sheets["board"]
    del sheets["workforce"][0][3]  # the headcount header
    write_xlsx(landing / "wres/2024/RJ3_wres_2024.xlsx", sheets)
    write_xlsx(landing / "wres/2024/RJ4_wres_2023.xlsx", wres_sheets("RJ4", 2023))
    write_bytes(landing / "concerns/2023/cases.csv", b"")
    write_csv(
        landing / "staff_survey/2023/responses.csv", [["survey_year"], ["2023"]]
    )  # beside responses.csv.gz
    write_bytes(landing / "notes/readme.md", b"# hello")
    before = tree_fingerprint(landing)

    summary = ingest_landing(paths)

    assert tree_fingerprint(landing) == before
    failures = {(r["source_file"], r["sheet"], r["column"], r["rule"]) for r in _ledger(paths)}
    assert failures == {
        ("wres/2024/RJ3_wres_2024.xlsx", "workforce", "headcount", "missing_column"),
        ("wres/2024/RJ3_wres_2024.xlsx", "board", None, "missing_sheet"),
        ("wres/2024/RJ4_wres_2023.xlsx", None, None, "year_mismatch"),
        ("concerns/2023/cases.csv", None, None, "empty_file"),
        ("staff_survey/2023/responses.csv", None, None, "ambiguous_survey_file"),
        ("staff_survey/2023/responses.csv.gz", None, None, "ambiguous_survey_file"),
        ("notes/readme.md", None, None, "unrecognised_file"),
    }
    for row in _ledger(paths):
        assert row["sha256"] == _manifest(paths)[row["source_file"]]["sha256"]
    rj3 = [r for r in _ledger(paths) if r["source_file"] == "wres/2024/RJ3_wres_2024.xlsx"]
    assert {(r["source"], r["reporting_year"]) for r in rj3} == {("wres", 2024)}

    manifest = _manifest(paths)
    assert manifest["wres/2024/RJ3_wres_2024.xlsx"]["outcome"] == "quarantined"
    assert manifest["wres/2024/RJ3_wres_2024.xlsx"]["reason"].startswith(
        "missing_column: the 'workforce' sheet has no headcount"
    )
    assert manifest["notes/readme.md"]["outcome"] == "unrecognised"
    assert summary["outcomes"] == {"loaded": 8, "quarantined": 5, "unrecognised": 1}
    assert summary["files_by_source"]["wres"] == {"loaded": 2, "quarantined": 2}

    raw_files = {
        r["_source_file"] for name in TABLES for r in pq.read_table(paths.raw / f"{name}.parquet").to_pylist()
    }
    assert raw_files == {
        path for path, row in manifest.items() if row["outcome"] == "loaded" and row["rows_read"]
    }
    assert summary["raw_rows"]["survey_responses"] == 0


def test_ledger_keeps_100_rows_per_rule_and_counts_the_rest(paths, landing):
    rows = table_rows("concerns_population", [])
    rows += [["2024", "Doctor"]] * 150  # every data row malformed
    write_csv(landing / "concerns/2024/practitioner_population.csv", rows)
    ingest_landing(paths)
    malformed = [r for r in _ledger(paths) if r["rule"] == "malformed_row"]
    assert [r["row"] for r in malformed[:100]] == list(range(2, 102))
    assert len(malformed) == 101 and malformed[100]["row"] is None
    assert malformed[100]["message"].startswith("50 more rows failed rule malformed_row")


def test_bad_column_map_quarantines_its_survey_year(paths, landing):
    write_csv(
        landing / "staff_survey/2023/column_map.csv",
        [["source_column", "canonical_column"], ["Q1", "nonsense"]],
    )
    ingest_landing(paths)
    manifest = _manifest(paths)
    assert manifest["staff_survey/2023/column_map.csv"]["outcome"] == "quarantined"
    assert manifest["staff_survey/2023/responses.csv.gz"]["reason"].startswith("column_map_unusable")


def test_notes_for_ignored_sheets_are_in_the_summary(paths, landing):
    sheets = {**wres_sheets("RJ1", 2024), "Guidance": [["read me"]]}
    write_xlsx(landing / "wres/2024/RJ1_wres_2024.xlsx", sheets)
    summary = ingest_landing(paths)
    assert summary["notes"] == [
        {
            "source_file": "wres/2024/RJ1_wres_2024.xlsx",
            "note": "ignored sheets not in the contract: Guidance",
        }
    ]
    assert _manifest(paths)["wres/2024/RJ1_wres_2024.xlsx"]["outcome"] == "loaded"


def test_output_is_byte_identical_across_runs(tmp_path, landing):
    first, second = Paths(landing, tmp_path / "first"), Paths(landing, tmp_path / "second")
    ingest_landing(first)
    ingest_landing(second)
    files = sorted(p.relative_to(first.work) for p in first.work.rglob("*.parquet"))
    assert files == sorted(p.relative_to(second.work) for p in second.work.rglob("*.parquet"))
    for relpath in files:
        assert (first.work / relpath).read_bytes() == (second.work / relpath).read_bytes(), relpath


@pytest.mark.parametrize("cache", ["on", "off"])
def test_reading_in_worker_processes_writes_the_same_bytes(tmp_path, landing, monkeypatch, cache):
    monkeypatch.setenv("EQUITY_CACHE", cache)
    here = Paths(landing, tmp_path / "here")
    ingest_landing(here)
    monkeypatch.setattr(reading, "MIN_FILES_FOR_WORKERS", 0)
    monkeypatch.setattr(reading, "READ_WORKERS", 2)
    monkeypatch.setattr(reading, "LARGE_FILE_BYTES", 1000)  # some files one at a time, as a survey is
    workers = Paths(landing, tmp_path / "workers")
    ingest_landing(workers)
    files = sorted(p.relative_to(here.work) for p in here.work.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(workers.work) for p in workers.work.rglob("*") if p.is_file())
    for relpath in files:
        assert (here.work / relpath).read_bytes() == (workers.work / relpath).read_bytes(), relpath


@pytest.mark.parametrize("cache", ["on", "off"])
def test_rows_read_back_from_disk_write_the_same_bytes_as_rows_handed_over(
    tmp_path, landing, monkeypatch, cache
):
    monkeypatch.setenv("EQUITY_CACHE", cache)
    handed_over = Paths(landing, tmp_path / "handed_over")
    ingest_landing(handed_over)
    monkeypatch.setattr(cache_module, "HANDOVER_BYTES", 0)  # every file's rows go by disk, as a survey's do
    on_disk = Paths(landing, tmp_path / "on_disk")
    ingest_landing(on_disk)
    # The same work zone and, with the cache on, the same entries, whichever way rows came back.
    assert _files(handed_over.output) == _files(on_disk.output)
    if cache == "off":
        assert not (on_disk.work / "reading").exists()  # the hand-over is cleared away


def _files(folder) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_row_groups_and_merged_buffers_keep_rows_and_order(tmp_path, landing, monkeypatch):
    whole = Paths(landing, tmp_path / "whole")
    ingest_landing(whole)
    monkeypatch.setattr(raw_zone, "ROW_GROUP_ROWS", 3)
    monkeypatch.setattr(raw_zone, "MERGE_PENDING_FILES", 1)
    pieces = Paths(landing, tmp_path / "pieces")
    ingest_landing(pieces)
    workforce = pq.ParquetFile(pieces.raw / "wres_workforce.parquet")
    assert workforce.num_row_groups == 4  # each workbook's 4 rows: a group of 3, then of 1
    for name in TABLES:
        assert pq.read_table(pieces.raw / f"{name}.parquet").equals(
            pq.read_table(whole.raw / f"{name}.parquet")
        )


def test_work_zone_is_replaced(paths):
    stale = paths.validated / "old.parquet"
    write_bytes(stale, b"from an earlier run")
    ingest_landing(paths)
    assert not stale.exists()


@pytest.mark.parametrize("reference", ["reference/etr.csv", "reference/regions.csv"])
def test_missing_required_reference_stops_the_run(paths, landing, reference):
    (landing / reference).unlink()
    with pytest.raises(ReferenceDataError, match=reference):
        ingest_landing(paths)


def test_unreadable_etr_stops_the_run_naming_it(paths, landing):
    write_bytes(landing / "reference/etr.csv", "RJ1,Hôpital\n".encode("latin-1"))
    with pytest.raises(ReferenceDataError, match=r"reference/etr\.csv: not UTF-8"):
        ingest_landing(paths)


def test_bad_optional_reference_is_only_quarantined(paths, landing):
    write_csv(landing / "reference/trust_types.csv", [["org", "type"], ["RJ1", "acute"]])
    summary = ingest_landing(paths)
    assert _manifest(paths)["reference/trust_types.csv"]["outcome"] == "quarantined"
    assert summary["raw_rows"]["ref_trust_types"] == 0


def test_work_zone_may_not_overlap_landing(tmp_path, landing):
    before = tree_fingerprint(landing)
    with pytest.raises(LandingFolderError, match="overlaps"):
        ingest_landing(Paths(landing, landing / "output"))
    with pytest.raises(LandingFolderError, match="does not exist"):
        ingest_landing(Paths(tmp_path / "nowhere", tmp_path / "out"))
    assert tree_fingerprint(landing) == before


def test_command_line(tmp_path, landing):
    env = {**os.environ, "EQUITY_LANDING_DIR": str(landing), "EQUITY_OUTPUT_DIR": str(tmp_path / "out")}
    done = subprocess.run(
        [sys.executable, "-m", "ingest"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["outcomes"] == {"loaded": 9}
    assert "ingested 9 landing files" in done.stderr


def test_command_line_stops_with_a_message_not_a_traceback(tmp_path, landing, monkeypatch, caplog):
    monkeypatch.setenv("EQUITY_LANDING_DIR", str(landing))
    monkeypatch.setenv("EQUITY_OUTPUT_DIR", str(tmp_path / "out"))
    (landing / "reference/etr.csv").unlink()
    assert ingest_cli.main() == 1
    assert "reference/etr.csv: the file is missing from the landing folder" in caplog.text


def test_workers_start_before_hashing_only_when_many_files_will_be_read(tmp_path, landing, monkeypatch):
    monkeypatch.setenv("EQUITY_CACHE", "on")
    monkeypatch.setattr(reading, "MIN_FILES_FOR_WORKERS", 4)
    monkeypatch.setattr(reading, "READ_WORKERS", 2)
    paths = Paths(landing, tmp_path / "out")
    files = discover(landing)
    started = reading._workers_started_early(paths, files, b"k")  # an empty cache: every file is read
    assert started is not None
    started.close()
    ingest_landing(paths)
    # A rerun finds an entry for every file: nothing to read, so no worker is started.
    assert reading._workers_started_early(paths, files, b"k") is None
    monkeypatch.setenv("EQUITY_CACHE", "off")
    started = reading._workers_started_early(paths, files, b"k")
    assert started is not None
    started.close()
