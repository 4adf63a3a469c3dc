"""Where the files the package ships are: the dbt project, the GX context and the DAG folder.

Found with importlib.resources, so they are the same whether the code runs from a checkout
(where `nhs_equity_monitor/dbt_project` and `dags` are symlinks to the top-level folders) or
from an installed wheel (where they are package data).
"""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path


def _package_folder(package: str, name: str) -> Path:
    # Every install this project supports unpacks to files, so the traversable is a path.
    with as_file(files(package) / name) as folder:
        return Path(folder)


def dbt_project_dir() -> Path:
    return _package_folder("nhs_equity_monitor", "dbt_project")


def dags_folder() -> Path:
    """Point Airflow's `dags_folder` (or a LocalDagBundle's path) here."""
    return _package_folder("nhs_equity_monitor", "dags")


def gx_context_dir() -> Path:
    return _package_folder("expectations", "gx")
