"""Command line: python -m ingest.synthetic --landing DIR [options], or --sample.

With --sample the nation is SAMPLE_NATION and the landing folder defaults to the bundled
sample's; any option given explicitly still wins.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from ingest.config import SAMPLE_LANDING_DIR
from ingest.synthetic.generate import SAMPLE_NATION, LandingNotEmptyError, generate_nation

FULL_NATION = dict(scale=1.0, trusts=210, first_year=2019, last_year=2025, seed=20261130)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ingest.synthetic", description="Write a fictional nation's landing folder."
    )
    parser.add_argument("--landing", type=Path, help="folder to create; must not exist or be empty")
    parser.add_argument("--scale", type=float, help=f"volume multiplier (default {FULL_NATION['scale']})")
    parser.add_argument("--trusts", type=int, help=f"number of trusts (default {FULL_NATION['trusts']})")
    parser.add_argument("--first-year", type=int, help=f"first reporting year (default {FULL_NATION['first_year']})")
    parser.add_argument("--last-year", type=int, help=f"last reporting year (default {FULL_NATION['last_year']})")
    parser.add_argument("--seed", type=int, help=f"random seed (default {FULL_NATION['seed']})")
    parser.add_argument(
        "--sample", action="store_true", help=f"the bundled sample: {SAMPLE_NATION}, landing {SAMPLE_LANDING_DIR}"
    )
    args = parser.parse_args(argv)
    if args.landing is None and not args.sample:
        parser.error("--landing is required (or use --sample)")

    defaults = SAMPLE_NATION if args.sample else FULL_NATION
    options = {
        name: value if (value := getattr(args, name)) is not None else default for name, default in defaults.items()
    }
    landing = args.landing or SAMPLE_LANDING_DIR
    started = time.perf_counter()
    try:
        summary = generate_nation(landing, **options)
    except (LandingNotEmptyError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    summary["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
