"""What a new release takes from the last one when it would only write the same bytes again.

A rerun with nothing new reuses the dbt build, so the warehouse is byte-identical to the
last run's, and the release's data files, national report, profiles and `release.duckdb`
would be too. They are taken instead of written, and only while everything they are made of
is unchanged, as a key says:

- **data key**: sha256 of the warehouse file; the published models' contract (names,
  columns, types, keys, partitioning); the reporting year; the content of the exports code;
  the pyarrow, duckdb, pandas and plotly versions. It covers the data files.
- **reports key**: the data key and the method version: the national report and the
  profiles read nothing else (the data-quality report reads the run's evidence and is
  always rendered).
- **database key**: the data key and the tables `release.duckdb` holds, with the rows of
  those published as CSV only.

The cache keeps one entry, for the last candidate (`<cache>/publish/`): its keys, its id,
its tables and a copy of its `release.duckdb` as built before sign-off. Files are taken only
from that candidate once published (`releases/<id>/`, immutable), and each only after its
sha256 matches what the release's manifest says. Data files and pages become hard links (no
release file is ever written again in place: sign-off replaces a page with a new file);
`release.duckdb` is copied, since sign-off adds a table to it. EQUITY_CACHE=off turns reuse
off (ingest/cache.py); every file is then written as on a first run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import pyarrow as pa

from exports.checksums import sha256_file
from exports.published_models import PublishedModel
from exports.reports import NATIONAL_REPORT_FILE, PROFILES_FOLDER, REPORTS_FOLDER
from exports.table_docs import TableDoc
from exports.table_files import DataFile
from ingest.cache import cache_dir, cache_enabled
from ingest.config import Paths

logger = logging.getLogger(__name__)

SCHEME = "equity-release-reuse-1"  # a change to what an entry means never reuses an old one
ENTRY_FILE = "entry.json"
DATABASE_COPY = "release.duckdb"
_EXPORTS_CODE = Path(__file__).resolve().parent
_VERSIONED = ("pyarrow", "duckdb", "pandas", "plotly")


def _sha256_text(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _exports_code_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(_EXPORTS_CODE.rglob("*.py")):
        digest.update(path.relative_to(_EXPORTS_CODE).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _ipc_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


@dataclass
class ReleaseReuse:
    """The last candidate's entry, and what of it this release may take."""

    paths: Paths
    models: Sequence[PublishedModel]
    reporting_year: int
    enabled: bool  # False: the cache is off
    entry: dict | None = None  # the last candidate's entry when its data key is this one's
    source: Path | None = None  # that candidate's release folder, when it was published
    _data_key: str | None = None

    @classmethod
    def find(cls, paths: Paths, models: Sequence[PublishedModel], reporting_year: int) -> ReleaseReuse:
        reuse = cls(paths, models, reporting_year, cache_enabled())
        entry = _read_entry(paths) if reuse.enabled else None
        # The warehouse is hashed now only when there is an entry to compare with; otherwise
        # when the entry is saved (data_key), which build_candidate does beside other work.
        if entry and entry.get("data_key") == reuse.data_key():
            source = paths.releases / entry["candidate_id"]
            reuse.entry = entry
            reuse.source = source if _published_from(source, entry) else None
        return reuse

    def data_key(self) -> str | None:
        if self.enabled and self._data_key is None:
            self._data_key = _data_key(self.paths, self.models, self.reporting_year)
        return self._data_key

    def data_files(self, release_dir: Path) -> tuple[list[dict], list[DataFile], set[str]] | None:
        """Link the last release's data files into `release_dir`; None when they cannot be taken."""
        if self.source is None:
            return None
        data_files = [DataFile(Path(item["path"]), item["rows"]) for item in self.entry["data_files"]]
        if not self._take([data_file.path.as_posix() for data_file in data_files], release_dir):
            return None
        logger.info("Data files: the %d files of release %s, unchanged (hard links)", len(data_files),
                    self.source.name)
        return self.entry["tables"], data_files, set(self.entry["method_versions"])

    def reports_source(self, method_version: str | None) -> Path | None:
        """The release whose national report and profiles this release's would be (each page
        checked against its manifest), or None."""
        if self.source is None or self.entry.get("reports_key") != self.reports_key(method_version):
            return None
        reports = self.source / REPORTS_FOLDER
        pages = [reports / NATIONAL_REPORT_FILE, *sorted((reports / PROFILES_FOLDER).rglob("*.html"))]
        if not self._verified([page.relative_to(self.source).as_posix() for page in pages]):
            return None
        return self.source

    def reports_key(self, method_version: str | None) -> str | None:
        if not self.enabled:
            return None
        return _sha256_text(SCHEME, "reports", self.data_key(), json.dumps(method_version))

    def database_key(self, tables: Sequence[TableDoc], csv_only_tables: Mapping[str, pa.Table]) -> str | None:
        if not self.enabled:
            return None
        rows = [hashlib.sha256(_ipc_bytes(csv_only_tables[name])).hexdigest() for name in sorted(csv_only_tables)]
        return _sha256_text(SCHEME, "database", self.data_key(), repr(list(tables)), *sorted(csv_only_tables), *rows)

    def database(self, key: str | None, target: Path) -> bool:
        """Copy the cached `release.duckdb` to `target` if it has this key; True if it did."""
        if key is None or not self.entry or self.entry.get("database_key") != key:
            return False
        cached = cache_dir(self.paths) / "publish" / DATABASE_COPY
        if not cached.is_file() or sha256_file(cached) != self.entry.get("database_sha256"):
            logger.warning("The cached %s does not match its entry: writing it afresh", DATABASE_COPY)
            return False
        shutil.copyfile(cached, target)
        logger.info("%s: unchanged since candidate %s (copied)", target.name, self.entry["candidate_id"])
        return True

    def save(self, candidate_dir: Path, run_id: str, *, tables: list[dict], data_files: list[DataFile],
             method_versions: set[str], method_version: str | None, database_key: str | None,
             database: Path) -> None:
        """Make the candidate just built the entry (the only one) for the next run."""
        if not self.enabled:
            return
        folder = cache_dir(self.paths) / "publish"
        staging = folder.with_name(".publish.tmp")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        shutil.copyfile(database, staging / DATABASE_COPY)
        entry = {
            "scheme": SCHEME,
            "candidate_id": candidate_dir.name,
            "run_id": run_id,
            "data_key": self.data_key(),
            "reports_key": self.reports_key(method_version),
            "database_key": database_key,
            "database_sha256": sha256_file(staging / DATABASE_COPY),
            "tables": tables,
            "data_files": [{"path": item.path.as_posix(), "rows": item.rows} for item in data_files],
            "method_versions": sorted(method_versions),
            "method_version": method_version,
        }
        (staging / ENTRY_FILE).write_text(json.dumps(entry) + "\n", encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)

    def _take(self, relatives: list[str], release_dir: Path) -> bool:
        """Hard-link (or copy) each file from the source release once all are verified;
        False, with nothing taken, if any is not."""
        if not self._verified(relatives):
            return False
        for relative in relatives:
            link(self.source / relative, release_dir / relative)
        return True

    def _verified(self, relatives: list[str]) -> bool:
        """True when each file of the source release has the sha256 its manifest records."""
        manifest = json.loads((self.source / "manifest.json").read_text(encoding="utf-8"))
        recorded = {item["path"]: item["sha256"] for item in manifest.get("files", [])}
        for relative in relatives:
            path = self.source / relative
            if relative not in recorded or not path.is_file() or sha256_file(path) != recorded[relative]:
                logger.warning("Release %s: %s is not as its manifest says: not reused", self.source.name, relative)
                return False
        return True


def link(source: Path, target: Path) -> None:
    """`target` as a hard link to `source`, or a copy where the file system has none."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _published_from(source: Path, entry: dict) -> bool:
    """True when `source` is the release of the entry's candidate (not another with its id,
    as in a cache shared between output folders)."""
    try:
        manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return False
    return manifest.get("release_id") == entry["candidate_id"] and manifest.get("run_id") == entry.get("run_id")


def _read_entry(paths: Paths) -> dict | None:
    path = cache_dir(paths) / "publish" / ENTRY_FILE
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return entry if entry.get("scheme") == SCHEME else None


def _data_key(paths: Paths, models: Sequence[PublishedModel], reporting_year: int) -> str:
    versions = [f"{name}=={version(name)}" for name in _VERSIONED]
    return _sha256_text(SCHEME, "data", sha256_file(paths.warehouse), repr(list(models)), str(reporting_year),
                        _exports_code_hash(), *versions)
