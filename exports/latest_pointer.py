"""The two stable ways to the current release, `LATEST` and `current`, moved together.

`<output>/LATEST` is a text file holding the current release's id, for readers that
cannot follow a link. `<output>/current` is a relative symbolic link to the release folder
(`releases/<id>`), so a dashboard or a script reads `current/...` and never has to read
LATEST first. Relative, so the output folder can be moved or mounted elsewhere as a whole.

Both are replaced in one step each (a new name, then a rename over the old one), so a
reader sees the old release or the new one, never half. `current` moves first and LATEST
last: once LATEST names a release, `current` points at it too. Only a complete release (a
folder under `releases/` with its manifest) can be pointed at: never a hidden staging
folder (`releases/.tmp-*`) or a candidate awaiting sign-off.
"""

from __future__ import annotations

import os
from pathlib import Path

from ingest.config import Paths

MANIFEST_FILE = "manifest.json"  # the same name as exports/release.py writes
TEMPORARY_PREFIX = ".tmp-"


class NotAReleaseError(ValueError):
    """The id does not name a complete release under `<output>/releases/`."""


def point_latest_to(paths: Paths, release_id: str) -> None:
    """Point `current` and then LATEST at the complete release `releases/<release_id>`."""
    release_dir = paths.releases / release_id
    if (
        not release_id
        or release_id.startswith(".")
        or Path(release_id).name != release_id
        or not (release_dir / MANIFEST_FILE).is_file()
    ):
        raise NotAReleaseError(f"{release_dir} is not a complete release: LATEST and current stay as they are")

    link = paths.current_link
    temporary_link = link.with_name(f".{link.name}{TEMPORARY_PREFIX}{release_id}")
    temporary_link.unlink(missing_ok=True)  # left by a run killed at this point
    os.symlink(os.path.relpath(release_dir, link.parent), temporary_link, target_is_directory=True)
    os.replace(temporary_link, link)

    latest = paths.latest_pointer
    temporary_latest = latest.with_name(f".{latest.name}{TEMPORARY_PREFIX}{release_id}")
    with temporary_latest.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(release_id + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary_latest, latest)
    _fsync_folder(paths.output)


def _fsync_folder(folder: Path) -> None:
    """Make both renames durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
