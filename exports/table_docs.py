"""What the release says about each of its tables: one description feeding every document.

The data dictionary (data_dictionary.md and .csv) and datapackage.json are both written from
these objects, so the two cannot disagree. Published dbt models get theirs from dbt's
manifest (exports/dbt_docs.py); tables the publisher writes itself (the revisions log)
declare theirs in code next to the writer.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

# Arrow type of a published column → Table Schema (Frictionless) type.
_TABLE_SCHEMA_TYPES: tuple[tuple[object, str], ...] = (
    (pa.types.is_integer, "integer"),
    (pa.types.is_floating, "number"),
    (pa.types.is_boolean, "boolean"),
    (pa.types.is_date, "date"),
    (pa.types.is_timestamp, "datetime"),
    (pa.types.is_string, "string"),
    (pa.types.is_large_string, "string"),
)


def table_schema_type(arrow_type: pa.DataType) -> str:
    for matches, name in _TABLE_SCHEMA_TYPES:
        if matches(arrow_type):
            return name
    raise ValueError(f"No Table Schema type for {arrow_type}")


@dataclass(frozen=True)
class ColumnDoc:
    name: str
    arrow_type: pa.DataType
    description: str
    unit: str | None = None
    # From dbt accepted_values tests; None when the column has none.
    allowed_values: tuple[str, ...] | None = None
    # True when a test of severity error, on every row, enforces allowed_values: only then
    # does datapackage.json state them as an enum constraint that validation checks.
    allowed_values_enforced: bool = False
    not_null: bool = False

    @property
    def type(self) -> str:
        """The Table Schema type: string, integer, number, boolean, date or datetime."""
        return table_schema_type(self.arrow_type)

    @property
    def parquet_type(self) -> str:
        return str(self.arrow_type)


@dataclass(frozen=True)
class TableDoc:
    name: str  # published name
    description: str
    grain: str | None
    primary_key: tuple[str, ...]
    columns: tuple[ColumnDoc, ...]  # in the CSV copy's order
    csv_path: str  # relative to the release, POSIX
    # Parquet layout as a reader sees it, e.g. `t/reporting_year=<Y>/part-0.parquet`; None
    # for a table published as CSV only.
    parquet_layout: str | None
    partition_column: str | None  # in the parquet path only, not inside the files
    origin: str  # e.g. the dbt model's unique_id, or "publisher"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)
