"""Call a function in a daemonic process, as a Celery worker's task process is.

multiprocessing refuses to start children from a daemonic process; the project's steps must
start theirs all the same (nhs_equity_monitor/child_process.py, forked_workers.py).
"""

from __future__ import annotations

import multiprocessing


def _put_result(results, function, args) -> None:
    results.put(function(*args))


def call_in_a_daemonic_process(function, *args):
    """What `function(*args)` returns when called in a daemonic (forked) process."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    process = context.Process(target=_put_result, args=(results, function, args), daemon=True)
    process.start()
    process.join(60)
    assert process.exitcode == 0
    return results.get(timeout=5)
