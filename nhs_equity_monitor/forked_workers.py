"""Independent jobs shared between this process and forked workers, results in job order.

The step's own process is one worker; each other worker is an os.fork of it, made after
the step has imported its libraries (GX), so the children start at once and share those
pages. os.fork, not multiprocessing: a Celery task process counts as daemonic to
multiprocessing, which then refuses to start children (nhs_equity_monitor/child_process.py).

Jobs are claimed from a pipe holding their positions, in the order given (give the largest
first, so that the workers finish together): each read of 4 bytes is atomic, so every job
runs exactly once, in whichever worker is free. Results come back in job order whatever the
scheduling, so outputs do not depend on it. An error stops the worker it happened in; the
error of the earliest failed job is raised in the caller, with its type.
"""

from __future__ import annotations

import os
import pickle
import struct
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from nhs_equity_monitor.child_process import ChildProcessDied, _die_with_parent, _end, _picklable

Job = TypeVar("Job")
_POSITION = struct.Struct("<i")


def run_jobs(
    work: Callable[[Job], Any],
    jobs: Sequence[Job],
    workers: int = 2,
    after_each: Callable[[], None] | None = None,
) -> list[Any]:
    """`[work(job) for job in jobs]`, computed in `workers` processes (this one included).
    `after_each` runs in a worker after each of its jobs (e.g. to give memory back)."""
    workers = max(1, min(workers, len(jobs)))
    if workers == 1:
        return [_then(work(job), after_each) for job in jobs]
    claims_read, claims_write = os.pipe()
    # Every position fits in the pipe at once (64 KiB on Linux: 16,384 jobs).
    os.write(claims_write, b"".join(_POSITION.pack(i) for i in range(len(jobs))))
    os.close(claims_write)
    children = []
    try:
        for _ in range(workers - 1):
            receiving, sending = os.pipe()
            pid = os.fork()
            if pid == 0:  # a worker: never returns
                os.close(receiving)
                _worker(work, jobs, claims_read, sending, after_each)
            os.close(sending)
            children.append((pid, receiving))
        outcomes = _claim_and_run(work, jobs, claims_read, after_each)
        for pid, receiving in children:
            with os.fdopen(receiving, "rb") as pipe:
                payload = pipe.read()
            os.waitpid(pid, 0)
            if not payload:
                raise ChildProcessDied("a worker process ended before returning its results")
            outcomes.update(pickle.loads(payload))
            children = [(p, r) for p, r in children if p != pid]
    except BaseException:
        for pid, _ in children:  # the workers must not outlive the step
            _end(pid)
        raise
    finally:
        os.close(claims_read)
    failed = sorted(i for i, (succeeded, _) in outcomes.items() if not succeeded)
    if failed:
        raise outcomes[failed[0]][1]
    if len(outcomes) != len(jobs):
        raise ChildProcessDied(f"{len(jobs) - len(outcomes)} jobs were claimed but never finished")
    return [outcomes[i][1] for i in range(len(jobs))]


def _then(result: Any, after_each: Callable[[], None] | None) -> Any:
    if after_each:
        after_each()
    return result


def _claim_and_run(work, jobs, claims: int, after_each) -> dict[int, tuple[bool, Any]]:
    """Run jobs until none is left to claim or one fails: {position: (succeeded, value)}."""
    outcomes: dict[int, tuple[bool, Any]] = {}
    while claimed := os.read(claims, _POSITION.size):
        (position,) = _POSITION.unpack(claimed)
        try:
            outcomes[position] = (True, _then(work(jobs[position]), after_each))
        except Exception as error:  # noqa: BLE001 - goes to the caller
            outcomes[position] = (False, error)
            while os.read(claims, 1 << 16):  # leave no job for the others: the step fails
                pass
            break
    return outcomes


def _worker(work, jobs, claims: int, sending: int, after_each) -> None:
    code = 1
    try:
        _die_with_parent()
        outcomes = _claim_and_run(work, jobs, claims, after_each)
        outcomes = {i: (ok, value if ok else _picklable(value)) for i, (ok, value) in outcomes.items()}
        with os.fdopen(sending, "wb") as pipe:
            pipe.write(pickle.dumps(outcomes))
        code = 0
    finally:
        for stream in (sys.stdout, sys.stderr):  # what the jobs logged
            try:
                stream.flush()
            except Exception:  # noqa: BLE001
                pass
        os._exit(code)
