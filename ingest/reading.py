"""Every landing file's outcome, from the cache or read afresh, with its rows in the raw zone.

1. Every file is hashed (the manifest needs it, and so does its cache key).
2. The required reference files and the survey column maps are read first, here: a
   failure of the first stops the run, and the survey is read with the second.
3. Every other file's entry is looked up. A raw-zone table whose files all have an entry
   and are unchanged is copied whole from the cache, and their rows are not read.
4. Files without an entry are read by worker processes (ingest/read_workers.py); each
   table's rows are added in relpath order as soon as the files before them are in. A
   small file's rows come back with its outcome, in memory; a large one's are read back
   from its entry.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ingest.cache import (
    FileCache,
    FileKeys,
    TableCache,
    cache_dir,
    cache_enabled,
    read_into,
    sha256_bytes,
    table_key,
    tables_from,
)
from ingest.config import Paths
from ingest.discover import REFERENCE, REFERENCE_FILES, SURVEY_COLUMN_MAP, WRES_WORKBOOK, LandingFile
from ingest.errors import ReferenceDataError
from ingest.ledger import Failure
from ingest.raw_zone import RawZoneWriter, landed_rows, raw_path
from ingest.read_workers import Job, ReadWorkers
from ingest.tables import TABLES, WRES_SHEETS

# Without these nothing can be attributed, so any problem reading them stops the run.
REQUIRED_REFERENCE = {
    kind: f"{REFERENCE}/{name}"
    for name, kind in REFERENCE_FILES.items()
    if kind in ("ref_etr", "ref_regions")
}
# Two workers on this project's two-core machine; the parent's own work (the raw zone's
# parquet) fits beside them.
READ_WORKERS = min(2, os.cpu_count() or 1)
# Fewer files than this are read here: starting a worker costs more than they take.
MIN_FILES_FOR_WORKERS = 16
# A file this large (a national survey year) is read by one worker at a time, so that two
# of them are never in memory together.
LARGE_FILE_BYTES = 4 << 20


@dataclass
class Outcome:
    """What one landing file gave, once `meta` (its cache entry's metadata) is known."""

    file: LandingFile
    sha256: str | None = None
    size_bytes: int | None = None
    failures_found: list[Failure] = field(default_factory=list)  # before reading: the file is not read
    column_map_in: dict[str, str] | None = None  # the survey's map, to read it with
    entry: str | None = None  # its entry key in the store; None when it is not read
    meta: dict | None = None
    reused: bool = False  # meta came from an earlier run's entry
    handover: bytes | None = None  # its rows, when they came back in memory (FileCache.save_read)
    index: int = 0

    @property
    def failures(self) -> list[Failure]:
        if self.meta is None:
            return self.failures_found
        return [Failure(**failure) for failure in self.meta["failures"]]

    @property
    def rows_read(self) -> int:
        return self.meta["rows_read"] if self.meta else 0

    @property
    def notes(self) -> list[str]:
        return self.meta["notes"] if self.meta else []


@dataclass
class Reading:
    outcomes: list[Outcome]  # in read order
    raw_rows: dict[str, int]
    keys: dict[str, str]  # relpath -> entry key (empty when the cache is off)

    @property
    def reused(self) -> set[str]:
        return {o.file.relpath for o in self.outcomes if o.reused}


def _hash_or_error(path: Path) -> tuple[str, int] | OSError:
    """(sha256, size), read in blocks into one buffer; or the error that stopped it."""
    digest, size, block = hashlib.sha256(), 0, bytearray(1 << 20)
    view = memoryview(block)
    try:
        with path.open("rb", buffering=0) as handle:
            while count := handle.readinto(block):
                digest.update(view[:count])
                size += count
    except OSError as error:
        return error
    return digest.hexdigest(), size


def read_order(file: LandingFile) -> tuple[int, str]:
    """Required reference first (fail fast), then survey column maps (the survey needs them)."""
    first = 0 if file.kind in REQUIRED_REFERENCE else 1 if file.kind == SURVEY_COLUMN_MAP else 2
    return first, file.relpath


def _feeds(file: LandingFile) -> list[str]:
    """The raw-zone tables a file can give rows to."""
    if file.kind == WRES_WORKBOOK:
        return [table.name for table in WRES_SHEETS.values()]
    return [file.kind] if file.kind in TABLES else []


def _store_root(paths: Paths) -> Path:
    # With the cache off, entries are only the hand-over from the workers, in the work zone.
    return cache_dir(paths) if cache_enabled() else paths.work / "reading"


class _Reader:
    def __init__(self, paths: Paths, files: list[LandingFile], secret: bytes):
        self.paths, self.secret = paths, secret
        self.cached = cache_enabled()
        root = _store_root(paths)
        self.store, self.tables = FileCache(root), TableCache(root)
        self.ordered = sorted(files, key=read_order)
        self.outcomes = [Outcome(file, index=index) for index, file in enumerate(self.ordered)]
        self._hash_all()
        hashes = {o.file.relpath: o.sha256 for o in self.outcomes}
        self.keys = FileKeys(files, hashes, secret)

    def _hash_all(self) -> None:
        """sha256 and size of every file, recognised or not; two at a time, since hashing
        and reading let other threads run."""
        with ThreadPoolExecutor(max_workers=2) as pool:
            hashed = list(pool.map(_hash_or_error, (o.file.path for o in self.outcomes)))
        for outcome, found in zip(self.outcomes, hashed, strict=True):
            file = outcome.file
            if isinstance(found, OSError):
                if file.kind in REQUIRED_REFERENCE and not file.problem:
                    raise found  # storage can fail for a moment: the step's retries may mend it
                failure = file.problem or Failure("unreadable_file", f"could not be opened: {found.strerror}")
                outcome.failures_found = [failure]
                continue
            outcome.sha256, outcome.size_bytes = found
            if file.problem:
                outcome.failures_found = [file.problem]

    def plan(self, outcome: Outcome, column_maps: dict[int, dict[str, str] | None]) -> None:
        """Its entry key, and its entry's metadata if an earlier run left one."""
        file = outcome.file
        if outcome.sha256 is None or file.problem:
            return
        if file.kind == "survey_responses":
            if file.year in column_maps and column_maps[file.year] is None:
                message = "this year's column_map.csv failed, so the survey's columns cannot be mapped"
                outcome.failures_found = [Failure("column_map_unusable", message)]
                return
            outcome.column_map_in = column_maps.get(file.year)
        if self.cached:
            outcome.entry = self.keys.key(file, outcome.sha256)
            outcome.meta = self.store.load_meta(outcome.entry)
            outcome.reused = outcome.meta is not None
        else:
            outcome.entry = f"{outcome.index:06d}"

    def read_here(self, outcome: Outcome) -> None:
        data = outcome.file.path.read_bytes()
        if sha256_bytes(data) != outcome.sha256:
            raise OSError(f"{outcome.file.relpath} changed while it was being read")
        outcome.meta, outcome.handover = read_into(
            self.store,
            outcome.entry,
            outcome.file,
            data,
            outcome.column_map_in,
            self.secret,
            keep=self.cached,
        )
        outcome.reused = False

    def rows(self, outcome: Outcome) -> dict:
        """Its tables, taken from it (handed over in memory, or read from its entry); an entry
        from an earlier run is verified first, and read again if it fails."""
        if outcome.handover is None:
            rows = self.store.load_rows(outcome.entry, outcome.meta, verify=outcome.reused)
            if rows is not None:
                return rows
            self.read_here(outcome)  # the entry failed its check
        if outcome.handover is not None:
            rows, outcome.handover = tables_from(outcome.handover, outcome.meta), None
            return rows
        return self.store.load_rows(outcome.entry, outcome.meta, verify=False)


def read_landing(paths: Paths, files: list[LandingFile], secret: bytes) -> Reading:
    """Every file's outcome, and the raw zone written (see the module's docstring)."""
    workers = _workers_started_early(paths, files, secret)
    try:
        return _read_landing(paths, files, secret, workers)
    finally:
        if workers is not None:
            workers.close()


def _workers_started_early(paths: Paths, files: list[LandingFile], secret: bytes) -> ReadWorkers | None:
    """The read workers, started before anything is hashed when many files will likely be
    read (the cache is off, or holds far fewer entries than there are files), so that they
    start up (about half a second of imports) while this process hashes; else None."""
    if READ_WORKERS < 2:
        return None
    readable = sum(1 for file in files if file.kind and not file.problem)
    if cache_enabled():
        try:
            with os.scandir(FileCache(_store_root(paths)).root) as entries:
                readable -= sum(1 for _ in entries)
        except OSError:
            pass  # no cache yet: every file will be read
    if readable < MIN_FILES_FOR_WORKERS + len(REQUIRED_REFERENCE):
        return None
    return ReadWorkers(READ_WORKERS, _store_root(paths), secret, keep=cache_enabled())


def _read_landing(
    paths: Paths, files: list[LandingFile], secret: bytes, workers: ReadWorkers | None
) -> Reading:
    reader = _Reader(paths, files, secret)
    outcomes = reader.outcomes
    column_maps: dict[int, dict[str, str] | None] = {}
    for outcome in outcomes:
        if read_order(outcome.file)[0] == 2:
            break
        reader.plan(outcome, column_maps)
        if outcome.entry and outcome.meta is None:
            reader.read_here(outcome)
        if outcome.file.kind in REQUIRED_REFERENCE and outcome.failures:
            messages = "; ".join(f.message for f in outcome.failures[:5])
            raise ReferenceDataError(outcome.file.relpath, messages)
        if outcome.file.kind == SURVEY_COLUMN_MAP:
            column_maps[outcome.file.year] = outcome.meta["column_map"] if outcome.meta else None
    for outcome in outcomes:
        if read_order(outcome.file)[0] == 2:
            reader.plan(outcome, column_maps)

    raw_rows = _restore_unchanged_tables(reader)
    writer = RawZoneWriter(paths.raw, tables=[name for name in TABLES if name not in raw_rows])
    # One queue per kind of file; each raw-zone table is fed by one kind, so adding each
    # queue's files in order keeps every table in relpath order.
    building = set(writer.tables)
    streams: dict[str, deque[Outcome]] = {}
    for outcome in outcomes:
        if outcome.entry and building & set(_feeds(outcome.file)):
            streams.setdefault(outcome.file.kind, deque()).append(outcome)

    def add_ready() -> None:
        """Add each queue's files, in order, as far as they have been read."""
        for queue in streams.values():
            while queue and queue[0].meta is not None:
                outcome = queue.popleft()
                tables = [table for table in outcome.meta["tables"] if table in building]
                on_disk = outcome.handover is None and outcome.meta["streams"]
                rows = reader.rows(outcome) if tables else {}
                landed = landed_rows(outcome.file, {table: rows[table] for table in tables})
                for table in tables:
                    writer.add(outcome.file.relpath, table, landed[table])
                outcome.handover = None
                if on_disk and not reader.cached:
                    reader.store.drop(outcome.entry)  # the hand-over is done with

    jobs = [o for o in outcomes if o.entry and o.meta is None]
    if len(jobs) < MIN_FILES_FOR_WORKERS or READ_WORKERS < 2:
        for outcome in jobs:
            reader.read_here(outcome)
            add_ready()
    elif workers is not None:
        _read_in_workers(workers, jobs, add_ready)
        workers.close()  # their memory is given back before the tables are kept
    else:
        with ReadWorkers(READ_WORKERS, reader.store.root.parent, secret, keep=reader.cached) as started:
            _read_in_workers(started, jobs, add_ready)
    add_ready()
    writer.close()
    raw_rows = {name: raw_rows.get(name, writer.rows.get(name, 0)) for name in TABLES}
    if reader.cached:
        _keep_tables(reader)
    else:
        shutil.rmtree(reader.store.root.parent, ignore_errors=True)
    keys = {o.file.relpath: o.entry for o in outcomes if o.entry} if reader.cached else {}
    return Reading(outcomes, raw_rows, keys)


def _read_in_workers(workers: ReadWorkers, jobs: list[Outcome], add_ready) -> None:
    """Jobs in read order, but at most one large file in flight at a time."""
    large = deque(o for o in jobs if o.size_bytes >= LARGE_FILE_BYTES)
    small = deque(o for o in jobs if o.size_bytes < LARGE_FILE_BYTES)
    by_index = {o.index: o for o in jobs}
    in_flight, large_in_flight = 0, 0

    def submit(outcome: Outcome) -> None:
        job = Job(outcome.index, outcome.file, outcome.sha256, outcome.column_map_in, outcome.entry)
        workers.submit(job, outcome.size_bytes)

    while large or small or in_flight:
        while workers.can_take() and (small or (large and not large_in_flight)):
            if large and not large_in_flight:
                submit(large.popleft())
                large_in_flight += 1
            else:
                submit(small.popleft())
            in_flight += 1
        for index, meta, handover in workers.results():
            outcome = by_index[index]
            outcome.meta, outcome.handover = meta, handover
            in_flight -= 1
            large_in_flight -= outcome.size_bytes >= LARGE_FILE_BYTES
        add_ready()


def _contributors(outcomes: list[Outcome], table: str) -> list[tuple[str, str]]:
    return [(o.file.relpath, o.entry) for o in outcomes if o.meta and table in o.meta["tables"]]


def _restore_unchanged_tables(reader: _Reader) -> dict[str, int]:
    """Copy from the cache every raw-zone table none of whose files is new or changed:
    table -> rows."""
    if not reader.cached:
        return {}
    unknown = {table for o in reader.outcomes if o.entry and o.meta is None for table in _feeds(o.file)}
    restored = {}
    for table in TABLES:
        if table in unknown:
            continue
        key = table_key(table, _contributors(reader.outcomes, table))
        rows = reader.tables.restore(key, raw_path(reader.paths.raw, table))
        if rows is not None:
            restored[table] = rows
    return restored


def _keep_tables(reader: _Reader) -> None:
    """Keep this run's raw-zone tables for the next run, and drop every other."""
    used = set()
    for table in TABLES:
        key = table_key(table, _contributors(reader.outcomes, table))
        used.add(key)
        if not (reader.tables.root / key).is_dir():
            path = raw_path(reader.paths.raw, table)
            rows = sum(o.meta["tables"].get(table, 0) for o in reader.outcomes if o.meta)
            reader.tables.save(key, path, rows)
    reader.tables.keep_only(used)
