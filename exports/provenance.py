"""What a release records about where it came from: the tools and the inputs (the code's
own provenance is nhs_equity_monitor/provenance.py)."""

from __future__ import annotations

import platform
from importlib import metadata
from pathlib import Path

import pyarrow.parquet as pq


RECORDED_PACKAGES = (
    "duckdb",
    "pyarrow",
    "pandas",
    "dbt-core",
    "dbt-duckdb",
    "great-expectations",
    "apache-airflow",
)


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
