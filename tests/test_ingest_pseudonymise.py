"""Pseudonymisation: keyed, deterministic, and the clear identifier never reaches work/."""

from __future__ import annotations

import hashlib
import hmac

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from landing_builders import PRACTITIONER_IDS, build_landing

from ingest import config
from ingest.config import ConfigurationError, Paths
from ingest.pseudonymise import key_for, pseudonymise, pseudonymise_table
from ingest.run import ingest_landing


def test_pseudonym_is_hmac_sha256_of_the_trimmed_identifier():
    got = pseudonymise(pa.array(["GMC1", " GMC1 ", None, "  ", "GMC2"]), b"k1").to_pylist()
    expected = hmac.new(b"k1", b"GMC1", hashlib.sha256).hexdigest()
    assert got[:4] == [expected, expected, None, None]
    assert got[4] != expected
    assert pseudonymise(pa.array(["GMC1"]), b"k2").to_pylist() != [expected]  # keyed


def test_clear_column_is_replaced_in_place():
    table = pa.table({"case_ref": ["C1"], "practitioner_id": ["GMC1"], "profession": ["Doctor"]})
    out = pseudonymise_table(table, b"k")
    assert out.column_names == ["case_ref", "practitioner_pseudonym", "profession"]


def test_missing_key_fails_closed_on_real_landing(tmp_path, monkeypatch):
    monkeypatch.delenv("EQUITY_PSEUDONYMISATION_KEY", raising=False)
    monkeypatch.setenv("EQUITY_LANDING_DIR", str(tmp_path))
    with pytest.raises(ConfigurationError, match="EQUITY_PSEUDONYMISATION_KEY"):
        key_for(tmp_path)
    # Paths passed in directly, with the environment still pointing at the sample: also refused.
    monkeypatch.delenv("EQUITY_LANDING_DIR")
    with pytest.raises(ConfigurationError, match="not the bundled sample"):
        key_for(tmp_path)
    assert key_for(config.SAMPLE_LANDING_DIR) == config.DEMONSTRATION_KEY.encode()
    monkeypatch.setenv("EQUITY_PSEUDONYMISATION_KEY", "secret")
    assert key_for(tmp_path) == b"secret"


def test_run_without_key_writes_nothing(tmp_path, monkeypatch):
    landing = build_landing(tmp_path / "landing")
    monkeypatch.delenv("EQUITY_PSEUDONYMISATION_KEY", raising=False)
    monkeypatch.setenv("EQUITY_LANDING_DIR", str(landing))
    with pytest.raises(ConfigurationError):
        ingest_landing(Paths(landing, tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_clear_identifier_is_in_no_written_file(tmp_path, monkeypatch):
    monkeypatch.setenv("EQUITY_PSEUDONYMISATION_KEY", "secret")
    landing = build_landing(tmp_path / "landing")
    paths = Paths(landing, tmp_path / "out")
    ingest_landing(paths)

    cases = pq.read_table(paths.raw / "concerns_cases.parquet")
    assert "practitioner_id" not in cases.column_names
    expected = [hmac.new(b"secret", p.encode(), hashlib.sha256).hexdigest() for p in PRACTITIONER_IDS]
    assert cases.column("practitioner_pseudonym").to_pylist() == expected

    work = [path for path in paths.work.rglob("*") if path.is_file()]
    assert len(work) == 16  # 13 raw tables, the manifest, the failure ledger and the cache keys
    # The run cache (ingest/cache.py) keeps each file's pseudonymised rows: it is checked too.
    cached = [path for path in (paths.output / "cache").rglob("*") if path.is_file()]
    assert cached
    for path in [*work, *cached]:
        cells = str(pq.read_table(path).to_pylist()) if path.suffix == ".parquet" else ""
        raw_bytes = path.read_bytes()
        for clear in PRACTITIONER_IDS:
            assert clear not in cells and clear.encode() not in raw_bytes, path
