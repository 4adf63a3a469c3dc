"""The previous complete release, found through LATEST, and the input hashes it recorded.

Submission status uses these to mark a file `resubmitted` when its sha256 differs from the
one in the previous release's manifest. Call it before publishing the current run: once
the new release is published, LATEST names it.
"""

from __future__ import annotations

import json

from exports.release import MANIFEST_FILE
from ingest.config import Paths


class BrokenReleaseError(RuntimeError):
    """LATEST names a release that is not there or has no readable manifest."""


def latest_release_id(paths: Paths) -> str | None:
    """The id in LATEST, or None before the first release."""
    if not paths.latest_pointer.exists():
        return None
    return paths.latest_pointer.read_text(encoding="utf-8").strip() or None


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
