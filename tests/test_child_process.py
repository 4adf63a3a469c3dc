"""A step run in a forked child process returns or raises in the parent as if run there."""

from __future__ import annotations

import os

import pytest

from ingest.config import ConfigurationError
from ingest.errors import NonRetryableError, ReferenceDataError
from nhs_equity_monitor.child_process import ChildProcessDied, run_in_child

try:
    from tests.daemonic_process import call_in_a_daemonic_process
except ImportError:  # tests/ is not a package: pytest puts it on sys.path itself
    from daemonic_process import call_in_a_daemonic_process


def test_the_result_comes_back_from_the_child() -> None:
    assert run_in_child("os.path:join", "a", "b") == os.path.join("a", "b")
    assert run_in_child("os:getpid") != os.getpid()


def test_an_error_comes_back_with_its_type_and_the_childs_traceback() -> None:
    # The DAG turns a NonRetryableError into a failure without retries: its type must survive.
    with pytest.raises(ConfigurationError, match="no key") as raised:
        run_in_child("builtins:exec", "from ingest.config import ConfigurationError\nraise ConfigurationError('no key')")
    assert any("child process" in note for note in raised.value.__notes__)


def test_a_child_that_dies_is_an_error() -> None:
    with pytest.raises(ChildProcessDied, match="exit code 3"):
        run_in_child("os:_exit", 3)


def test_a_reference_data_error_keeps_its_type_and_fields() -> None:
    # Its constructor takes two fields, not the message: it must still cross as itself.
    with pytest.raises(NonRetryableError, match="etr.csv: missing") as raised:
        run_in_child("builtins:exec", "from ingest.errors import ReferenceDataError\n"
                     "raise ReferenceDataError('reference/etr.csv', 'missing')")
    assert type(raised.value) is ReferenceDataError
    assert (raised.value.source_file, raised.value.problem) == ("reference/etr.csv", "missing")
    assert any("child process" in note for note in raised.value.__notes__)


def test_a_daemonic_process_can_run_a_step() -> None:
    # A Celery worker's task process counts as daemonic to multiprocessing, which refuses to
    # start children there; the step's child must start all the same.
    assert call_in_a_daemonic_process(run_in_child, "os.path:join", "a", "b") == os.path.join("a", "b")
