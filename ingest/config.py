"""Where the pipeline reads and writes, from the environment.

Without EQUITY_LANDING_DIR the pipeline runs on the bundled synthetic sample, and only
then may it fall back to the documented demonstration pseudonymisation key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import NonRetryableError
from nhs_equity_monitor import resources

# The checkout's data folders; a deployment sets EQUITY_LANDING_DIR and EQUITY_OUTPUT_DIR.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_LANDING_DIR = PROJECT_ROOT / "data" / "sample" / "landing"
DEFAULT_OUTPUT_DIR = PROJECT_ROOT / "data" / "output"
# Shipped with the package, so found where it is installed (nhs_equity_monitor/resources.py).
DBT_PROJECT_DIR = resources.dbt_project_dir()
# dbt's parse of the project, made at install (python -m nhs_equity_monitor.dbt_build parse).
DBT_INSTALLED_PARSE = DBT_PROJECT_DIR / "target" / "partial_parse.msgpack"
GX_CONTEXT_DIR = resources.gx_context_dir()

# Public, documented, and only ever used for the fictional sample (see README).
DEMONSTRATION_KEY = "fictional-nation-demonstration-key-not-secret"


class ConfigurationError(NonRetryableError):
    """The run cannot start: something it needs is not configured."""


@dataclass(frozen=True)
class Paths:
    landing: Path
    output: Path

    @property
    def work(self) -> Path:
        """Scratch zone for the current run; replaced by the next run, never published."""
        return self.output / "work"

    @property
    def raw(self) -> Path:
        return self.work / "raw"

    @property
    def validated(self) -> Path:
        return self.work / "validated"

    @property
    def ingest_manifest(self) -> Path:
        return self.work / "ingest_manifest.parquet"

    @property
    def ingest_failures(self) -> Path:
        return self.work / "ingest_failures.parquet"

    @property
    def quarantine_ledger(self) -> Path:
        return self.work / "quarantine.parquet"

    @property
    def file_outcomes(self) -> Path:
        return self.work / "file_outcomes.parquet"

    @property
    def previous_release_inputs(self) -> Path:
        """Input hashes of the release LATEST named when this run began (submission status)."""
        return self.work / "previous_release_inputs.parquet"

    @property
    def quality(self) -> Path:
        """Data-quality evidence of this run, copied into the release."""
        return self.work / "quality"

    @property
    def warehouse(self) -> Path:
        return self.work / "warehouse.duckdb"

    @property
    def dbt_target(self) -> Path:
        return self.work / "dbt_target"

    @property
    def releases(self) -> Path:
        return self.output / "releases"

    @property
    def latest_pointer(self) -> Path:
        return self.output / "LATEST"

    @property
    def current_link(self) -> Path:
        """Relative symbolic link to the release LATEST names (exports/latest_pointer.py)."""
        return self.output / "current"

    @property
    def candidates(self) -> Path:
        """Release candidates waiting for sign-off; never published from here."""
        return self.output / "candidates"

    @property
    def rejected(self) -> Path:
        """Candidates rejected at sign-off, each with its reason beside it; never published."""
        return self.output / "rejected"

    @property
    def sign_off_log(self) -> Path:
        """Every sign-off decision with the user id behind it: unpublished, for audit."""
        return self.output / "sign_off_log.jsonl"


def uses_sample() -> bool:
    return not os.environ.get("EQUITY_LANDING_DIR")


def paths() -> Paths:
    landing = Path(os.environ.get("EQUITY_LANDING_DIR") or SAMPLE_LANDING_DIR)
    output = Path(os.environ.get("EQUITY_OUTPUT_DIR") or DEFAULT_OUTPUT_DIR)
    return Paths(landing=landing.resolve(), output=output.resolve())


def pseudonymisation_key() -> bytes:
    """The keyed-hash key. Fails closed on real data when it is not configured."""
    key = os.environ.get("EQUITY_PSEUDONYMISATION_KEY")
    if key:
        return key.encode("utf-8")
    if uses_sample():
        return DEMONSTRATION_KEY.encode("utf-8")
    raise ConfigurationError(
        "EQUITY_PSEUDONYMISATION_KEY is not set. It is required for any landing folder other "
        "than the bundled sample, because practitioner_id must be pseudonymised with a secret "
        "key at ingest. Set it from your secrets store (never commit it)."
    )
