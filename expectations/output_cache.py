"""Finished outputs of the validate step kept in the file cache (ingest/cache.py), by content.

An entry is a file or a folder (a validated table, the Data Docs site) under
`<cache>/<kind>/<key>/`, where the key hashes every input it was made from (the files'
cache keys, which already cover their bytes, the reference files, the key fingerprint and
the code). It is written to a temporary folder and renamed into place, verified by sha256
before each reuse (a corrupt entry is dropped), and entries the last run did not use are
dropped at its end. The cache is never published.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterable
from pathlib import Path

from ingest.cache import sha256_bytes, sha256_file

_ENTRY = "entry.json"
_PAYLOAD = "payload"
SCHEME = "equity-output-cache-1"


def output_key(kind: str, parts: Iterable[str]) -> str:
    return sha256_bytes("\0".join([SCHEME, kind, *parts]).encode())


class OutputCache:
    def __init__(self, cache_root: Path, kind: str, enabled: bool = True):
        self.root = cache_root / kind
        self.enabled = enabled
        self.used: set[str] = set()

    def restore(self, key: str, destination: Path) -> dict | None:
        """Copy the entry's payload to `destination` and return what was saved with it;
        None (and `destination` untouched) when there is no sound entry."""
        if not self.enabled:
            return None
        folder = self.root / key
        try:
            entry = json.loads((folder / _ENTRY).read_text(encoding="utf-8"))
            payload = folder / _PAYLOAD
            if not all(sha256_file(payload / name) == digest for name, digest in entry["files"].items()):
                raise ValueError("an entry's file does not match its sha256")
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError):
            shutil.rmtree(folder, ignore_errors=True)
            return None
        _replace(destination)
        if entry["is_folder"]:
            shutil.copytree(payload, destination)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(payload / destination.name, destination)
        self.used.add(key)
        return entry["saved"]

    def save(self, key: str, source: Path, saved: dict | None = None) -> None:
        if not self.enabled:
            return
        staging = self.root / f".tmp-{key}-{uuid.uuid4().hex}"
        payload = staging / _PAYLOAD
        if source.is_dir():
            shutil.copytree(source, payload)
        else:
            payload.mkdir(parents=True)
            shutil.copyfile(source, payload / source.name)
        files = {
            path.relative_to(payload).as_posix(): sha256_file(path)
            for path in sorted(payload.rglob("*"))
            if path.is_file()
        }
        entry = {"is_folder": source.is_dir(), "files": files, "saved": saved or {}}
        (staging / _ENTRY).write_text(json.dumps(entry), encoding="utf-8")
        target = self.root / key
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
        self.used.add(key)

    def keep_only_used(self) -> None:
        """Drop every entry this run did not use (and any half-written one)."""
        if not self.enabled or not self.root.is_dir():
            return
        for folder in self.root.iterdir():
            if folder.name not in self.used:
                shutil.rmtree(folder, ignore_errors=True)


def _replace(destination: Path) -> None:
    if destination.is_dir():
        shutil.rmtree(destination)
    elif destination.exists():
        destination.unlink()
