"""Build backend: setuptools, except that a wheel without a build stamp is refused.

A wheel is what a deployment runs, and a release made by it must name its commit
(nhs_equity_monitor/provenance.py), so the stamp that deploy/install.sh writes is required.
Editable installs (a checkout, `uv sync`) read git instead and need no stamp.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403  (every hook not overridden below)

STAMP = Path("nhs_equity_monitor") / "build_stamp.json"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _check_stamp()
    return _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)


def _check_stamp() -> None:
    if not STAMP.is_file():
        raise RuntimeError(f"{STAMP} is missing: build the wheel with deploy/install.sh, which stamps it")
    stamp = json.loads(STAMP.read_text(encoding="utf-8"))
    if not re.fullmatch(r"[0-9a-f]{40}", str(stamp.get("commit"))) or not stamp.get("version"):
        raise RuntimeError(f"{STAMP} does not name a version and a 40-character commit: {stamp}")
