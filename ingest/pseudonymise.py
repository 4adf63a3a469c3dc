"""Replace practitioner_id by a keyed hash before anything is written.

The pseudonym is HMAC-SHA256 of the trimmed identifier, as lower-case hex, keyed by
EQUITY_PSEUDONYMISATION_KEY. The same key gives the same pseudonym in every run and year,
so a practitioner's cases can be linked without the identifier ever leaving landing.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

import pyarrow as pa

from ingest import config

# Clear personal-data column in the landing file -> the column that replaces it.
PSEUDONYMISED_COLUMNS = {"practitioner_id": "practitioner_pseudonym"}


def key_for(landing: Path, configured: str | None = None) -> bytes:
    """The run's key: `configured` (from the platform's secrets) or the environment's.

    The public demonstration key is only ever used on the bundled sample.
    """
    if configured:
        return configured.encode("utf-8")
    key = config.pseudonymisation_key()  # fails closed when EQUITY_LANDING_DIR is set without a key
    # A caller may pass paths that are not from the environment; real data must never be
    # hashed with the published demonstration key because EQUITY_LANDING_DIR was left unset.
    if (
        not os.environ.get("EQUITY_PSEUDONYMISATION_KEY")
        and landing.resolve() != config.SAMPLE_LANDING_DIR.resolve()
    ):
        raise config.ConfigurationError(
            f"EQUITY_PSEUDONYMISATION_KEY is not set, and {landing} is not the bundled sample. "
            "Set the key from your secrets store (never commit it)."
        )
    return key


def pseudonymise(values: pa.Array | pa.ChunkedArray, key: bytes) -> pa.Array:
    """Keyed hash of each value, trimmed first; null (or blank) stays null."""
    keyed = hmac.new(key, digestmod=hashlib.sha256)
    out = []
    for value in values.to_pylist():
        value = value.strip() if value is not None else ""
        if value:
            digest = keyed.copy()
            digest.update(value.encode("utf-8"))
            out.append(digest.hexdigest())
        else:
            out.append(None)
    return pa.array(out, pa.string())


def pseudonymise_table(table: pa.Table, key: bytes) -> pa.Table:
    """The table with every clear personal-data column replaced, in place, by its pseudonym."""
    for clear, pseudonym in PSEUDONYMISED_COLUMNS.items():
        if clear in table.column_names:
            index = table.column_names.index(clear)
            table = table.set_column(index, pseudonym, pseudonymise(table.column(clear), key))
    return table
