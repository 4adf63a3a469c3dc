"""The revisions log: `revisions.csv` in every release, one row per release of this output folder.

Each release's manifest.json records what its row needs (release_id, reporting_year,
created_at, method_version, git_commit, note), so the log is rebuilt from the manifests of
the releases already in `<output>/releases/`, oldest first, and the new release is always
the last row. Releases made before manifests recorded method_version or note show those
cells empty.

Figure-level revisions (the old and new value of each figure that changed) are not written
yet: `figure_revisions()` is the extension point for them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from exports.published_models import PublishedModel
from exports.table_docs import ColumnDoc, TableDoc
from exports.table_files import write_csv

logger = logging.getLogger(__name__)

REVISIONS_FILE = "revisions.csv"
MANIFEST_FILE = "manifest.json"  # the same name as exports/release.py writes

REVISIONS_TABLE = TableDoc(
    name="revisions",
    description=(
        "The revisions log: every release published to this output folder, oldest first; "
        "the last row is this release. A release for a reporting year that already had one "
        "supersedes it."
    ),
    grain="one row per release.",
    primary_key=("release_id",),
    columns=(
        ColumnDoc(
            "release_id",
            pa.string(),
            "Release id: `<reporting_year>-<UTC timestamp>`, the release's folder name.",
            not_null=True,
        ),
        ColumnDoc(
            "reporting_year", pa.int64(), "Reporting year the release was published for.", not_null=True
        ),
        ColumnDoc(
            "created_at",
            pa.timestamp("s", tz="UTC"),
            "When the release was published (UTC, ISO 8601).",
            not_null=True,
        ),
        ColumnDoc("method_version", pa.string(), "Version of the method behind the published figures."),
        ColumnDoc("git_commit", pa.string(), "Commit of the pipeline's code that published the release."),
        ColumnDoc(
            "note", pa.string(), "What changed: e.g. which release it supersedes, a new method_version."
        ),
    ),
    csv_path=REVISIONS_FILE,
    parquet_layout=None,
    partition_column=None,
    origin="publisher",
)


@dataclass(frozen=True)
class ReleaseRecord:
    release_id: str
    reporting_year: int
    created_at: str  # ISO 8601, UTC, `...Z`
    method_version: str | None
    git_commit: str | None
    note: str | None


def release_history(releases_dir: Path) -> list[ReleaseRecord]:
    """Every complete release in the folder, oldest first, read from its manifest.

    Folders being built (`.tmp-*`) and folders without a readable manifest (not made by the
    publisher) are left out; the latter with a warning.
    """
    records = []
    if not releases_dir.is_dir():
        return records
    for folder in sorted(releases_dir.iterdir()):
        if not folder.is_dir() or folder.name.startswith("."):
            continue
        try:
            manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
            records.append(
                ReleaseRecord(
                    release_id=manifest["release_id"],
                    reporting_year=int(manifest["reporting_year"]),
                    created_at=manifest["created_at"],
                    method_version=manifest.get("method_version"),
                    git_commit=manifest.get("git_commit"),
                    note=manifest.get("note"),
                )
            )
        except (OSError, ValueError, KeyError, TypeError) as error:
            logger.warning("Left out of the revisions log: %s (%s)", folder, error)
    return sorted(records, key=lambda record: (record.created_at, record.release_id))


def previous_release_of_year(history: Sequence[ReleaseRecord], reporting_year: int) -> ReleaseRecord | None:
    """The newest earlier release for the same reporting year, which a new one supersedes."""
    same_year = [record for record in history if record.reporting_year == reporting_year]
    return same_year[-1] if same_year else None


def release_note(
    history: Sequence[ReleaseRecord], reporting_year: int, method_version: str | None, note: str | None
) -> str:
    """The release's note: the publisher's own note, then what the log itself shows."""
    parts = [note.strip()] if note and note.strip() else []
    superseded = previous_release_of_year(history, reporting_year)
    if superseded is None:
        parts.append(f"first release for reporting year {reporting_year}")
    else:
        parts.append(f"supersedes {superseded.release_id}")
    known_versions = [record.method_version for record in history if record.method_version]
    if known_versions and method_version and known_versions[-1] != method_version:
        parts.append(f"method_version changed from {known_versions[-1]} to {method_version}")
    return "; ".join(parts)


def write_revisions(release_dir: Path, history: Sequence[ReleaseRecord], current: ReleaseRecord) -> Path:
    """Write `revisions.csv`: the history, then the current release as the last row."""
    records = [*history, current]
    columns = {column.name: column for column in REVISIONS_TABLE.columns}
    # created_at is written as the manifests record it (ISO 8601, `T`, `Z`), which is the
    # Table Schema datetime format; pyarrow would write a space instead of the `T`.
    schema = pa.schema(
        pa.field(name, pa.string() if name == "created_at" else column.arrow_type)
        for name, column in columns.items()
    )
    table = pa.table(
        {
            "release_id": [record.release_id for record in records],
            "reporting_year": [record.reporting_year for record in records],
            "created_at": [record.created_at for record in records],
            "method_version": [record.method_version for record in records],
            "git_commit": [record.git_commit for record in records],
            "note": [record.note or None for record in records],
        },
        schema=schema,
    )
    path = release_dir / REVISIONS_FILE
    write_csv(table, path)
    return path


# --- extension point: figure-level revisions --------------------------------------------


@dataclass(frozen=True)
class FigureRevision:
    """One published figure whose value changed between two releases of a reporting year."""

    table: str  # published name
    key: tuple[tuple[str, object], ...]  # (column, value) for each primary key column
    column: str  # the column that changed, e.g. value
    old_value: object
    new_value: object
    previous_release_id: str


def figure_revisions(
    previous_release: Path | None, release_dir: Path, models: Sequence[PublishedModel]
) -> list[FigureRevision]:
    """EXTENSION POINT: the figures of `release_dir` that differ from `previous_release`.

    `previous_release` is the release this one supersedes (the newest earlier release for
    the same reporting year, see previous_release_of_year), or None for the first. Rows
    pair up on each model's primary key; the tables are in both releases under the same
    layout (exports/table_files.py). Not implemented yet: returns no revisions, and
    publish_release() does not write them. To publish them, write them as a CSV with a
    TableDoc like REVISIONS_TABLE and add that TableDoc to the release's documented tables:
    the data dictionary and datapackage.json then describe the file with no other change.
    """
    del previous_release, release_dir, models
    return []
