"""The revisions log: the table `revisions` in every release, one row per release of this
output folder, as `revisions/revisions.parquet` (a table without a year, metrics.md) and as
its CSV copy `revisions.csv` at the top of the release, where people look for it.

Each release's manifest.json records what its row needs (release_id, reporting_year,
created_at, method_version, git_commit, note), so the log is rebuilt from the manifests of
the releases already in `<output>/releases/`, oldest first, and the new release is always
the last row. Releases made before manifests recorded method_version or note show those
cells empty.

Figure-level revisions: `figure_revisions.csv` in every release lists each `equity_metrics`
figure (by its key) whose value changed, was added or was removed against the previous
complete release (the one LATEST named before this publish), with the old and new value.
It holds the header alone for a first release or when nothing changed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from exports.published_models import PublishedModel
from exports.table_docs import ColumnDoc, TableDoc
from exports.table_files import DataFile, write_csv, write_parquet

logger = logging.getLogger(__name__)

REVISIONS_FILE = "revisions.csv"
REVISIONS_PARQUET = "revisions/revisions.parquet"
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
    parquet_layout=REVISIONS_PARQUET,
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


# Why each method_version changed, for the note of the first release under it (methodology,
# section 12; the full account is in docs/methodology.md).
METHOD_CHANGES = {
    "1.1": (
        "staff survey secondary suppression now also treats a region as the sum of its trusts, "
        "England as the sum of the regions and a successor's lineage as the sum of the trusts it pools "
        "(metrics.md 1.1), so that no suppressed survey figure can be worked out by subtraction; "
        "more trust figures are withheld (suppression rules secondary_region, secondary_england, "
        "secondary_lineage)"
    ),
}


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
        change = f"method_version changed from {known_versions[-1]} to {method_version}"
        why = METHOD_CHANGES.get(method_version)
        parts.append(f"{change}: {why}" if why else change)
    return "; ".join(parts)


def write_revisions(release_dir: Path, history: Sequence[ReleaseRecord], current: ReleaseRecord) -> list[DataFile]:
    """Write the revisions log, the history and then the current release as the last row,
    as parquet and as CSV."""
    records = [*history, current]
    schema = pa.schema(pa.field(column.name, column.arrow_type) for column in REVISIONS_TABLE.columns)
    # created_at as the manifests record it (ISO 8601, `T`, `Z`): the CSV keeps this text,
    # the Table Schema datetime format (pyarrow would write a space instead of the `T`);
    # the parquet file has it as a timestamp.
    as_text = schema.set(schema.get_field_index("created_at"), pa.field("created_at", pa.string()))
    table = pa.table(
        {
            "release_id": [record.release_id for record in records],
            "reporting_year": [record.reporting_year for record in records],
            "created_at": [record.created_at for record in records],
            "method_version": [record.method_version for record in records],
            "git_commit": [record.git_commit for record in records],
            "note": [record.note or None for record in records],
        },
        schema=as_text,
    )
    parquet = write_parquet(table.cast(schema), release_dir / REVISIONS_PARQUET, release_dir)
    path = release_dir / REVISIONS_FILE
    write_csv(table, path)
    return [parquet, DataFile(path.relative_to(release_dir), table.num_rows)]


# --- figure-level revisions ---------------------------------------------------------------

FIGURE_REVISIONS_FILE = "figure_revisions.csv"
FIGURES_TABLE = "equity_metrics"  # the published table whose figures are compared
FIGURE_KEY = (
    "metric_id",
    "reporting_year",
    "geography_level",
    "geography_code",
    "breakdown",
    "group",
    "comparison",
)
FIGURE_COLUMN = "value"
CHANGE_TYPES = ("changed", "added", "removed")

FIGURE_REVISIONS_SCHEMA = pa.schema(
    [
        *((name, pa.int64() if name == "reporting_year" else pa.string()) for name in FIGURE_KEY),
        ("old_value", pa.float64()),
        ("new_value", pa.float64()),
        ("change_type", pa.string()),
        ("previous_release_id", pa.string()),
    ]
)

_KEY_DESCRIPTIONS = {
    "metric_id": "Metric of the figure (equity_metrics key).",
    "reporting_year": "Reporting year of the figure (equity_metrics key).",
    "geography_level": "`trust`, `region` or `national` (equity_metrics key).",
    "geography_code": "ODS trust code, region code or E92000001 (equity_metrics key).",
    "breakdown": "`all`, or the breakdown's `key=value` pairs (equity_metrics key).",
    "group": "Group the figure is about; empty for RLs (equity_metrics key).",
    "comparison": "`<interest> vs <reference>` for RLs; empty otherwise (equity_metrics key).",
}

FIGURE_REVISIONS_TABLE = TableDoc(
    name="figure_revisions",
    description=(
        "Figure-level revisions: each `equity_metrics` figure whose unrounded value changed, "
        "or which was added or removed, since the previous complete release (the one LATEST "
        "named before this release). Empty for a first release or when nothing changed."
    ),
    grain=(
        "one row per equity_metrics key (metric_id, reporting_year, geography_level, "
        "geography_code, breakdown, group, comparison) that differs; sorted by the key."
    ),
    primary_key=(),  # the key's group and comparison may be empty, so no Table Schema key
    columns=(
        *(
            ColumnDoc(
                name,
                FIGURE_REVISIONS_SCHEMA.field(name).type,
                _KEY_DESCRIPTIONS[name],
                not_null=name in {"metric_id", "reporting_year", "geography_level", "geography_code", "breakdown"},
            )
            for name in FIGURE_KEY
        ),
        ColumnDoc("old_value", pa.float64(), "Value in the previous release (unrounded); empty when null or added."),
        ColumnDoc("new_value", pa.float64(), "Value in this release (unrounded); empty when null or removed."),
        ColumnDoc(
            "change_type",
            pa.string(),
            "`changed`, `added` (only in this release) or `removed` (only in the previous one).",
            allowed_values=CHANGE_TYPES,
            not_null=True,
        ),
        ColumnDoc("previous_release_id", pa.string(), "The release compared against.", not_null=True),
    ),
    csv_path=FIGURE_REVISIONS_FILE,
    parquet_layout=None,
    partition_column=None,
    origin="publisher",
)


@dataclass(frozen=True)
class FigureRevision:
    """One published figure whose value differs from the previous complete release."""

    table: str  # published name
    key: tuple[tuple[str, object], ...]  # (column, value) for each key column
    column: str  # the column compared: value
    old_value: object
    new_value: object
    change_type: str  # changed, added or removed
    previous_release_id: str


def _figures_glob(release_dir: Path) -> str:
    return (release_dir / FIGURES_TABLE / "*" / "*.parquet").as_posix()


def _has_figures(release_dir: Path) -> bool:
    return any((release_dir / FIGURES_TABLE).glob("*/*.parquet"))


def figure_revisions(
    previous_release: Path | None, release_dir: Path, models: Sequence[PublishedModel]
) -> list[FigureRevision]:
    """The `equity_metrics` figures of `release_dir` that differ from `previous_release`.

    `previous_release` is the previous complete release (the one LATEST named before this
    publish), or None before the first. Figures pair up on FIGURE_KEY, null-safe. A key in
    both releases whose unrounded value differs (null-safe, exact) is `changed`; a key only
    in this release is `added`, only in the previous one `removed`. Sorted by key, so the
    result is deterministic. Empty when there is no previous release, or when this release
    publishes no `equity_metrics` (no such model).
    """
    figures = [model for model in models if model.published_name == FIGURES_TABLE]
    if previous_release is None or not figures:
        return []
    # Figures are only comparable on the output contract's key (dbt enforces that contract;
    # a table without it, as in the publisher's own generic tests, has no figure log).
    if set(figures[0].primary_key) != set(FIGURE_KEY):
        logger.warning("%s lacks the output contract's key %s: no figure revisions", FIGURES_TABLE, FIGURE_KEY)
        return []
    previous_id = previous_release.name
    key_list = ", ".join(f'"{name}"' for name in FIGURE_KEY)
    on = " AND ".join(f'n."{name}" IS NOT DISTINCT FROM o."{name}"' for name in FIGURE_KEY)
    picked = ", ".join(
        f'CASE WHEN n_present THEN n."{name}" ELSE o."{name}" END AS "{name}"' for name in FIGURE_KEY
    )
    order = ", ".join(f'"{name}" NULLS FIRST' for name in FIGURE_KEY)
    empty = "SELECT " + ", ".join(
        f'CAST(NULL AS {"BIGINT" if name == "reporting_year" else "VARCHAR"}) AS "{name}"' for name in FIGURE_KEY
    ) + ", CAST(NULL AS DOUBLE) AS value WHERE false"

    def relation(folder: Path) -> str:
        if not _has_figures(folder):
            return empty
        return (
            f"SELECT {key_list}, CAST(\"{FIGURE_COLUMN}\" AS DOUBLE) AS value FROM read_parquet("
            f"'{_figures_glob(folder)}', hive_partitioning = true, "
            "hive_types = {'reporting_year': BIGINT})"
        )

    query = f"""
        WITH n AS (SELECT *, true AS n_present FROM ({relation(release_dir)})),
             o AS (SELECT *, true AS o_present FROM ({relation(previous_release)})),
             joined AS (
                 SELECT {picked},
                        o.value AS old_value, n.value AS new_value,
                        CASE WHEN n_present IS NULL THEN 'removed'
                             WHEN o_present IS NULL THEN 'added'
                             ELSE 'changed' END AS change_type,
                        n_present, o_present
                 FROM n FULL OUTER JOIN o ON {on}
             )
        SELECT {key_list}, old_value, new_value, change_type
        FROM joined
        WHERE n_present IS NULL OR o_present IS NULL OR old_value IS DISTINCT FROM new_value
        ORDER BY {order}
    """
    with duckdb.connect() as connection:
        rows = connection.execute(query).fetchall()
    width = len(FIGURE_KEY)
    return [
        FigureRevision(
            table=FIGURES_TABLE,
            key=tuple(zip(FIGURE_KEY, row[:width], strict=True)),
            column=FIGURE_COLUMN,
            old_value=row[width],
            new_value=row[width + 1],
            change_type=row[width + 2],
            previous_release_id=previous_id,
        )
        for row in rows
    ]


def figure_revisions_note(revised: Sequence[FigureRevision]) -> str | None:
    """`N figures changed, N added, N removed since <id>` for the revisions log; None when none."""
    if not revised:
        return None
    counts = {change: sum(1 for item in revised if item.change_type == change) for change in CHANGE_TYPES}
    return (
        f"{counts['changed']} figures changed, {counts['added']} added, {counts['removed']} removed "
        f"since {revised[0].previous_release_id} (figure_revisions.csv)"
    )


def figure_revisions_table(revised: Sequence[FigureRevision]) -> pa.Table:
    """The table `figure_revisions`: one row per revised figure; no rows when none."""
    columns: dict[str, list] = {field.name: [] for field in FIGURE_REVISIONS_SCHEMA}
    for item in revised:
        for name, value in item.key:
            columns[name].append(value)
        columns["old_value"].append(item.old_value)
        columns["new_value"].append(item.new_value)
        columns["change_type"].append(item.change_type)
        columns["previous_release_id"].append(item.previous_release_id)
    return pa.table(columns, schema=FIGURE_REVISIONS_SCHEMA)


def write_figure_revisions(release_dir: Path, revised: Sequence[FigureRevision]) -> Path:
    """Write `figure_revisions.csv`: one row per revised figure; the header alone when none."""
    path = release_dir / FIGURE_REVISIONS_FILE
    write_csv(figure_revisions_table(revised), path)
    return path
