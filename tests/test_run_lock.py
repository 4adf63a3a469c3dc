"""One run at a time per output folder (nhs_equity_monitor/run_lock.py)."""

from __future__ import annotations

import json
import time

import pytest

from nhs_equity_monitor import run_lock


def test_a_second_run_fails_at_once_naming_the_holder(tmp_path):
    run_lock.acquire(tmp_path, "manual__first", {"commit": "a" * 40})
    with pytest.raises(run_lock.RunLockHeld, match="in use by run 'manual__first'"):
        run_lock.acquire(tmp_path, "manual__second")
    assert run_lock.holder(tmp_path)["run_id"] == "manual__first"


def test_the_same_run_may_take_it_again_and_release_is_only_the_holders(tmp_path):
    run_lock.acquire(tmp_path, "manual__first")
    assert run_lock.acquire(tmp_path, "manual__first")["run_id"] == "manual__first"  # a retried first step
    assert not run_lock.release(tmp_path, "manual__second")
    assert run_lock.holder(tmp_path)["run_id"] == "manual__first"
    assert run_lock.release(tmp_path, "manual__first")
    assert run_lock.holder(tmp_path) is None


def test_a_dead_runs_lock_goes_stale_and_is_taken_over_with_its_leftovers(tmp_path, monkeypatch):
    monkeypatch.setenv("EQUITY_RUN_LOCK_STALE_SECONDS", "120")
    run_lock.acquire(tmp_path, "manual__killed")
    lock = tmp_path / run_lock.LOCK_FILE
    record = json.loads(lock.read_text())
    lock.write_text(json.dumps({**record, "heartbeat": time.time() - 121}))  # silent for 121 s
    leftover = tmp_path / "releases" / ".tmp-2025-20260101T000000Z"
    (leftover / "equity_metrics").mkdir(parents=True)
    kept = tmp_path / "releases" / "2025-20250101T000000Z"
    kept.mkdir()
    (tmp_path / f"{run_lock.LOCK_FILE}.0123abcd").write_text("{")  # a beat cut short

    assert run_lock.acquire(tmp_path, "manual__next")["run_id"] == "manual__next"
    assert run_lock.holder(tmp_path)["run_id"] == "manual__next"
    assert not leftover.exists() and kept.exists()
    assert [path.name for path in tmp_path.glob(".run-lock*")] == [run_lock.LOCK_FILE]


def test_a_lock_that_beats_is_not_stale(tmp_path, monkeypatch):
    monkeypatch.setenv("EQUITY_RUN_LOCK_STALE_SECONDS", "120")
    run_lock.acquire(tmp_path, "manual__first")
    lock = tmp_path / run_lock.LOCK_FILE
    lock.write_text(json.dumps({**json.loads(lock.read_text()), "heartbeat": time.time() - 119}))
    with pytest.raises(run_lock.RunLockHeld):
        run_lock.acquire(tmp_path, "manual__second")


def test_a_step_works_only_while_its_run_holds_the_folder_and_beats(tmp_path):
    run_lock.acquire(tmp_path, "manual__first")
    before = run_lock.holder(tmp_path)["heartbeat"]
    with run_lock.held(tmp_path, "manual__first") as record:
        assert record["run_id"] == "manual__first"
        assert run_lock.holder(tmp_path)["heartbeat"] >= before
    with pytest.raises(run_lock.RunLockHeld, match="does not hold"):
        with run_lock.held(tmp_path, "manual__second"):
            pass
