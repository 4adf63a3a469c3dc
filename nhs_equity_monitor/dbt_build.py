"""Run dbt on the shipped dbt project, with the dbt installed beside this Python.

Found when the step runs, on the worker, so the dag-processor needs neither the project nor
dbt. Unit tests prove the SQL on fixed fixtures, not the data, so they run in CI (`make
test`) and not again on every production run.

dbt runs in the work zone: the profile's warehouse and the sources' parquet files are paths
relative to it. So dbt's parse of the project does not depend on where the work zone is, and
one parse serves every output folder: `python -m nhs_equity_monitor.dbt_build parse`, run at
install (`make` does), leaves it in the project's `target/`, where a first run finds it.

    python -m nhs_equity_monitor.dbt_build parse
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ingest.config import DBT_INSTALLED_PARSE, DBT_PROJECT_DIR, Paths


class DbtBuildFailed(RuntimeError):
    """dbt build exited non-zero: a model or a data test failed (a finding, not a fault)."""


def dbt_executable() -> str:
    """dbt next to this Python in a virtualenv, else the one on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    found = str(beside) if beside.exists() else shutil.which("dbt")
    if not found:
        raise FileNotFoundError(f"dbt is neither beside {sys.executable} nor on PATH")
    return found


def run_dbt(work: Path, target: Path, *args: str, capture_output: bool = False) -> subprocess.CompletedProcess:
    """`dbt <args>` on the shipped project, run in the work zone. The file log keeps only
    warnings: writing every debug event cost about a fifth of a build (the task log still
    has dbt's output)."""
    command = [
        dbt_executable(), *args,
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(target), "--log-path", str(work / "dbt_logs"), "--log-level-file", "warn",
    ]  # fmt: skip
    environment = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    # It runs in this process's group, so it dies with the task.
    return subprocess.run(command, cwd=work, env=environment, check=False, capture_output=capture_output, text=True)


def dbt_build(paths: Paths) -> None:
    """Build, unless the last build's inputs are unchanged (ingest/dbt_reuse.py: its outputs
    are reused, and dbt's partial parse is kept between runs either way)."""
    from ingest import dbt_reuse

    if dbt_reuse.restore(paths) != dbt_reuse.BUILD_NEEDED:
        return
    result = run_dbt(paths.work, paths.dbt_target, "build", "--exclude-resource-type", "unit_test")
    dbt_reuse.save(paths, result.returncode)
    if result.returncode != 0:
        raise DbtBuildFailed(f"dbt build failed (exit {result.returncode}); its log is in the task log above")


def parse_at_install() -> int:
    """Parse the project into its `target/` (DBT_INSTALLED_PARSE). It needs no data."""
    with tempfile.TemporaryDirectory(prefix="dbt-parse-") as work:
        result = run_dbt(Path(work), DBT_INSTALLED_PARSE.parent, "parse", capture_output=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-5000:] + result.stderr[-5000:])
    return result.returncode


if __name__ == "__main__":
    if sys.argv[1:] != ["parse"]:
        raise SystemExit(__doc__)
    sys.exit(parse_at_install())
