"""What the reports read: the release folder being assembled, table by table.

The reports read only the release itself (its parquet files, `quality/` and the release's
context), never the warehouse, so they can be rebuilt from any published release and they
describe exactly what was published. A table or column that is not in the release is not an
error here: `MissingData` says what is absent, and the page shows a "not available in this
release" section in its place, so the reports work while tables are still being added.

Layout read (exports/release.py):

    <table>/reporting_year=<Y>/part-0.parquet   tables with a reporting year (year in the path)
    <table>/<table>.parquet                     tables without one
    quality/                                    the run's quality evidence
    manifest.json                               when the release is complete
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

logger = logging.getLogger(__name__)

PARTITION_COLUMN = "reporting_year"
QUALITY_FOLDER = "quality"
MANIFEST_FILE = "manifest.json"
# Partition folders carry the year as text; readers get int64 like every published count.
_PARTITIONING = ds.partitioning(pa.schema([(PARTITION_COLUMN, pa.int64())]), flavor="hive")


class MissingData(LookupError):
    """A table, column or file a report section needs is not in this release."""


@dataclass(frozen=True)
class ReleaseContext:
    """What the release knows about itself before its manifest is written.

    `inputs` are the landing files of the run, as the manifest records them (path, sha256,
    size_bytes, outcome). Deliberately no release id or time: the reports are a function of
    the published data, so publishing the same warehouse twice gives the same bytes.
    """

    reporting_year: int
    method_version: str | None = None
    inputs: list[dict] = field(default_factory=list)
    # A candidate's pages carry the banner "candidate, not published" (exports/reports/page.py).
    candidate: bool = False

    @classmethod
    def from_manifest(cls, release_dir: Path) -> ReleaseContext:
        """The context of a complete release, read back from its manifest.json."""
        path = release_dir / MANIFEST_FILE
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise MissingData(f"{path} cannot be read: {error}") from error
        return cls(
            reporting_year=int(manifest["reporting_year"]),
            method_version=manifest.get("method_version"),
            inputs=list(manifest.get("inputs") or []),
        )


class ReleaseData:
    """Lazy, cached access to one release folder's tables and quality evidence."""

    def __init__(self, release_dir: Path, context: ReleaseContext) -> None:
        self.release_dir = Path(release_dir)
        self.context = context
        self._tables: dict[str, pd.DataFrame | None] = {}
        self._present: dict[str, bool] = {}
        self._kept: dict[tuple, pd.DataFrame] = {}

    @property
    def reporting_year(self) -> int:
        return self.context.reporting_year

    @property
    def quality_dir(self) -> Path:
        return self.release_dir / QUALITY_FOLDER

    def has_table(self, name: str) -> bool:
        if name not in self._present:
            self._present[name] = bool(_table_files(self.release_dir / name))
            if not self._present[name]:
                logger.info("Reports: table %s is not in %s", name, self.release_dir.name)
        return self._present[name]

    def table(self, name: str, columns: Iterable[str] = (), where: Mapping[str, object] | None = None, *,
              keep: bool = False) -> pd.DataFrame:
        """The whole published table (all years, `reporting_year` included when partitioned).

        With `where` ({column: value, or a set of values}), only the rows it selects and only
        `columns`, read from the parquet without the rest: what a large table's readers use,
        so that memory follows what a page shows, not the table's years. The rows keep the
        table's order. Not kept unless `keep` (a small selection that more than one section
        reads): each call reads again.
        Raises MissingData when the table, or one of `columns`, is not in the release.
        """
        columns = list(columns)
        if where is not None and keep:
            key = (name, tuple(columns), tuple(sorted(
                (column, frozenset(wanted) if isinstance(wanted, (set, frozenset, list, tuple)) else wanted)
                for column, wanted in where.items())))
            if key not in self._kept:
                self._kept[key] = self._read_where(name, columns, where)
            return self._kept[key].copy(deep=False)  # copy-on-write: a caller's change stays its own
        if where is not None:
            return self._read_where(name, columns, where)
        frame = self._read(name)
        if frame is None:
            raise MissingData(f"table {name} is not in this release")
        missing = [column for column in columns if column not in frame.columns]
        if missing:
            raise MissingData(f"table {name} has no column(s) {', '.join(missing)}")
        return frame

    def _read_where(self, name: str, columns: list[str], where: Mapping[str, object]) -> pd.DataFrame:
        dataset = _dataset(self.release_dir / name) if self.has_table(name) else None
        if dataset is None:
            raise MissingData(f"table {name} is not in this release")
        missing = [column for column in [*columns, *where] if column not in dataset.schema.names]
        if missing:
            raise MissingData(f"table {name} has no column(s) {', '.join(dict.fromkeys(missing))}")
        selected = None
        for column, wanted in where.items():
            test = (ds.field(column).isin(sorted(wanted)) if isinstance(wanted, (set, frozenset, list, tuple))
                    else ds.field(column) == wanted)
            selected = test if selected is None else selected & test
        rows = dataset.to_table(columns=columns, filter=selected, fragment_readahead=1)
        frame = rows.cast(_undictionary(rows.schema)).to_pandas()
        # The scan's buffers go back to the system, not kept by Arrow's allocator for later.
        pa.default_memory_pool().release_unused()
        return frame

    def quality_file(self, relative: str) -> Path:
        path = self.quality_dir / relative
        if not path.is_file():
            raise MissingData(f"{QUALITY_FOLDER}/{relative} is not in this release")
        return path

    def quality_json(self, relative: str) -> dict:
        path = self.quality_file(relative)
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise MissingData(f"{QUALITY_FOLDER}/{relative} is not valid JSON: {error}") from error

    def quality_csv(self, relative: str) -> pd.DataFrame:
        # Everything as text: the report shows what the file says, it does not compute on it.
        return pd.read_csv(self.quality_file(relative), dtype=str, keep_default_na=False).replace("", None)

    @cached_property
    def region_names(self) -> dict[str, str]:
        """Region code → name, from `organisations`; empty when it is not published."""
        try:
            organisations = self.table("organisations", ["region_code", "region_name"])
        except MissingData:
            return {}
        pairs = organisations[["region_code", "region_name"]].dropna().drop_duplicates()
        return dict(zip(pairs["region_code"], pairs["region_name"], strict=True))

    @cached_property
    def organisation_names(self) -> dict[str, str]:
        try:
            organisations = self.table("organisations", ["org_code", "org_name"])
        except MissingData:
            return {}
        pairs = organisations[["org_code", "org_name"]].dropna()
        return dict(zip(pairs["org_code"], pairs["org_name"], strict=True))

    @cached_property
    def trust_regions(self) -> dict[str, str]:
        try:
            organisations = self.table("organisations", ["org_code", "region_code"])
        except MissingData:
            return {}
        pairs = organisations[["org_code", "region_code"]].dropna()
        return dict(zip(pairs["org_code"], pairs["region_code"], strict=True))

    def _read(self, name: str) -> pd.DataFrame | None:
        if name not in self._tables:
            self._tables[name] = _read_table(self.release_dir / name)
            if self._tables[name] is None:
                logger.info("Reports: table %s is not in %s", name, self.release_dir.name)
        return self._tables[name]


def _table_files(folder: Path) -> list[Path]:
    single = folder / f"{folder.name}.parquet"
    if single.is_file():
        return [single]
    return sorted(folder.glob(f"{PARTITION_COLUMN}=*/*.parquet")) if folder.is_dir() else []


def _dataset(folder: Path) -> ds.Dataset | None:
    """The table's files as one dataset whose text columns are read as dictionaries: the files
    store them dictionary-encoded, so a scan keeps the codes instead of building every row's
    string, and a selection tests each distinct value once (_undictionary turns the rows kept
    back into plain text)."""
    parts = _table_files(folder)
    if not parts:
        return None
    text = [field.name for field in pq.read_schema(parts[0]) if pa.types.is_string(field.type)]
    file_format = ds.ParquetFileFormat(read_options=ds.ParquetReadOptions(dictionary_columns=text))
    if parts[0].parent == folder:
        return ds.dataset(os.fspath(parts[0]), format=file_format)
    return ds.dataset([os.fspath(part) for part in parts], format=file_format, partitioning=_PARTITIONING,
                      partition_base_dir=os.fspath(folder))


def _undictionary(schema: pa.Schema) -> pa.Schema:
    """The schema with each dictionary column as its values' type (the type the files declare)."""
    return pa.schema([field.with_type(field.type.value_type) if pa.types.is_dictionary(field.type) else field
                      for field in schema], metadata=schema.metadata)


def _read_table(folder: Path) -> pd.DataFrame | None:
    single = folder / f"{folder.name}.parquet"
    if single.is_file():
        return pq.read_table(single).to_pandas()
    dataset = _dataset(folder)
    if dataset is None:
        return None
    rows = dataset.to_table()
    return rows.cast(_undictionary(rows.schema)).to_pandas()
