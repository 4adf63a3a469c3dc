"""Which dbt models are published, and their contract, read from dbt's manifest.json.

A model is published when it has `access: public` (docs/architecture.md, "Published
marts"). Everything the publisher needs to know about it comes from the manifest: where it
lives in DuckDB, its published name (`config.meta.published_name`), its primary key
(`meta.primary_key`), and its columns in declared order with their declared data types.
Nothing here knows any particular table.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

PARTITION_COLUMN = "reporting_year"

# Folders of a release that are not tables, and tables the publisher writes itself
# (revisions, data_dictionary.csv, both resources of datapackage.json), so no published
# model may take their names.
RESERVED_NAMES = frozenset({"csv", "quality", "revisions", "data_dictionary"})
PUBLISHED_NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")

# Declared (DuckDB) type names → the published parquet type. The published types are few on
# purpose: every integer is int64 and every floating type is double (spec, "Types and layout").
_ARROW_TYPES: dict[str, pa.DataType] = {
    **dict.fromkeys(
        ["bigint", "int8", "long", "integer", "int", "int4", "int32", "int64", "signed",
         "smallint", "int2", "short", "tinyint", "int1"],
        pa.int64(),
    ),
    **dict.fromkeys(["double", "float8", "float", "float4", "real"], pa.float64()),
    **dict.fromkeys(["varchar", "text", "string", "char", "bpchar"], pa.string()),
    **dict.fromkeys(["boolean", "bool", "logical"], pa.bool_()),
    "date": pa.date32(),
    **dict.fromkeys(["timestamp", "datetime"], pa.timestamp("us")),
}


class ManifestError(ValueError):
    """dbt's manifest does not describe a publishable model the way the contract requires."""


@dataclass(frozen=True)
class PublishedColumn:
    name: str
    data_type: str  # as declared in the model's yml
    arrow_type: pa.DataType


@dataclass(frozen=True)
class PublishedModel:
    unique_id: str  # e.g. model.nhs_equity.fct_equity_metrics
    database: str
    schema: str
    alias: str  # the relation's name in DuckDB
    published_name: str
    primary_key: tuple[str, ...]
    columns: tuple[PublishedColumn, ...]  # declared order

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def partitioned(self) -> bool:
        """A model with a reporting_year column is published one folder per year."""
        return PARTITION_COLUMN in self.column_names

    def arrow_schema(self, *, include_partition_column: bool = True) -> pa.Schema:
        return pa.schema(
            pa.field(column.name, column.arrow_type)
            for column in self.columns
            if include_partition_column or column.name != PARTITION_COLUMN
        )


def published_models(manifest_path: Path) -> list[PublishedModel]:
    """Every `access: public` model in the manifest, sorted by published name."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    models = [
        _published_model(node)
        for node in manifest.get("nodes", {}).values()
        if node.get("resource_type") == "model" and node.get("access") == "public"
    ]
    names = [model.published_name for model in models]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ManifestError(f"More than one public model is published as: {', '.join(duplicates)}")
    return sorted(models, key=lambda model: model.published_name)


def _published_model(node: dict) -> PublishedModel:
    unique_id = node["unique_id"]
    # dbt ≥ 1.10 keeps meta under config; the node's top-level meta mirrors it. Read both so
    # that either way of writing the yml works.
    meta = {**node.get("meta", {}), **node.get("config", {}).get("meta", {})}

    published_name = meta.get("published_name")
    if not isinstance(published_name, str) or not PUBLISHED_NAME_PATTERN.fullmatch(published_name):
        raise ManifestError(
            f"{unique_id}: config.meta.published_name must be a lower-case name "
            f"([a-z][a-z0-9_]*), got {published_name!r}"
        )
    if published_name in RESERVED_NAMES:
        raise ManifestError(f"{unique_id}: published_name {published_name!r} is reserved")

    columns = tuple(_published_column(unique_id, column) for column in node.get("columns", {}).values())
    if not columns:
        raise ManifestError(f"{unique_id}: a public model must declare its columns")
    column_names = [column.name for column in columns]

    primary_key = meta.get("primary_key")
    if (
        not isinstance(primary_key, list)
        or not primary_key
        or not all(isinstance(key, str) for key in primary_key)
    ):
        raise ManifestError(f"{unique_id}: meta.primary_key must be a non-empty list of column names")
    unknown_keys = [key for key in primary_key if key not in column_names]
    if unknown_keys:
        raise ManifestError(f"{unique_id}: primary key columns not declared: {', '.join(unknown_keys)}")

    if PARTITION_COLUMN in column_names:
        partition_type = columns[column_names.index(PARTITION_COLUMN)].arrow_type
        if partition_type != pa.int64():
            raise ManifestError(f"{unique_id}: {PARTITION_COLUMN} must be declared as an integer")

    return PublishedModel(
        unique_id=unique_id,
        database=node["database"],
        schema=node["schema"],
        alias=node.get("alias") or node["name"],
        published_name=published_name,
        primary_key=tuple(primary_key),
        columns=columns,
    )


def _published_column(unique_id: str, column: dict) -> PublishedColumn:
    name, data_type = column["name"], column.get("data_type")
    if not data_type:
        raise ManifestError(
            f"{unique_id}: column {name!r} has no data_type; a public model needs an enforced "
            "contract with every column typed"
        )
    # `varchar(20)` and `VARCHAR` both mean varchar.
    base_type = data_type.split("(")[0].strip().lower()
    if base_type not in _ARROW_TYPES:
        raise ManifestError(
            f"{unique_id}: column {name!r} has data_type {data_type!r}, which the publisher does "
            f"not map; use one of: {', '.join(sorted(_ARROW_TYPES))}"
        )
    return PublishedColumn(name=name, data_type=data_type, arrow_type=_ARROW_TYPES[base_type])
