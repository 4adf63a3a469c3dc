"""Reuse of each landing file's ingested and validated result, by content.

A file's entry is reused only when everything its verdict depends on is unchanged, and the
entry's key is the hash of exactly that:
- the file's bytes and its path (the path gives its year, organisation and table);
- the reference files (the organisation and region lists that rules compare against);
- the sibling files a cross-file rule reads (a survey year's column map; every year's
  concerns cases, whose case_ref must be unique across years);
- a keyed fingerprint of the pseudonymisation key (the key itself is never stored);
- the content hashes of the reading and validation code and of the GX suites (not a
  version stamp, which goes stale in an editable install).

An entry holds what ingest read (pseudonymised rows, failures, notes) and, once validated,
the file's validation failures and the run that validated it. Every file of an entry is
verified by sha256 before it is reused; an entry that fails is dropped and the file read
again. The cache lives in EQUITY_CACHE_DIR (default `<output>/cache/`), is never
published, and keeps only the entries the last run used. EQUITY_CACHE=off turns it off.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import uuid
from collections.abc import Iterable
from dataclasses import asdict
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ingest.config import GX_CONTEXT_DIR, PROJECT_ROOT, Paths
from ingest.discover import REFERENCE, SURVEY_COLUMN_MAP, LandingFile
from ingest.ledger import Failure
from ingest.pseudonymise import pseudonymise_table
from ingest.readers import FileRead, read_file

ENTRY_FILE = "entry.json"
# Rows are kept as Arrow IPC files: written and read back with far less work than parquet.
TABLE_SUFFIX = ".arrow"
VALIDATION_FILE = "validation.json"
# Each key names the scheme, so a change to what an entry holds can never reuse an old one.
SCHEME = "equity-file-cache-2"
_FINGERPRINT_MESSAGE = b"equity-cache-key-fingerprint"
CONCERNS_CASES = "concerns_cases"

# The code and suites a file's verdict depends on (the generator of the sample is not).
_READING_CODE = ("ingest",)
_VALIDATION_CODE = ("expectations",)
_NOT_CODE = ("synthetic", "uncommitted", "__pycache__")


def cache_enabled() -> bool:
    return os.environ.get("EQUITY_CACHE", "on").strip().lower() not in ("off", "0", "false", "no")


def cache_dir(paths: Paths) -> Path:
    configured = os.environ.get("EQUITY_CACHE_DIR")
    return Path(configured).resolve() if configured else paths.output / "cache"


def file_keys_path(paths: Paths) -> Path:
    """Ingest's record of each file's entry key, for the validate step."""
    return paths.work / "file_cache_keys.parquet"


def key_fingerprint(key: bytes) -> str:
    """A keyed fingerprint: changes with the key, and cannot be turned back into it."""
    return hmac.new(key, _FINGERPRINT_MESSAGE, hashlib.sha256).hexdigest()


def _read_arrow(path: Path) -> pa.Table:
    with pa.OSFile(str(path), "rb") as source:
        return pa.ipc.open_file(source).read_all()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _tree_hash(roots: Iterable[Path], suffixes: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for root in roots:
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(PROJECT_ROOT).as_posix()
            if path.is_file() and path.suffix in suffixes and not set(path.parts) & set(_NOT_CODE):
                digest.update(relative.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@cache
def code_hash() -> str:
    """Content hash of the reading and validation code and of the GX context (suites,
    checkpoints): any change to them invalidates every entry."""
    code = _tree_hash([PROJECT_ROOT / name for name in (*_READING_CODE, *_VALIDATION_CODE)], (".py",))
    context = _tree_hash([GX_CONTEXT_DIR], (".json", ".yml"))
    return sha256_bytes(f"{code}\0{context}".encode())


def suite_hashes() -> dict[str, str]:
    """sha256 of every GX suite's JSON, by suite name: what the manifest records."""
    folder = GX_CONTEXT_DIR / "expectations"
    return {path.stem: sha256_file(path) for path in sorted(folder.glob("*.json"))}


def file_key(
    relpath: str, sha256: str, *, reference: str, siblings: Iterable[str], fingerprint: str
) -> str:
    """The entry key of one file: everything its ingested and validated result depends on."""
    parts = [SCHEME, relpath, sha256, reference, *sorted(siblings), fingerprint, code_hash()]
    return sha256_bytes("\0".join(parts).encode())


class FileCache:
    """Entries under `<cache>/files/<key>/`. Written to a temporary folder and renamed into
    place, so a reader never sees half an entry."""

    def __init__(self, root: Path):
        self.root = root / "files"

    def _entry(self, key: str) -> Path:
        return self.root / key

    def _verified(self, key: str, meta_name: str, only: str | None = None) -> dict | None:
        """An entry's metadata once every file it lists (or just `only`) matches its
        sha256; else None (and a corrupt entry is dropped)."""
        folder = self._entry(key)
        meta_path = folder / meta_name
        if not meta_path.is_file():
            return None
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            if only and only not in meta["files"]:
                return None  # not written yet, which is not corruption
            checked = {only: meta["files"][only]} if only else meta["files"]
            if all(sha256_file(folder / name) == digest for name, digest in checked.items()):
                return meta
        except (OSError, ValueError, KeyError):
            pass
        shutil.rmtree(folder, ignore_errors=True)
        return None

    def load_read(self, key: str) -> FileRead | None:
        meta = self._verified(key, ENTRY_FILE)
        if meta is None:
            return None
        folder = self._entry(key)
        tables = {name: _read_arrow(folder / f"{name}{TABLE_SUFFIX}") for name in meta["tables"]}
        return FileRead(
            tables=tables,
            rows_read=meta["rows_read"],
            failures=[Failure(**failure) for failure in meta["failures"]],
            notes=meta["notes"],
            column_map=meta["column_map"],
        )

    def save_read(self, key: str, read: FileRead) -> None:
        staging = self.root / f".tmp-{key}-{uuid.uuid4().hex}"
        staging.mkdir(parents=True)
        files = {}
        for name, table in read.tables.items():
            path = staging / f"{name}{TABLE_SUFFIX}"
            with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
            files[path.name] = sha256_file(path)
        meta = {
            "tables": list(read.tables),
            "rows_read": read.rows_read,
            "failures": [asdict(failure) for failure in read.failures],
            "notes": read.notes,
            "column_map": read.column_map,
            "files": files,
        }
        (staging / ENTRY_FILE).write_text(json.dumps(meta), encoding="utf-8")
        target = self._entry(key)
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)

    def load_validation(self, key: str) -> dict | None:
        """{"failures": [rows], "validated_in_run", "suite_sha256"} or None. Only the
        verdict is checked: ingest verified the rest of the entry when it reused it in
        this run, or wrote it (a corrupt entry is read again and loses its verdict)."""
        if self._verified(key, ENTRY_FILE, only=VALIDATION_FILE) is None:
            return None
        return json.loads((self._entry(key) / VALIDATION_FILE).read_text(encoding="utf-8"))

    def save_validation(self, key: str, record: dict) -> None:
        """Added to an entry ingest wrote in this run or verified (see load_validation),
        and to the entry's checksum list."""
        folder = self._entry(key)
        try:
            meta = json.loads((folder / ENTRY_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        (folder / VALIDATION_FILE).write_text(json.dumps(record), encoding="utf-8")
        meta["files"][VALIDATION_FILE] = sha256_file(folder / VALIDATION_FILE)
        temporary = folder / f".{ENTRY_FILE}.{uuid.uuid4().hex}"
        temporary.write_text(json.dumps(meta), encoding="utf-8")
        os.replace(temporary, folder / ENTRY_FILE)

    def keep_only(self, used: set[str]) -> int:
        """Drop every entry the run did not use; returns how many were dropped."""
        if not self.root.is_dir():
            return 0
        dropped = 0
        for folder in self.root.iterdir():
            if folder.name not in used:
                shutil.rmtree(folder, ignore_errors=True)
                dropped += 1
        return dropped



class CachedReading:
    """Ingest's reading of landing files through the cache. Rows are pseudonymised before
    they are stored, so no entry ever holds a clear practitioner_id."""

    def __init__(self, paths: Paths, files: list[LandingFile], key: bytes):
        self.enabled = cache_enabled()
        self.cache = FileCache(cache_dir(paths))
        self._key = key
        self._fingerprint = key_fingerprint(key)
        hashes = {file.relpath: _sha256_or_none(file.path) for file in files if _is_context(file)}
        self._reference = sha256_bytes(
            json.dumps(sorted((p, h) for p, h in hashes.items() if p.split("/")[0].lower() == REFERENCE)).encode()
        )
        self._column_maps: dict[int | None, list[str]] = {}
        self._cases: list[str] = []
        for file in files:
            if file.kind == SURVEY_COLUMN_MAP:
                self._column_maps.setdefault(file.year, []).append(f"{file.relpath}:{hashes[file.relpath]}")
            elif file.kind == CONCERNS_CASES:
                self._cases.append(f"{file.relpath}:{hashes[file.relpath]}")
        self.keys: dict[str, str] = {}
        self.reused: set[str] = set()

    def _siblings(self, file: LandingFile) -> list[str]:
        if file.kind == "survey_responses":
            return self._column_maps.get(file.year, [])
        if file.kind == CONCERNS_CASES:
            return self._cases
        return []

    def read(self, file: LandingFile, data: bytes, sha256: str, column_map: dict[str, str] | None) -> FileRead:
        if not self.enabled:
            return self._read(file, data, column_map)
        key = file_key(
            file.relpath,
            sha256,
            reference=self._reference,
            siblings=self._siblings(file),
            fingerprint=self._fingerprint,
        )
        self.keys[file.relpath] = key
        cached = self.cache.load_read(key)
        if cached is not None:
            self.reused.add(file.relpath)
            return cached
        read = self._read(file, data, column_map)
        self.cache.save_read(key, read)
        return read

    def _read(self, file: LandingFile, data: bytes, column_map: dict[str, str] | None) -> FileRead:
        read = read_file(file, data, column_map)
        read.tables = {name: pseudonymise_table(rows, self._key) for name, rows in read.tables.items()}
        return read

    def write_keys(self, path: Path) -> None:
        """Each file's entry key for the validate step (empty when the cache is off)."""
        rows = [
            {"source_file": relpath, "cache_key": key, "reused_read": relpath in self.reused}
            for relpath, key in sorted(self.keys.items())
        ]
        pq.write_table(pa.Table.from_pylist(rows, schema=FILE_KEYS_SCHEMA), path)


FILE_KEYS_SCHEMA = pa.schema(
    [("source_file", pa.string()), ("cache_key", pa.string()), ("reused_read", pa.bool_())]
)


def _is_context(file: LandingFile) -> bool:
    return file.source == REFERENCE or file.kind in (SURVEY_COLUMN_MAP, CONCERNS_CASES)


def _sha256_or_none(path: Path) -> str:
    try:
        return sha256_file(path)
    except OSError:
        return "unreadable"
