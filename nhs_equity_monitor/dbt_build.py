"""Run `dbt build` on the shipped dbt project, with the dbt installed beside this Python.

Found when the step runs, on the worker, so the dag-processor needs neither the project nor
dbt. Unit tests prove the SQL on fixed fixtures, not the data, so they run in CI (`make
test`) and not again on every production run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from ingest.config import DBT_PROJECT_DIR, Paths


class DbtBuildFailed(RuntimeError):
    """dbt build exited non-zero: a model or a data test failed (a finding, not a fault)."""


def dbt_executable() -> str:
    """dbt next to this Python in a virtualenv, else the one on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    found = str(beside) if beside.exists() else shutil.which("dbt")
    if not found:
        raise FileNotFoundError(f"dbt is neither beside {sys.executable} nor on PATH")
    return found


def dbt_build(paths: Paths) -> None:
    """Build, unless the last build's inputs are unchanged (ingest/dbt_reuse.py: its outputs
    are reused, and dbt's partial parse is kept between runs either way)."""
    from ingest import dbt_reuse

    if dbt_reuse.restore(paths) != dbt_reuse.BUILD_NEEDED:
        return
    command = [
        dbt_executable(), "build",
        "--exclude-resource-type", "unit_test",
        "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(paths.dbt_target),
        "--log-path", str(paths.work / "dbt_logs"),
    ]  # fmt: skip
    environment = {**os.environ, "EQUITY_WORK_DIR": str(paths.work), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    # dbt's output goes to the task log; it runs in this process's group, so it dies with the task.
    result = subprocess.run(command, cwd=DBT_PROJECT_DIR, env=environment, check=False)
    dbt_reuse.save(paths, result.returncode)
    if result.returncode != 0:
        raise DbtBuildFailed(f"dbt build failed (exit {result.returncode}); its log is in the task log above")
