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

An entry holds what ingest read (its pseudonymised rows: contract columns and _source_row;
failures; notes) and, once validated, the file's validation failures and the run that validated it.
Each part of an entry is verified by sha256 when it is reused; an entry whose rows fail is
dropped and the file read again.

Each raw-zone table is kept too, whole, keyed by the entries of the files that gave it
rows: when none of them has changed, the table is copied instead of written again, and
its files' rows are not read at all.

The cache lives in EQUITY_CACHE_DIR (default `<output>/cache/`), is never published, and
keeps only the entries the last run used. EQUITY_CACHE=off turns it off: entries are then
only how the read workers hand a large file's rows to ingest, in the work zone, unchecked.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib.metadata
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
# One file's tables as Arrow IPC streams, back to back: written and read back with far
# less work than parquet, and one file (not one per table) to write, hash and open.
ROWS_FILE = "rows.arrow"
_IN_MEMORY_BYTES = 8 << 20
# Rows up to this size (a workbook's, a concerns extract's) go back to ingest with the
# entry's metadata, over the read worker's pipe, instead of being read back from disk (or,
# with the cache off, written at all). It bounds what a worker holds while ingest is busy:
# at most its queue of jobs (ingest/read_workers.py) times this.
HANDOVER_BYTES = 512 << 10
# pa.ipc.new_stream without options reads two environment variables on every call.
_IPC_OPTIONS = pa.ipc.IpcWriteOptions()
VALIDATION_FILE = "validation.json"
TABLE_META = "table.json"
# Each key names the scheme, so a change to what an entry holds can never reuse an old one.
SCHEME = "equity-file-cache-3"
_FINGERPRINT_MESSAGE = b"equity-cache-key-fingerprint"
CONCERNS_CASES = "concerns_cases"
# What reads the files and writes the raw zone, besides the project's own code.
_LIBRARIES = f"pyarrow {pa.__version__}; python-calamine {importlib.metadata.version('python-calamine')}"

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
    parts = [SCHEME, _LIBRARIES, relpath, sha256, reference, *sorted(siblings), fingerprint, code_hash()]
    return sha256_bytes("\0".join(parts).encode())


def table_key(table_name: str, entries: Iterable[tuple[str, str]]) -> str:
    """The key of one raw-zone table: the (relpath, entry key) of every file that gave it
    rows, in the order they were added (each entry key already holds the code hash)."""
    parts = [SCHEME, _LIBRARIES, table_name, *(f"{relpath}:{key}" for relpath, key in entries)]
    return sha256_bytes("\0".join(parts).encode())


class FileCache:
    """Entries under `<root>/files/<key>/`. Written to a temporary folder and renamed into
    place, so a reader never sees half an entry."""

    def __init__(self, root: Path):
        self.root = root / "files"

    def _entry(self, key: str) -> Path:
        return self.root / key

    def load_meta(self, key: str) -> dict | None:
        """What ingest read from the file, without its rows; None if there is no entry."""
        try:
            return json.loads((self._entry(key) / ENTRY_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def load_rows(self, key: str, meta: dict, *, verify: bool = True) -> dict[str, pa.Table] | None:
        """The file's tables, memory-mapped; None (and the entry dropped) if its rows fail
        their sha256. `verify=False` only for an entry written in this run."""
        if not meta["tables"]:
            return {}
        try:
            rows = pa.memory_map(str(self._entry(key) / ROWS_FILE)).read_buffer()
            if verify and sha256_bytes(rows) != meta["files"][ROWS_FILE]:
                raise ValueError("checksum")
            return tables_from(rows, meta)
        except (OSError, ValueError, KeyError, pa.ArrowInvalid):
            self.drop(key)
            return None

    def save_read(
        self, key: str, read: FileRead, tables: dict[str, pa.Table], *, keep: bool = True
    ) -> tuple[dict, bytes | None]:
        """Keep what was read from one file (`tables`: its pseudonymised rows). Returns the
        entry's metadata, as load_meta would, and the rows (the bytes of ROWS_FILE) when
        they are small enough to hand over in memory (HANDOVER_BYTES), else None.

        With `keep=False` (the cache is off) nothing is kept for a later run: only rows that
        are not handed over are written, unchecked, for this run to read back."""
        streams, files, handover, staging = {}, {}, None, None
        if tables:
            # A small file's tables are put together in memory; a large one's go straight
            # to disk (growing one buffer to its size costs more).
            if sum(table.get_total_buffer_size() for table in tables.values()) < _IN_MEMORY_BYTES:
                sink = pa.BufferOutputStream()
                streams = _write_streams(sink, tables)
                rows = sink.getvalue()
                if rows.size <= HANDOVER_BYTES:
                    handover = rows.to_pybytes()
                if keep or handover is None:
                    staging = self._staging(key)
                    (staging / ROWS_FILE).write_bytes(rows)
                    if keep:
                        files[ROWS_FILE] = sha256_bytes(rows)
            else:
                staging = self._staging(key)
                with pa.output_stream(str(staging / ROWS_FILE), buffer_size=1 << 20) as sink:
                    streams = _write_streams(sink, tables)
                if keep:
                    files[ROWS_FILE] = sha256_file(staging / ROWS_FILE)  # in blocks: never all in memory
        meta = {
            "tables": {name: table.num_rows for name, table in tables.items()},
            "streams": streams,
            "rows_read": read.rows_read,
            "failures": [asdict(failure) for failure in read.failures],
            "notes": read.notes,
            "column_map": read.column_map,
            "files": files,
        }
        if keep:
            staging = staging or self._staging(key)
            (staging / ENTRY_FILE).write_text(json.dumps(meta), encoding="utf-8")
        if staging is not None:
            target = self._entry(key)
            if target.exists():
                shutil.rmtree(target, ignore_errors=True)
            staging.rename(target)
        return meta, handover

    def _staging(self, key: str) -> Path:
        staging = self.root / f".tmp-{key}-{uuid.uuid4().hex}"
        staging.mkdir(parents=True)
        return staging

    def drop(self, key: str) -> None:
        shutil.rmtree(self._entry(key), ignore_errors=True)

    def load_validation(self, key: str) -> dict | None:
        """{"failures": [rows], "validated_in_run", "suite_sha256"} or None."""
        meta = self.load_meta(key)
        if meta is None or VALIDATION_FILE not in meta["files"]:
            return None
        path = self._entry(key) / VALIDATION_FILE
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if sha256_bytes(data) != meta["files"][VALIDATION_FILE]:
            self.drop(key)
            return None
        return json.loads(data)

    def save_validation(self, key: str, record: dict) -> None:
        """Added to an entry ingest wrote, and to the entry's checksum list."""
        folder = self._entry(key)
        meta = self.load_meta(key)
        if meta is None:
            return
        data = json.dumps(record).encode("utf-8")
        (folder / VALIDATION_FILE).write_bytes(data)
        meta["files"][VALIDATION_FILE] = sha256_bytes(data)
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


class TableCache:
    """Whole raw-zone tables under `<root>/tables/<key>/`, each with its sha256 and rows."""

    def __init__(self, root: Path):
        self.root = root / "tables"

    def restore(self, key: str, target: Path) -> int | None:
        """Copy the table to `target` once its sha256 matches; its row count, or None."""
        folder = self.root / key
        try:
            meta = json.loads((folder / TABLE_META).read_text(encoding="utf-8"))
            if sha256_file(folder / target.name) != meta["sha256"]:
                raise ValueError("checksum")
            shutil.copyfile(folder / target.name, target)
        except (OSError, ValueError, KeyError):
            shutil.rmtree(folder, ignore_errors=True)
            return None
        return meta["rows"]

    def save(self, key: str, source: Path, rows: int) -> None:
        staging = self.root / f".tmp-{key}-{uuid.uuid4().hex}"
        staging.mkdir(parents=True)
        shutil.copyfile(source, staging / source.name)
        meta = {"sha256": sha256_file(staging / source.name), "rows": rows}
        (staging / TABLE_META).write_text(json.dumps(meta), encoding="utf-8")
        target = self.root / key
        if target.exists():
            shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)

    def keep_only(self, used: set[str]) -> None:
        if self.root.is_dir():
            for folder in self.root.iterdir():
                if folder.name not in used:
                    shutil.rmtree(folder, ignore_errors=True)


def read_into(
    store: FileCache,
    key: str,
    file: LandingFile,
    data: bytes,
    column_map: dict[str, str] | None,
    secret: bytes,
    *,
    keep: bool = True,
) -> tuple[dict, bytes | None]:
    """Read one landing file, pseudonymise it and keep it as entry `key` (FileCache.save_read):
    its metadata, and its rows when small. Rows are pseudonymised before they are stored or
    handed over, so no entry holds a clear practitioner_id."""
    read = read_file(file, data, column_map)
    tables = {name: pseudonymise_table(rows, secret) for name, rows in read.tables.items()}
    return store.save_read(key, read, tables, keep=keep)


def _write_streams(sink: pa.NativeFile, tables: dict[str, pa.Table]) -> dict[str, list[int]]:
    """Each table as an Arrow IPC stream, back to back: name -> [offset, length]."""
    streams = {}
    for name, table in tables.items():
        start = sink.tell()
        with pa.ipc.new_stream(sink, table.schema, options=_IPC_OPTIONS) as writer:
            writer.write_table(table)
        streams[name] = [start, sink.tell() - start]
    return streams


def tables_from(rows: bytes | pa.Buffer, meta: dict) -> dict[str, pa.Table]:
    """An entry's tables from its rows (the bytes of ROWS_FILE), without copying them."""
    rows = pa.py_buffer(rows) if isinstance(rows, bytes) else rows
    return {
        name: pa.ipc.open_stream(rows.slice(offset, length)).read_all()
        for name, (offset, length) in meta["streams"].items()
    }


class FileKeys:
    """Each landing file's entry key, from the hashes of the files it depends on."""

    def __init__(self, files: list[LandingFile], hashes: dict[str, str | None], secret: bytes):
        self._fingerprint = key_fingerprint(secret)
        context = {f.relpath: hashes.get(f.relpath) or "unreadable" for f in files if _is_context(f)}
        self._reference = sha256_bytes(
            json.dumps(sorted((p, h) for p, h in context.items() if p.split("/")[0].lower() == REFERENCE))
            .encode()
        )
        self._column_maps: dict[int | None, list[str]] = {}
        self._cases: list[str] = []
        for file in files:
            if file.kind == SURVEY_COLUMN_MAP:
                sibling = f"{file.relpath}:{context[file.relpath]}"
                self._column_maps.setdefault(file.year, []).append(sibling)
            elif file.kind == CONCERNS_CASES:
                self._cases.append(f"{file.relpath}:{context[file.relpath]}")

    def key(self, file: LandingFile, sha256: str) -> str:
        return file_key(
            file.relpath,
            sha256,
            reference=self._reference,
            siblings=self._siblings(file),
            fingerprint=self._fingerprint,
        )

    def _siblings(self, file: LandingFile) -> list[str]:
        if file.kind == "survey_responses":
            return self._column_maps.get(file.year, [])
        if file.kind == CONCERNS_CASES:
            return self._cases
        return []


def write_keys(path: Path, keys: dict[str, str], reused: set[str]) -> None:
    """Each file's entry key for the validate step (empty when the cache is off)."""
    rows = [
        {"source_file": relpath, "cache_key": key, "reused_read": relpath in reused}
        for relpath, key in sorted(keys.items())
    ]
    pq.write_table(pa.Table.from_pylist(rows, schema=FILE_KEYS_SCHEMA), path)


FILE_KEYS_SCHEMA = pa.schema(
    [("source_file", pa.string()), ("cache_key", pa.string()), ("reused_read", pa.bool_())]
)


def _is_context(file: LandingFile) -> bool:
    return file.source == REFERENCE or file.kind in (SURVEY_COLUMN_MAP, CONCERNS_CASES)
