"""`python -m nhs_equity_monitor.local_run`: the run `make run` starts, by Airflow, in this process.

The same run as `airflow dags test nhs_equity_monitoring`: the DAG's `dag.test()` writes the
DAGs folder to the metadata database, creates the run, and Airflow's task SDK runs every task
through the in-process execution API. It leaves out what the CLI does first and `dag.test()`
does not need: the CLI's parser and command modules, a check for pending migrations (the
Makefile migrates whenever the venv changes), and a parse and write of the DAGs folder that
`dag.test()` repeats.

Airflow's start-up leaves about 600,000 objects that live as long as the process (modules, ORM
mappers, every version of the execution API's routes). With CPython's default thresholds each
full collection scans them all again, about 11 times a run; so a full collection waits for 100
younger ones here, not 10 (younger collections are unchanged), and at exit they are frozen, so
that the interpreter's last collections skip them.
"""

from __future__ import annotations

import gc
import importlib
import sys

DAG_ID = "nhs_equity_monitoring"


def main() -> None:
    gc.set_threshold(700, 10, 100)
    # The configuration first, as airflow/__main__.py imports it, to avoid import cycles.
    from airflow.configuration import conf
    from airflow.providers_manager import ProvidersManager
    from airflow.utils.state import DagRunState

    ProvidersManager().initialize_providers_configuration()  # as every Airflow command does
    sys.path.append(conf.get("core", "dags_folder"))  # as Airflow's DagBag does for the bundle
    dag = getattr(importlib.import_module(DAG_ID), DAG_ID)()
    dag_run = dag.test()
    gc.freeze()
    if dag_run.state == DagRunState.FAILED:
        raise SystemExit("DagRun failed")  # as `airflow dags test` ends


if __name__ == "__main__":
    main()
