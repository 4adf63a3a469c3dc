"""A step run in a forked child process returns or raises in the parent as if run there."""

from __future__ import annotations

import os

import pytest

from ingest.config import ConfigurationError
from nhs_equity_monitor.child_process import ChildProcessDied, run_in_child


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
