"""What a release records about where it came from: the tools and the inputs (the code's
own provenance is nhs_equity_monitor/provenance.py)."""

from __future__ import annotations

import json
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


def input_files(file_outcomes_path: Path, validation_record_path: Path | None = None) -> list[dict]:
    """Every landing file the run saw, with its hash and outcome (loaded, quarantined, ...);
    for each file validated, the run that validated it and the sha256 of its suites (a
    file the cache reused was validated by an earlier run: expectations/verdicts.py)."""
    outcomes = pq.read_table(
        file_outcomes_path, columns=["source_file", "sha256", "size_bytes", "outcome"]
    ).to_pylist()
    validated = {}
    if validation_record_path is not None and validation_record_path.exists():
        validated = {row["source_file"]: row for row in pq.read_table(validation_record_path).to_pylist()}
    entries = []
    for row in sorted(outcomes, key=lambda row: row["source_file"]):
        entry = {
            "path": row["source_file"],
            "sha256": row["sha256"],
            "size_bytes": row["size_bytes"],
            "outcome": row["outcome"],
        }
        if row["source_file"] in validated:
            record = validated[row["source_file"]]
            entry["validated_in_run"] = record["validated_in_run"]
            entry["suite_sha256"] = json.loads(record["suite_sha256"])
        entries.append(entry)
    return entries
