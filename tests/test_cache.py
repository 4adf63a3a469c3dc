"""Reuse by content (ingest/cache.py, expectations/verdicts.py, ingest/dbt_reuse.py): a
rerun reuses what has not changed, and publishes exactly the bytes a run without the
cache publishes."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from landing_builders import break_workforce_headcount, build_landing, etr_row, write_csv

from conftest import run_pipeline
from ingest.cache import cache_dir
from ingest.config import Paths
from ingest.run import ingest_landing

DATA_SUFFIXES = {".parquet", ".csv"}
# The release log names every release so far, so it is the one table that must differ.
RELEASE_LOG = {"revisions.csv", "revisions/revisions.parquet"}


def _data_hashes(release: Path) -> dict[str, str]:
    return {
        p.relative_to(release).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(release.rglob("*"))
        if p.is_file() and p.suffix in DATA_SUFFIXES and p.relative_to(release).as_posix() not in RELEASE_LOG
    }


def _latest(output: Path) -> Path:
    return output / "releases" / (output / "LATEST").read_text().strip()


@pytest.fixture
def key(monkeypatch):
    monkeypatch.setenv("EQUITY_PSEUDONYMISATION_KEY", "cache-test-key")
    monkeypatch.delenv("EQUITY_CACHE", raising=False)
    monkeypatch.delenv("EQUITY_CACHE_DIR", raising=False)


def _reused(tmp_path: Path, landing: Path) -> int:
    return ingest_landing(Paths(landing=landing, output=tmp_path / "output"))["files_reused"]


def test_a_file_is_reused_only_while_everything_its_verdict_depends_on_is_unchanged(tmp_path, key, monkeypatch):
    landing = build_landing(tmp_path / "landing")
    files = sum(1 for p in landing.rglob("*") if p.is_file())
    assert _reused(tmp_path, landing) == 0
    assert _reused(tmp_path, landing) == files  # every file, reference ones included

    # A new reference file changes every file's key: nothing is reused.
    write_csv(landing / "reference/etr.csv", [etr_row(org, f"Trust {org}") for org in ("RJ1", "RJ2", "RJ9")])
    assert _reused(tmp_path, landing) == 0

    # Another pseudonymisation key changes every key too; the key itself is never stored.
    monkeypatch.setenv("EQUITY_PSEUDONYMISATION_KEY", "another-key")
    assert _reused(tmp_path, landing) == 0
    cache = cache_dir(Paths(landing=landing, output=tmp_path / "output"))
    assert not any(b"another-key" in p.read_bytes() for p in cache.rglob("*") if p.is_file())

    # A corrupted raw-zone table fails its sha256 check and is written again from its files'
    # rows; a corrupted entry fails its sha256 check then, and its file is read again.
    raw = tmp_path / "output" / "work" / "raw"
    before = {p.name: p.read_bytes() for p in raw.glob("*.parquet")}
    last_keys = pq.read_table(tmp_path / "output" / "work" / "file_cache_keys.parquet")["cache_key"].to_pylist()
    entry = next(p for key in last_keys for p in (cache / "files" / key).glob("*.arrow"))
    entry.write_bytes(entry.read_bytes()[:-8])
    for table in (cache / "tables").rglob("*.parquet"):
        table.write_bytes(table.read_bytes()[:-8])
    assert _reused(tmp_path, landing) == files - 1
    assert {p.name: p.read_bytes() for p in raw.glob("*.parquet")} == before

    # The switch turns it off.
    monkeypatch.setenv("EQUITY_CACHE", "off")
    assert _reused(tmp_path, landing) == 0


def test_entries_the_last_run_did_not_use_are_dropped(tmp_path, key):
    from expectations.validate import validate_landed

    landing = build_landing(tmp_path / "landing")
    paths = Paths(landing=landing, output=tmp_path / "output")
    ingest_landing(paths)
    validate_landed(paths)
    before = set((cache_dir(paths) / "files").iterdir())
    survey = next(landing.glob("staff_survey/*/responses.*"))
    survey.unlink()
    ingest_landing(paths)
    summary = validate_landed(paths)
    after = set((cache_dir(paths) / "files").iterdir())
    assert len(after) == len(before) - 1 and after < before
    # Every remaining file's verdict is reused, the reference files' too: nothing is
    # validated again.
    assert summary["files_validated"] == 0 and summary["files_reused"] > 0


@pytest.mark.slow
def test_the_cache_changes_no_published_byte(airflow_db, small_nation, tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    shutil.copytree(small_nation, landing)
    # A quarantined workbook, so that reused verdicts must rebuild the ledger too.
    break_workforce_headcount(sorted(landing.glob("wres/2024/*_wres_2024.xlsx"))[0])

    monkeypatch.setenv("EQUITY_CACHE", "off")
    assert run_pipeline(landing, tmp_path / "off").state == "success"
    without = _latest(tmp_path / "off")
    assert not (tmp_path / "off" / "cache").exists()
    monkeypatch.delenv("EQUITY_CACHE")
    cold_run = run_pipeline(landing, tmp_path / "cached")
    cold = _latest(tmp_path / "cached")
    assert run_pipeline(landing, tmp_path / "cached").state == "success"
    warm = _latest(tmp_path / "cached")

    reference = _data_hashes(without)
    assert len(reference) > 20 and "quality/quarantine.csv" in reference
    assert "suppression_log/suppression_log.parquet" in reference or any(
        path.startswith("suppression_log/") for path in reference
    )
    assert _data_hashes(cold) == reference
    assert _data_hashes(warm) == reference
    ledgers = [pq.read_table(out / "work" / "quarantine.parquet") for out in (tmp_path / "off", tmp_path / "cached")]
    assert ledgers[0].equals(ledgers[1]) and ledgers[0].num_rows > 0

    # The rerun validated nothing and built nothing: its manifest says which run did.
    manifest = json.loads((warm / "manifest.json").read_text())
    validated = [entry for entry in manifest["inputs"] if entry["outcome"] == "loaded"]
    assert validated and {e["validated_in_run"] for e in validated} == {cold_run.run_id}
    # Every file a suite checks names the suites' sha256 (a survey column map has none).
    assert all(entry["suite_sha256"] for entry in validated if not entry["path"].endswith("column_map.csv"))
    assert manifest["dbt_build"]["reused"] is True
    assert manifest["dbt_build"]["built_in_run"] == cold_run.run_id
    # The cache is never published.
    assert not any("cache" in p.parts for p in warm.rglob("*"))
