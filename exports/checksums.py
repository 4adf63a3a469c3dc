"""SHA-256 of release files, and the release's `SHA256SUMS` file.

`SHA256SUMS` is in the format of GNU coreutils, so that anyone can check a downloaded
release with `sha256sum -c SHA256SUMS` from inside the release folder.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path

SHA256SUMS_FILE = "SHA256SUMS"


# Digests this process has computed, by the file's identity and state (device, inode, size,
# modification time): a file hashed to verify it, then linked into a release, is not read
# again for the data package, the manifest or SHA256SUMS. Any write changes the state.
_DIGESTS: dict[tuple[int, int, int, int], str] = {}
_MEMO_LIMIT = 100_000


def sha256_file(path: Path) -> str:
    with path.open("rb") as handle:
        state = os.fstat(handle.fileno())
        identity = (state.st_dev, state.st_ino, state.st_size, state.st_mtime_ns)
        digest = _DIGESTS.get(identity)
        if digest is None:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
            if len(_DIGESTS) >= _MEMO_LIMIT:
                _DIGESTS.clear()
            _DIGESTS[identity] = digest
        return digest


def release_files(release_dir: Path) -> list[Path]:
    """Every file under the release folder, relative to it, in a stable order."""
    return sorted(
        (path.relative_to(release_dir) for path in release_dir.rglob("*") if path.is_file()),
        key=lambda path: path.as_posix(),
    )


def write_sha256sums(release_dir: Path, known: Mapping[str, str] | None = None) -> Path:
    """Write `SHA256SUMS` covering every file of the release except itself.

    `known` holds digests just computed, by relative path, so no file is read twice; every
    other file is hashed here.
    """
    known = known or {}
    lines = []
    for relative in release_files(release_dir):
        name = relative.as_posix()
        if name == SHA256SUMS_FILE:
            continue
        # sha256sum escapes these characters in names; refusing them keeps the format plain.
        if "\\" in name or "\n" in name or "\r" in name:
            raise ValueError(f"Release file name cannot be listed in {SHA256SUMS_FILE}: {name!r}")
        digest = known.get(name) or sha256_file(release_dir / relative)
        lines.append(f"{digest}  {name}\n")
    path = release_dir / SHA256SUMS_FILE
    path.write_text("".join(lines), encoding="utf-8", newline="\n")
    return path
