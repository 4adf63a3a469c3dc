"""Command line: `python -m exports --reporting-year 2024 --run-id <id>`.

Paths come from the environment (EQUITY_OUTPUT_DIR, see ingest/config.py). Prints the
release folder. It publishes at once, signed off automatically, so it needs
EQUITY_SIGN_OFF=automatic (local runs only; see exports/sign_off.py).
"""

from __future__ import annotations

import argparse
import logging

from exports.release import publish_release
from ingest.config import paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m exports", description="Publish a release.")
    parser.add_argument("--reporting-year", type=int, required=True)
    parser.add_argument("--run-id", required=True, help="recorded in the release manifest")
    parser.add_argument(
        "--note", help="the release's note in the revisions log (e.g. why a year is republished)"
    )
    arguments = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    release_dir = publish_release(paths(), arguments.reporting_year, arguments.run_id, note=arguments.note)
    print(release_dir)


if __name__ == "__main__":
    main()
