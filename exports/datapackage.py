"""`datapackage.json`: the release as a Frictionless Data Package.

Every CSV file of the release (the tables' CSV copies, revisions.csv and
data_dictionary.csv) is a tabular resource whose schema (field names in file order, Table
Schema types, primary key, descriptions, required and enum constraints) is written from the
same TableDoc objects as the data dictionary. Each resource carries its size and sha256,
which `frictionless validate datapackage.json` checks along with the schema.

The parquet files are not resources here: frictionless 5 reads parquet through pandas, which
turns a nullable integer column into floats with NaN (type errors on every null count), and
it does not count a parquet file's bytes (byte-count errors), so a package listing them
would never validate. manifest.json lists every parquet file with its rows, size and sha256.

The descriptor keeps to properties that Data Package v1 and v2 share (plus `type: table`,
which v2 defines and v1 readers ignore), so frictionless 5 reads it under either standard.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pyarrow as pa

from exports.checksums import sha256_file
from exports.spreadsheet_safety import escape_text
from exports.table_docs import ColumnDoc, TableDoc

DATAPACKAGE_FILE = "datapackage.json"

PACKAGE_NAME = "nhs-equity-monitoring"
PACKAGE_TITLE = "NHS England equity monitoring: published tables"
PACKAGE_DESCRIPTION = (
    "A versioned, immutable open-data release of the NHS England equity monitoring pipeline. "
    "Each table is published as parquet with a CSV copy; this package describes the CSV files, "
    "manifest.json lists every file including the parquet ones. data_dictionary.md describes "
    "every column, revisions.csv lists every release, and SHA256SUMS lets anyone check the files."
)
LICENSES = (
    {
        "name": "OGL-UK-3.0",
        "path": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
        "title": "Open Government Licence v3.0",
    },
)
CSV_DIALECT = {
    "delimiter": ",",
    "lineTerminator": "\n",
    "quoteChar": '"',
    "doubleQuote": True,
    "header": True,
}
# How pyarrow writes a (naive, microsecond) timestamp in a CSV copy.
CSV_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def write_datapackage(
    release_dir: Path,
    tables: Sequence[TableDoc],
    *,
    release_id: str,
    created_at: str,
    sources: Sequence[Mapping],
) -> Path:
    """Write datapackage.json; the CSV file of every table must already be in `release_dir`."""
    descriptor = datapackage_descriptor(
        release_dir, tables, release_id=release_id, created_at=created_at, sources=sources
    )
    path = release_dir / DATAPACKAGE_FILE
    path.write_text(
        json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8", newline="\n"
    )
    return path


def add_datapackage_table(release_dir: Path, table: TableDoc, *, before: str) -> Path:
    """Add one table's CSV file to a written datapackage.json, before the resource `before`.

    On sign-off, for the revisions log: it is written only when the release joins the history.
    A resource of that name already there (from an interrupted sign-off) is replaced.
    """
    path = release_dir / DATAPACKAGE_FILE
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    resources = [resource for resource in descriptor["resources"] if resource["name"] != table.name]
    descriptor["resources"] = resources
    names = [resource["name"] for resource in resources]
    position = names.index(before) if before in names else len(resources)
    resources.insert(position, _csv_resource(release_dir, table))
    path.write_text(
        json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8", newline="\n"
    )
    return path


def datapackage_descriptor(
    release_dir: Path,
    tables: Sequence[TableDoc],
    *,
    release_id: str,
    created_at: str,
    sources: Sequence[Mapping],
) -> dict:
    resources = [_csv_resource(release_dir, table) for table in tables]
    names = [resource["name"] for resource in resources]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"datapackage.json would have resources with the same name: {', '.join(duplicates)}")
    return {
        "name": PACKAGE_NAME,
        "title": PACKAGE_TITLE,
        "description": PACKAGE_DESCRIPTION,
        "version": release_id,
        "created": created_at,
        "licenses": [dict(license) for license in LICENSES],
        "sources": [dict(source) for source in sources],
        "resources": resources,
    }


def _csv_resource(release_dir: Path, table: TableDoc) -> dict:
    return {
        "name": table.name,
        "type": "table",
        "path": table.csv_path,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "description": _table_description(table),
        **_integrity(release_dir / table.csv_path),
        "dialect": dict(CSV_DIALECT),
        "schema": _schema(table.columns, table.primary_key),
    }


def _schema(columns: Sequence[ColumnDoc], primary_key: Sequence[str]) -> dict:
    schema: dict = {"fields": [_field(column) for column in columns]}
    if primary_key:
        schema["primaryKey"] = list(primary_key)
    schema["missingValues"] = [""]
    return schema


def _field(column: ColumnDoc) -> dict:
    field: dict = {"name": column.name, "type": column.type}
    if pa.types.is_timestamp(column.arrow_type) and column.arrow_type.tz is None:
        field["format"] = CSV_DATETIME_FORMAT
    if column.description:
        field["description"] = column.description
    if column.unit:
        field["unit"] = column.unit
    constraints: dict = {}
    if column.not_null:
        constraints["required"] = True
    if column.allowed_values is not None and column.allowed_values_enforced and column.type == "string":
        # Cells of a CSV copy are escaped for spreadsheets, so the enum is too.
        constraints["enum"] = [escape_text(value) for value in column.allowed_values]
    if constraints:
        field["constraints"] = constraints
    return field


def _table_description(table: TableDoc) -> str:
    parts = [table.description] if table.description else []
    if table.grain:
        parts.append(f"Grain: {table.grain}")
    return " ".join(" ".join(part.split()) for part in parts)


def _integrity(path: Path) -> dict:
    return {"bytes": path.stat().st_size, "hash": f"sha256:{sha256_file(path)}"}
