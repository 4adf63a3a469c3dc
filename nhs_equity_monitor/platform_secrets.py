"""The pseudonymisation key from the platform's secrets, read inside the ingest task.

In order: the password of the Airflow connection `equity_pseudonymisation`, the Airflow
variable `equity_pseudonymisation_secret` (Airflow masks a variable whose name holds
"secret"), then the environment variable EQUITY_PSEUDONYMISATION_KEY. Connections and
variables come through the platform's secrets backend when it has one. The key is masked
in every task log, returned to the caller and never pushed to XCom.
"""

from __future__ import annotations

import os
from pathlib import Path

KEY_CONNECTION = "equity_pseudonymisation"
KEY_VARIABLE = "equity_pseudonymisation_secret"
KEY_ENVIRONMENT = "EQUITY_PSEUDONYMISATION_KEY"


def configured_key() -> str | None:
    """The key the platform holds, or None where it holds none."""
    from airflow.sdk import Connection, Variable
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        key = Connection.get(KEY_CONNECTION).password
    except AirflowNotFoundException:
        key = None
    key = key or Variable.get(KEY_VARIABLE, default=None) or os.environ.get(KEY_ENVIRONMENT)
    return key or None


def pseudonymisation_key(landing: Path) -> str | None:
    """The configured key (None on the bundled sample without one), checked before ingest
    starts: a missing key fails the task at once, without retries (no retry can help)."""
    from airflow.sdk.exceptions import AirflowFailException
    from airflow.sdk.log import mask_secret

    from ingest.config import ConfigurationError
    from ingest.pseudonymise import key_for

    configured = configured_key()
    if configured:
        mask_secret(configured)
    try:
        key_for(landing, configured)
    except ConfigurationError as error:
        raise AirflowFailException(
            f"No pseudonymisation key in the platform's secrets: neither the connection "
            f"{KEY_CONNECTION!r} (its password) nor the variable {KEY_VARIABLE!r} is set. {error}"
        ) from error
    return configured
