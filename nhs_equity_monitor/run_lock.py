"""One run at a time per output folder: a lock file with a heartbeat.

`<output>/.run-lock.json` names the run that holds the folder, where it runs and when it
last beat. A run takes it before ingest and gives it back once its candidate is built, so
the lock never spans the human sign-off. While a step of the run works, a thread beats every
BEAT_SECONDS. A second run fails at once and names the holder. A lock that has not beaten
for EQUITY_RUN_LOCK_STALE_SECONDS (default 300) belongs to a run that died: the next run
takes it over and removes what the dead run left (half-written `.tmp-*` staging folders).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

logger = logging.getLogger(__name__)

LOCK_FILE = ".run-lock.json"
BEAT_SECONDS = 20
DEFAULT_STALE_SECONDS = 300
STAGING_GLOB = ".tmp-*"  # exports/release.py's staging prefix, in every folder a run publishes to
STAGING_PARENTS = ("releases", "candidates")


class RunLockHeld(RuntimeError):
    """Another live run holds the output folder."""


def stale_after_seconds() -> float:
    return float(os.environ.get("EQUITY_RUN_LOCK_STALE_SECONDS") or DEFAULT_STALE_SECONDS)


def holder(output: Path) -> dict | None:
    try:
        return json.loads((output / LOCK_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def acquire(output: Path, run_id: str, code: dict | None = None) -> dict:
    """Take the output folder for `run_id`, or raise RunLockHeld naming the live holder.

    Taking it again for the same run (a retried first step) is allowed.
    """
    output.mkdir(parents=True, exist_ok=True)
    record = {
        "run_id": run_id,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "acquired_at": _now_text(),
        "heartbeat": time.time(),
        "code": code,
    }
    while True:
        held = holder(output)
        if held is None:
            if _create_exclusively(output / LOCK_FILE, record):
                break
            continue  # another run created it first: look again
        if held.get("run_id") == run_id:
            _write(output, {**held, "heartbeat": time.time()})
            return held
        silent_for = time.time() - float(held.get("heartbeat") or 0)
        if silent_for < stale_after_seconds():
            raise RunLockHeld(
                f"{output} is in use by run {held.get('run_id')!r} (host {held.get('host')}, "
                f"pid {held.get('pid')}, since {held.get('acquired_at')}; last heartbeat "
                f"{silent_for:.0f} s ago). Only one run may write an output folder at a time: "
                f"wait for it to finish, or, if it died, for its lock to go stale after "
                f"{stale_after_seconds():.0f} s."
            )
        logger.warning(
            "Taking over the lock of run %r, silent for %.0f s (it died)", held.get("run_id"), silent_for
        )
        _set_aside(output, held)
    _remove_leftovers(output)
    logger.info("Run %s holds %s", run_id, output)
    return record


@contextmanager
def held(output: Path, run_id: str) -> Iterator[dict]:
    """While a step of `run_id` works: check the run still holds the folder, and beat."""
    record = holder(output)
    if record is None or record.get("run_id") != run_id:
        raise RunLockHeld(
            f"Run {run_id!r} does not hold {output} "
            f"(holder: {record.get('run_id') if record else 'nobody'}); it must not write there."
        )
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(BEAT_SECONDS):
            current = holder(output)
            if current is None or current.get("run_id") != run_id:
                logger.error("Run %s lost the lock of %s", run_id, output)
                return
            _write(output, {**current, "heartbeat": time.time()})

    _write(output, {**record, "heartbeat": time.time()})
    beater = threading.Thread(target=beat, name="run-lock-heartbeat", daemon=True)
    beater.start()
    try:
        yield record
    finally:
        stop.set()
        beater.join()


def release(output: Path, run_id: str) -> bool:
    """Give the folder back if `run_id` holds it; never remove another run's lock."""
    record = holder(output)
    if record is None or record.get("run_id") != run_id:
        return False
    (output / LOCK_FILE).unlink(missing_ok=True)
    logger.info("Run %s released %s", run_id, output)
    return True


def _create_exclusively(path: Path, record: dict) -> bool:
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(record, handle)
    return True


def _write(output: Path, record: dict) -> None:
    # Write beside and rename: a reader never sees half a lock file.
    temporary = output / f"{LOCK_FILE}.{uuid.uuid4().hex}"
    temporary.write_text(json.dumps(record), encoding="utf-8")
    os.replace(temporary, output / LOCK_FILE)


def _set_aside(output: Path, stale: dict) -> None:
    """Move a dead run's lock away; of two runs taking over at once, one rename wins."""
    try:
        os.rename(output / LOCK_FILE, output / f"{LOCK_FILE}.stale-{uuid.uuid4().hex}")
    except FileNotFoundError:
        return
    for old in output.glob(f"{LOCK_FILE}.stale-*"):
        old.unlink(missing_ok=True)


def _remove_leftovers(output: Path) -> None:
    """Staging folders of runs that were killed before they could remove their own (the work
    zone itself is replaced by ingest), and lock files a killed writer left half-renamed."""
    for partial in output.glob(f"{LOCK_FILE}.*"):
        partial.unlink(missing_ok=True)
    for parent in STAGING_PARENTS:
        for leftover in sorted((output / parent).glob(STAGING_GLOB)):
            logger.warning("Removing %s, left by a run that did not finish", leftover)
            shutil.rmtree(leftover, ignore_errors=True)


def _now_text() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
