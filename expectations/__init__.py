"""The validate step: Great Expectations suites over the raw zone, whole-file quarantine.

Importing the package turns GX's logging down to warnings before anything imports GX:
otherwise GX logs some 200 INFO lines as it registers its API.
"""

import logging

logging.getLogger("great_expectations").setLevel(logging.WARNING)
