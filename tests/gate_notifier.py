"""A deployment's own notifier, as EQUITY_SIGN_OFF_NOTIFIER names it, for tests/test_sign_off.py:
it records the subject of the gate that opened in the file GATE_NOTIFIED_FILE names."""

from __future__ import annotations

import os
from pathlib import Path


def notify(context) -> None:
    Path(os.environ["GATE_NOTIFIED_FILE"]).write_text(context["task"].subject, encoding="utf-8")
