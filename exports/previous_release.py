"""The previous complete release, found through LATEST, and the input hashes it recorded.

Submission status uses these to mark a file `resubmitted` when its sha256 differs from the
one in the previous release's manifest. Call it before publishing the current run: once
the new release is published, LATEST names it.

`write_previous_input_hashes(paths)` hands them to dbt as `work/previous_release_inputs.parquet`
(dbt source `pipeline.previous_release_inputs`). It runs after ingest, which replaces the work
zone, and before dbt build.
"""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq

from exports.release import MANIFEST_FILE, latest_release_id
from ingest.config import Paths

# One row per input file of the previous release. Written even before the first release
# (empty, with this schema), so that dbt's source always exists: a missing file is an error.
PREVIOUS_RELEASE_INPUTS_SCHEMA = pa.schema(
    [
        ("source_file", pa.string()),  # landing path, relative, POSIX, as in the manifest
        ("sha256", pa.string()),
        ("outcome", pa.string()),  # loaded, quarantined or unrecognised in that release
        ("release_id", pa.string()),
    ]
)


class BrokenReleaseError(RuntimeError):
    """LATEST names a release that is not there or has no readable manifest."""


def previous_release_manifest(paths: Paths) -> dict | None:
    """The manifest of the release LATEST names, or None before the first release."""
    release_id = latest_release_id(paths)
    if release_id is None:
        return None
    manifest_path = paths.releases / release_id / MANIFEST_FILE
    # LATEST only moves after a complete release, so a missing manifest means someone has
    # changed the releases folder by hand: say so instead of treating every file as new.
    try:
        return json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise BrokenReleaseError(
            f"LATEST names {release_id!r}, but {manifest_path} cannot be read: {error}"
        ) from error


def previous_input_hashes(paths: Paths) -> dict[str, str]:
    """sha256 by landing path (relative, POSIX) in the previous release; empty before the first."""
    manifest = previous_release_manifest(paths)
    if manifest is None:
        return {}
    return {entry["path"]: entry["sha256"] for entry in manifest["inputs"]}


def write_previous_input_hashes(paths: Paths) -> dict:
    """Write the previous release's input hashes to `paths.previous_release_inputs` for dbt.

    Always writes the file: empty (with the schema) before the first release. A LATEST that
    names a broken release raises BrokenReleaseError rather than treating every file as new.
    Returns a small summary (for the DAG's log and XCom).
    """
    manifest = previous_release_manifest(paths)
    # The folder LATEST names, which is also the manifest's own release_id.
    release_id = latest_release_id(paths) if manifest is not None else None
    inputs = manifest["inputs"] if manifest else []
    rows = sorted(
        (
            {
                "source_file": entry["path"],
                "sha256": entry["sha256"],
                "outcome": entry.get("outcome"),
                "release_id": release_id,
            }
            for entry in inputs
        ),
        key=lambda row: row["source_file"],
    )
    target = paths.previous_release_inputs
    target.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=PREVIOUS_RELEASE_INPUTS_SCHEMA), target)
    return {"previous_release_id": release_id, "input_files": len(rows), "path": str(target)}
