"""`python -m nhs_equity_monitor dags-folder | dbt-project | provenance`: what a deployment asks."""

from __future__ import annotations

import json
import sys

from nhs_equity_monitor import provenance, resources


def main(argv: list[str]) -> None:
    commands = {
        "dags-folder": lambda: print(resources.dags_folder()),
        "dbt-project": lambda: print(resources.dbt_project_dir()),
        "provenance": lambda: print(json.dumps(provenance.code_provenance(), indent=2)),
    }
    if len(argv) != 1 or argv[0] not in commands:
        raise SystemExit(f"usage: python -m nhs_equity_monitor {{{'|'.join(commands)}}}")
    commands[argv[0]]()


if __name__ == "__main__":
    main(sys.argv[1:])
