"""`python -m ingest`: ingest the landing folder the environment names (see ingest/config.py).

Prints the run's summary as JSON. Exits 1, with the reason and no traceback, when the run
cannot go on (missing reference data, missing key, bad folders).
"""

from __future__ import annotations

import json
import logging
import sys

from ingest import config
from ingest.errors import IngestError
from ingest.run import ingest_landing


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        summary = ingest_landing(config.paths())
    except (IngestError, config.ConfigurationError) as error:
        logging.getLogger("ingest").error("ingest stopped: %s", error)
        return 1
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
