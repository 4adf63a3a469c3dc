"""What a release records about where it came from: the code, the tools and the inputs."""

from __future__ import annotations

import platform
import subprocess
from importlib import metadata
from pathlib import Path

import pyarrow.parquet as pq

from ingest.config import PROJECT_ROOT

RECORDED_PACKAGES = (
    "duckdb",
    "pyarrow",
    "pandas",
    "dbt-core",
    "dbt-duckdb",
    "great-expectations",
    "apache-airflow",
)


def git_commit() -> str | None:
    """The project's commit, or None where there is no git (e.g. an installed image)."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = result.stdout.strip()
    return commit if result.returncode == 0 and commit else None


def tool_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for package in RECORDED_PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def input_files(file_outcomes_path: Path) -> list[dict]:
    """Every landing file the run saw, with its hash and outcome (loaded, quarantined, ...)."""
    outcomes = pq.read_table(
        file_outcomes_path, columns=["source_file", "sha256", "size_bytes", "outcome"]
    ).to_pylist()
    return [
        {
            "path": row["source_file"],
            "sha256": row["sha256"],
            "size_bytes": row["size_bytes"],
            "outcome": row["outcome"],
        }
        for row in sorted(outcomes, key=lambda row: row["source_file"])
    ]
