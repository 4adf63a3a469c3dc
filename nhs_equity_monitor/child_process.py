"""Run a heavy step in a forked child process, so that its memory goes back when it ends.

Airflow runs a DAG's tasks in one long-lived process (`make run`'s `dag.test()`; a worker's
task process). Memory a step's libraries keep after it (freed but held by pyarrow's and glibc's
allocators, caches of GX and pandas) stays with that process, and was still held while the
next step, dbt (a process of its own, about 1 GiB), ran. A forked child starts in
milliseconds with the parent's imports, and everything it used is given back when it
exits.

The child must not talk to Airflow (no context, XCom or connections: the parent reads those
and passes them in). Its logs go where the parent's go. What the step returns, or raises,
comes back to the parent through a pipe, pickled.
"""

from __future__ import annotations

import ctypes
import importlib
import os
import pickle
import signal
import sys
import traceback
from typing import Any, NoReturn

_PR_SET_PDEATHSIG = 1


class ChildProcessDied(RuntimeError):
    """The step's child process ended without returning or raising (killed, or out of memory)."""


def run_in_child(target: str, /, *args: Any, **kwargs: Any) -> Any:
    """`module:function(*args, **kwargs)` in a forked child process; its result, or its error.

    The function is named, not passed, so that the parent never imports the step's modules
    (GX, pandas), which would stay in its memory. The child is made with os.fork, not
    multiprocessing: a Celery worker's task process counts as daemonic to multiprocessing,
    which then refuses to start a child.
    """
    receiving, sending = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(receiving)
        _child(sending, target, args, kwargs)
    os.close(sending)  # the child holds the only sending end: EOF when it dies
    try:
        with os.fdopen(receiving, "rb") as pipe:
            payload = pipe.read()
        _, status = os.waitpid(pid, 0)
    except BaseException:  # the parent was interrupted: the step must not outlive it
        _end(pid)
        raise
    if not payload:
        raise ChildProcessDied(f"{target} ended with exit code {os.waitstatus_to_exitcode(status)} before returning")
    succeeded, value = pickle.loads(payload)
    if succeeded:
        return value
    raise value


def _end(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def _child(sending: int, target: str, args: tuple, kwargs: dict) -> NoReturn:
    code = 1
    try:
        _die_with_parent()
        try:
            module, _, name = target.partition(":")
            outcome = (True, getattr(importlib.import_module(module), name)(*args, **kwargs))
        except BaseException as error:  # noqa: BLE001 - every error goes back to the parent
            outcome = (False, _picklable(error))
        with os.fdopen(sending, "wb") as pipe:
            pipe.write(pickle.dumps(outcome))
        code = 0
    finally:
        # Flush what the step logged, then leave without the parent's exit handlers (Airflow's,
        # pytest's), which belong to the parent.
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001
                pass
        os._exit(code)


def _picklable(error: BaseException) -> BaseException:
    """The error with the child's traceback as a note, or a RuntimeError naming it if it
    cannot cross the pipe."""
    where = "In the step's child process:\n" + "".join(traceback.format_exception(error)).rstrip()
    try:
        error.add_note(where)
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:  # noqa: BLE001
        return RuntimeError(f"{type(error).__name__}: {error}\n{where}")


def _die_with_parent() -> None:
    # Linux: if the task process is killed, the kernel ends the step too.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass
