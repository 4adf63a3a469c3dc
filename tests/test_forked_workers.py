"""Jobs shared between this process and forked workers come back as if run here, in order."""

from __future__ import annotations

import os

import pytest

from ingest.errors import NonRetryableError, ReferenceDataError
from nhs_equity_monitor.child_process import ChildProcessDied
from nhs_equity_monitor.forked_workers import run_jobs

try:
    from tests.daemonic_process import call_in_a_daemonic_process
except ImportError:  # tests/ is not a package: pytest puts it on sys.path itself
    from daemonic_process import call_in_a_daemonic_process


def _square_and_pid(job: int) -> tuple[int, int]:
    return job * job, os.getpid()


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_results_come_back_in_job_order_whoever_ran_them(workers) -> None:
    results = run_jobs(_square_and_pid, list(range(40)), workers=workers)
    assert [square for square, _ in results] == [n * n for n in range(40)]


def test_two_workers_are_two_processes() -> None:
    def slow(job: int) -> int:
        import time

        time.sleep(0.05)  # long enough that the forked worker claims some jobs
        return os.getpid()

    assert len(set(run_jobs(slow, list(range(20)), workers=2))) == 2


def test_after_each_runs_after_every_job() -> None:
    ran: list[int] = []
    run_jobs(lambda job: ran.append(job), [1, 2, 3], workers=1, after_each=lambda: ran.append(0))
    assert ran == [1, 0, 2, 0, 3, 0]


def _fails_on(bad: set[int]):
    def work(job: int) -> int:
        if job in bad:
            raise ReferenceDataError(f"reference/{job}.csv", "unusable")
        return job

    return work


def test_an_error_in_a_worker_reaches_the_caller_with_its_type_and_fields() -> None:
    # Job 1 is claimed by whichever process is free; either way its error comes back as itself.
    with pytest.raises(NonRetryableError) as raised:
        run_jobs(_fails_on({1}), list(range(8)), workers=2)
    assert type(raised.value) is ReferenceDataError
    assert (raised.value.source_file, raised.value.problem) == ("reference/1.csv", "unusable")


def test_the_error_of_the_earliest_failed_job_is_raised() -> None:
    def work(job: int) -> int:
        if job == 0:
            import time

            time.sleep(0.2)  # fails last, but is the earliest job
            raise ValueError("job 0")
        if job == 1:
            raise KeyError("job 1")
        return job

    for workers in (2, 1):
        with pytest.raises(ValueError, match="job 0"):
            run_jobs(work, [0, 1], workers=workers)


def test_a_worker_that_dies_is_an_error() -> None:
    def work(job: int) -> int:
        if os.getpid() != parent:
            os._exit(3)
        import time

        time.sleep(0.05)  # the forked worker claims a job meanwhile
        return job

    parent = os.getpid()
    with pytest.raises(ChildProcessDied):
        run_jobs(work, list(range(10)), workers=2)


def test_a_daemonic_process_can_share_jobs() -> None:
    # A Celery worker's task process counts as daemonic to multiprocessing, which refuses to
    # start children there; os.fork still works.
    squares = call_in_a_daemonic_process(run_jobs, _square_and_pid, [1, 2, 3], 2)
    assert [square for square, _ in squares] == [1, 4, 9]
