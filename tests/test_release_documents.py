"""What a release says about itself: data dictionary, datapackage.json, spreadsheet-safe CSV
copies, test summary and manifest, on a real (tiny) DuckDB warehouse and a dbt-1.11-shaped
manifest, read back with DuckDB, pyarrow, polars and frictionless.

The manifest carries what dbt 1.11 writes for documentation: model and column
descriptions, `meta` mirrored under `config.meta`, and data tests as the project writes them:
a `rules` test per model (dbt_project/tests/generic/rules.sql) whose rules are in
`test_metadata.kwargs`, left unrendered where the yml used `{{ var(...) }}`, and a generic test
of its own with `attached_node` and `column_name`. The warehouse holds the failing rows a
warning `rules` test stored, each with its rule's name.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import duckdb
import frictionless
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from exports.checksums import release_files
from exports.published_models import ManifestError
from exports.release import publish_release
from exports.revisions import figure_revisions
from exports.spreadsheet_safety import escape_string_columns, escape_text
from ingest.config import Paths

YEAR = 2024
METHOD_VERSION = "2.1"
PROJECT = "nhs_equity"

FIGURES_KEY = ["metric_id", "reporting_year", "org_code", "group"]
FIGURES_COLUMNS = {  # declared order: name → (data_type, description, meta)
    "metric_id": ("varchar", "Metric identifier.", {}),
    "reporting_year": ("integer", "Reporting year Y: the year ending 31 March Y.", {}),
    "org_code": ("varchar", "Organisation code.", {}),
    "group": ("varchar", "The group the figure is about;\nnull for comparisons.", {}),
    "value": ("double", "The figure, unrounded | never rounded.", {"unit": "percent"}),
    "gap": ("double", "Difference from the reference group.", {"unit": "percentage points"}),
    "sign": ("varchar", "Direction of the gap.", {}),
    "numerator": ("bigint", "Count behind the value.", {"unit": "people"}),
    "significant": ("boolean", "True when the CI excludes the reference.", {}),
    "as_at": ("date", "Date the counts refer to.", {}),
    "note": ("varchar", "Caveats, as supplied.", {}),
    "method_version": ("varchar", "Version of the method (var method_version).", {}),
}
FORMULA_NOTE = '=HYPERLINK("http://example.invalid","click")'
FIGURES_ROWS = [  # metric_id, year, org, group, value, gap, sign, numerator, significant, as_at, note, method
    ("m1_pct", 2024, "RA1", "BME", 40.0, -3.5, "-", 40, None, date(2024, 3, 31), FORMULA_NOTE, METHOD_VERSION),
    ("m1_pct", 2024, "RA1", "White", 43.5, 0.0, "0", 60, None, date(2024, 3, 31), None, METHOD_VERSION),
    ("m1_pct", 2023, "RA1", "BME", 38.0, -0.25, "-", 38, True, date(2023, 3, 31), "+44 helpline", METHOD_VERSION),
    ("m2_rl", 2023, "RB2", None, 1.3, 0.3, "+", 12, False, date(2023, 3, 31), "@risk", METHOD_VERSION),
    ("m2_rl", 2024, "RB2", None, None, None, None, None, None, date(2024, 3, 31), "-suppressed", METHOD_VERSION),
]
ORGS_COLUMNS = {
    "org_code": ("varchar", "ODS code.", {}),
    "org_name": ("varchar", "Organisation name, as the trust supplied it.", {}),
    "open_date": ("date", "Date the organisation opened.", {}),
}
NOT_NULL_CONSTRAINED = {"metric_id", "reporting_year", "org_code"}
DDE_NAME = "=cmd|' /C calc'!A0"
ORGS_ROWS = [("RA1", DDE_NAME, date(2019, 4, 1)), ("RB2", "Trust B", None)]


# --- building a run ---------------------------------------------------------------------


def model_node(model: str, published_name: str, primary_key: list[str], columns: dict, description: str,
               sources: list[str]) -> dict:
    meta = {"published_name": published_name, "primary_key": primary_key}
    return {
        "resource_type": "model",
        "name": model,
        "package_name": PROJECT,
        "unique_id": f"model.{PROJECT}.{model}",
        "access": "public",
        "database": "warehouse",
        "schema": "marts",
        "alias": model,
        "relation_name": f'"warehouse"."marts"."{model}"',
        "description": description,
        "meta": meta,
        "config": {"materialized": "table", "meta": meta, "contract": {"enforced": True}},
        "depends_on": {"macros": [], "nodes": sources},
        "columns": {
            name: {
                "name": name,
                "description": text,
                "meta": column_meta,
                "config": {"meta": column_meta, "tags": []},
                "data_type": data_type,
                "constraints": [{"type": "not_null"}] if name in NOT_NULL_CONSTRAINED else [],
                "quote": True if name == "group" else None,
            }
            for name, (data_type, text, column_meta) in columns.items()
        },
    }


def dbt_test_node(name: str, model: str, column: str | None, test_name: str, kwargs: dict, *,
                  where: str | None = None, severity: str = "ERROR") -> dict:
    return {
        "resource_type": "test",
        "name": name,
        "unique_id": f"test.{PROJECT}.{name}.0123456789",
        "attached_node": f"model.{PROJECT}.{model}",
        "column_name": column,
        "original_file_path": "models/marts/_marts__models.yml",
        "database": "warehouse",
        "schema": "main_dbt_test__audit",
        "alias": name,
        "config": {"severity": severity, "where": where, "store_failures": test_name == "rules" or None},
        "test_metadata": {
            "name": test_name,
            "namespace": None,
            "kwargs": {
                **({"column_name": column} if column else {}),
                **kwargs,
                "model": f"{{{{ get_where_subquery(ref('{model}')) }}}}",
            },
        },
    }


ORGS_WARNING_RULES = "dim_orgs_warn_rules"
ORG_CODE_RULE = "accepted_values_dim_orgs_org_code__RA1__RB2__RC3"  # the name dbt would give it


def source_node(source_name: str, name: str, source_description: str) -> dict:
    return {
        "resource_type": "source",
        "unique_id": f"source.{PROJECT}.{source_name}.{name}",
        "source_name": source_name,
        "name": name,
        "source_description": source_description,
        "description": "",
    }


def dbt_manifest() -> dict:
    sources = [
        source_node("wres", "wres_workforce", "Workforce Race Equality Standard returns."),
        source_node("reference", "ref_etr", "Reference files supplied once per run."),
        source_node("unused", "other", "Not upstream of any published model."),
    ]
    nodes = [
        model_node(
            "fct_figures", "figures", FIGURES_KEY, FIGURES_COLUMNS,
            "Published figures, long and tidy.\nValues are unrounded. Grain: one row per metric,\n"
            "reporting year, organisation and group.",
            [f"source.{PROJECT}.wres.wres_workforce"],
        ),
        model_node(
            "dim_orgs", "orgs", ["org_code"], ORGS_COLUMNS,
            "The published lookup of organisations.\n\nGrain: one row per organisation code.",
            [f"source.{PROJECT}.reference.ref_etr"],
        ),
        dbt_test_node("fct_figures_rules", "fct_figures", None, "rules", {"rules": [
            {"unique_combination_of_columns": {"combination_of_columns": FIGURES_KEY}},
            {"accepted_values": {"column": "group", "values": ["BME", "White", "Unknown"]}},
            {"accepted_values": {"name": "figures_method_version_is_current", "column": "method_version",
                                 "values": ["{{ var('method_version') }}"]}},
            {"accepted_values": {"column": "sign", "values": ["+", "-", "0"]}},
            # Scoped to some rows: says nothing about every row, so it is not in the dictionary.
            {"accepted_values": {"column": "metric_id", "values": ["m1_pct"], "where": "value is not null"}},
            {"not_null": {"column": "as_at"}},
            {"expression_is_true": {"name": "figures_gap_has_a_sign", "expression": "(gap is null) = (sign is null)"}},
        ]}),
        # Severity warn: documented, but not an enum datapackage.json asks validators to enforce.
        dbt_test_node(ORGS_WARNING_RULES, "dim_orgs", None, "rules", {"rules": [
            {"accepted_values": {"column": "org_code", "values": ["RA1", "RB2", "RC3"]}},
            {"expression_is_true": {"name": "orgs_open_date_known", "expression": "open_date is not null"}},
            {"expression_is_true": {"name": "orgs_names_are_not_formulas", "expression": "org_name not like '=%'"}},
        ]}, severity="warn"),
        # A generic test of its own is a rule too.
        dbt_test_node("unique_org", "dim_orgs", "org_code", "unique", {}),
    ]
    return {
        "metadata": {
            "dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json",
            "dbt_version": "1.11.16",
            "project_name": PROJECT,
        },
        "nodes": {node["unique_id"]: node for node in nodes},
        "sources": {source["unique_id"]: source for source in sources},
    }


def run_results(project_dir: Path) -> dict:
    def result(unique_id: str, status: str, failures: int | None = None, message: str | None = None) -> dict:
        return {"unique_id": unique_id, "status": status, "failures": failures, "message": message,
                "execution_time": 0.1, "timing": []}

    return {
        "metadata": {"dbt_version": "1.11.16", "invocation_id": "inv-1", "generated_at": "2024-06-01T00:00:00Z"},
        "elapsed_time": 12.3456,
        "args": {"which": "build", "project_dir": str(project_dir), "vars": {}},
        "results": [
            result(f"model.{PROJECT}.fct_figures", "success"),
            result(f"model.{PROJECT}.dim_orgs", "success"),
            result(f"seed.{PROJECT}.metric_definitions", "success"),
            result(f"test.{PROJECT}.fct_figures_rules.0123456789", "pass", 0),
            {**result(f"test.{PROJECT}.{ORGS_WARNING_RULES}.0123456789", "warn", 3,
                      "Got 3 results, configured to warn if != 0"),
             "relation_name": f'"warehouse"."main_dbt_test__audit"."{ORGS_WARNING_RULES}"'},
            result(f"test.{PROJECT}.unique_org.0123456789", "skipped"),
            result(f"unit_test.{PROJECT}.fct_figures.test_gap", "pass", 0),
            result(f"unit_test.{PROJECT}.fct_figures.test_sign", "fail", 2, "actual differs from expected"),
            result(f"exposure.{PROJECT}.open_data", "no-op"),
        ],
    }


def build_run(root: Path, method_version: str = METHOD_VERSION) -> Paths:
    """A finished run: warehouse, dbt target (manifest, run_results), quality folder, file outcomes."""
    paths = Paths(landing=root / "landing", output=root / "output")
    paths.work.mkdir(parents=True)

    with duckdb.connect(str(paths.warehouse)) as connection:
        connection.execute("CREATE SCHEMA marts")
        # Stored in another order than declared, as in test_publish.py.
        definitions = ", ".join(
            f'"{name}" {spec[0].upper()}' for name, spec in reversed(FIGURES_COLUMNS.items())
        )
        connection.execute(f"CREATE TABLE marts.fct_figures ({definitions})")
        names = ", ".join(f'"{name}"' for name in FIGURES_COLUMNS)
        connection.executemany(
            f"INSERT INTO marts.fct_figures ({names}) VALUES ({', '.join('?' * len(FIGURES_COLUMNS))})",
            [(*row[:-1], method_version) for row in FIGURES_ROWS],
        )
        connection.execute("CREATE TABLE marts.dim_orgs (org_code VARCHAR, org_name VARCHAR, open_date DATE)")
        connection.executemany("INSERT INTO marts.dim_orgs VALUES (?, ?, ?)", ORGS_ROWS)
        # The warning rules test's failing rows, as dbt stores them (store_failures).
        connection.execute("CREATE SCHEMA main_dbt_test__audit")
        connection.execute(f"CREATE TABLE main_dbt_test__audit.{ORGS_WARNING_RULES} (rule_name VARCHAR, failing_row VARCHAR)")
        connection.executemany(f"INSERT INTO main_dbt_test__audit.{ORGS_WARNING_RULES} VALUES (?, ?)", [
            ("orgs_open_date_known", '{"org_code": "RB2", "org_name": "Trust B", "open_date": null}'),
            ("orgs_names_are_not_formulas", '{"org_code": "RA1"}'),
            ("orgs_names_are_not_formulas", '{"org_code": "RA1"}'),
        ])

    project_dir = root / "dbt_project"
    project_dir.mkdir()
    (project_dir / "dbt_project.yml").write_text(
        f'name: {PROJECT}\nvars:\n  ci_z: 1.96\n  method_version: "{method_version}"\n', encoding="utf-8"
    )
    paths.dbt_target.mkdir(parents=True)
    (paths.dbt_target / "manifest.json").write_text(json.dumps(dbt_manifest()), encoding="utf-8")
    (paths.dbt_target / "run_results.json").write_text(json.dumps(run_results(project_dir)), encoding="utf-8")

    pq.write_table(
        pa.table({"source_file": ["wres/2024/RA1_wres.xlsx"], "sha256": ["c" * 64],
                  "size_bytes": pa.array([4096], pa.int64()), "outcome": ["loaded"]}),
        paths.file_outcomes,
    )
    (paths.quality / "data_docs" / "static").mkdir(parents=True)
    (paths.quality / "quarantine_report.md").write_text("# Quarantine\n", encoding="utf-8")
    (paths.quality / "data_docs" / "index.html").write_text("<h1>Data Docs</h1>\n", encoding="utf-8")
    (paths.quality / "data_docs" / "static" / "style.css").write_text("h1 {}\n", encoding="utf-8")
    return paths


@pytest.fixture
def run(tmp_path: Path) -> Paths:
    return build_run(tmp_path)


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def dictionary_rows(release: Path) -> list[dict]:
    with (release / "data_dictionary.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def dictionary_types(release: Path, table: str) -> dict[str, str]:
    return {row["column"]: row["type"] for row in dictionary_rows(release) if row["table"] == table}


# --- the data dictionary ----------------------------------------------------------------


def test_release_has_the_new_documents(run: Paths) -> None:
    release = publish_release(run, YEAR, "run-1")
    names = {path.as_posix() for path in release_files(release)}
    assert {
        "data_dictionary.md", "data_dictionary.csv", "datapackage.json", "revisions.csv",
        "quality/test_summary.json", "quality/dbt_run_results.json",
    } <= names


def test_data_dictionary_csv_comes_from_the_manifest(run: Paths) -> None:
    release = publish_release(run, YEAR, "run-1")
    rows = dictionary_rows(release)

    header = next(csv.reader(io.StringIO((release / "data_dictionary.csv").read_text(encoding="utf-8"))))
    assert header == ["table", "column", "type", "parquet_type", "primary_key", "not_null", "unit",
                      "allowed_values", "description"]
    # Every published column in declared order, then the publisher's revisions log.
    assert [(row["table"], row["column"]) for row in rows] == [
        *[("figures", name) for name in FIGURES_COLUMNS],
        *[("orgs", name) for name in ORGS_COLUMNS],
        *[("revisions", name) for name in
          ["release_id", "reporting_year", "created_at", "method_version", "git_commit", "note"]],
        *[("figure_revisions", name) for name in
          ["metric_id", "reporting_year", "geography_level", "geography_code", "breakdown", "group",
           "comparison", "old_value", "new_value", "change_type", "previous_release_id"]],
    ]
    figures = {row["column"]: row for row in rows if row["table"] == "figures"}
    assert {name: row["type"] for name, row in figures.items()} == {
        "metric_id": "string", "reporting_year": "integer", "org_code": "string", "group": "string",
        "value": "number", "gap": "number", "sign": "string", "numerator": "integer",
        "significant": "boolean", "as_at": "date", "note": "string", "method_version": "string",
    }
    assert figures["numerator"]["parquet_type"] == "int64"
    assert figures["as_at"]["parquet_type"] == "date32[day]"
    assert [name for name, row in figures.items() if row["primary_key"] == "true"] == FIGURES_KEY
    # not_null from contract constraints and from not_null tests on every row.
    assert [name for name, row in figures.items() if row["not_null"] == "true"] == [
        "metric_id", "reporting_year", "org_code", "as_at"
    ]
    assert figures["value"]["unit"] == "percent"
    assert figures["gap"]["unit"] == "percentage points"
    assert figures["metric_id"]["unit"] == ""
    # accepted_values: on the quoted column, with a var rendered, escaped for spreadsheets
    # in this CSV like any text, and never from a test scoped by `where`.
    assert figures["group"]["allowed_values"] == "BME;White;Unknown"
    assert figures["method_version"]["allowed_values"] == METHOD_VERSION
    assert figures["sign"]["allowed_values"] == "'+;-;0"
    assert figures["metric_id"]["allowed_values"] == ""
    orgs = {row["column"]: row for row in rows if row["table"] == "orgs"}
    assert orgs["org_code"]["allowed_values"] == "RA1;RB2;RC3"  # warn severity: still documented
    # Descriptions on one line; the revisions log is parquet too, figure revisions CSV only.
    assert figures["group"]["description"] == "The group the figure is about; null for comparisons."
    assert {row["column"]: row["parquet_type"] for row in rows if row["table"] == "revisions"}["created_at"] == (
        "timestamp[s, tz=UTC]"
    )
    assert {row["parquet_type"] for row in rows if row["table"] == "figure_revisions"} == {""}


def test_data_dictionary_markdown_has_description_grain_and_columns(run: Paths) -> None:
    release = publish_release(run, YEAR, "run-1")
    text = (release / "data_dictionary.md").read_text(encoding="utf-8")

    assert text.startswith("# Data dictionary\n")
    section = text.split("\n## figures\n", 1)[1].split("\n## ", 1)[0]
    assert "Published figures, long and tidy. Values are unrounded." in section
    assert "Grain:" not in section.split("\n- ", 1)[0]  # the grain is not repeated in the text
    assert "- Grain: one row per metric, reporting year, organisation and group." in section
    assert "- Primary key: `metric_id`, `reporting_year`, `org_code`, `group`" in section
    assert "- Parquet: `figures/reporting_year=<Y>/part-0.parquet`" in section
    assert "- CSV: `csv/figures.csv`" in section
    assert "| `value` | number |  |  | percent |  | The figure, unrounded \\| never rounded. |" in section
    assert "| `group` | string | yes |  |  | `BME`, `White`, `Unknown` |" in section
    assert f"| `method_version` | string |  |  |  | `{METHOD_VERSION}` |" in section
    assert "\n## orgs\n" in text and "- Parquet: `orgs/orgs.parquet`" in text
    assert "\n## revisions\n" in text
    assert "{{" not in text


def test_unrenderable_allowed_values_stop_the_release_before_anything_is_written(run: Paths) -> None:
    manifest = read_json(run.dbt_target / "manifest.json")
    test = manifest["nodes"][f"test.{PROJECT}.fct_figures_rules.0123456789"]
    test["test_metadata"]["kwargs"]["rules"][2]["accepted_values"]["values"] = ["{{ var('no_such_var') }}"]
    (run.dbt_target / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    with pytest.raises(ManifestError, match="no_such_var"):
        publish_release(run, YEAR, "run-1")
    assert not run.releases.exists() or not any(run.releases.iterdir())
    assert not run.latest_pointer.exists()


# --- the parquet files, as readers see them ---------------------------------------------


def test_parquet_read_back_with_duckdb_pyarrow_and_polars_matches_the_dictionary(run: Paths) -> None:
    release = publish_release(run, YEAR, "run-1")
    expected = dictionary_types(release, "figures")
    table_dir = release / "figures"

    duckdb_types = {"VARCHAR": "string", "BIGINT": "integer", "DOUBLE": "number", "BOOLEAN": "boolean",
                    "DATE": "date"}
    with duckdb.connect() as connection:
        described = connection.execute(
            "DESCRIBE SELECT * FROM read_parquet(?, hive_partitioning = true)", [f"{table_dir}/*/*.parquet"]
        ).fetchall()
        rows = connection.execute(
            "SELECT count(*), min(gap) FROM read_parquet(?, hive_partitioning = true)",
            [f"{table_dir}/*/*.parquet"],
        ).fetchone()
    assert {name: duckdb_types[column_type] for name, column_type, *_ in described} == expected
    assert rows == (len(FIGURES_ROWS), -3.5)

    def arrow_type(data_type: pa.DataType) -> str:
        for test, name in [(pa.types.is_integer, "integer"), (pa.types.is_floating, "number"),
                           (pa.types.is_string, "string"), (pa.types.is_boolean, "boolean"),
                           (pa.types.is_date, "date")]:
            if test(data_type):
                return name
        raise AssertionError(data_type)

    dataset = ds.dataset(table_dir, format="parquet", partitioning="hive")
    assert {field.name: arrow_type(field.type) for field in dataset.schema} == expected
    assert dataset.count_rows() == len(FIGURES_ROWS)

    polars_types = {pl.String: "string", pl.Int64: "integer", pl.Float64: "number", pl.Boolean: "boolean",
                    pl.Date: "date"}
    frame = pl.scan_parquet(f"{table_dir}/**/*.parquet", hive_partitioning=True)
    schema = frame.collect_schema()
    assert {name: polars_types[data_type] for name, data_type in schema.items()} == expected
    years = frame.select("reporting_year").collect().to_series().to_list()
    assert sorted(years) == [2023, 2023, 2024, 2024, 2024]

    orgs = pq.read_table(release / "orgs" / "orgs.parquet")
    assert {field.name: arrow_type(field.type) for field in orgs.schema} == dictionary_types(release, "orgs")


# --- datapackage.json -------------------------------------------------------------------


def test_datapackage_validates_with_frictionless_against_the_csv_copies(run: Paths) -> None:
    release = publish_release(run, YEAR, "run-1")

    report = frictionless.validate(release / "datapackage.json")
    assert report.valid, report.flatten(["taskNumber", "rowNumber", "fieldName", "type", "note"])
    # frictionless gives no row count for a CSV of the header alone (figure_revisions.csv).
    assert {task.name: task.stats.get("rows", 0) for task in report.tasks} == {
        "figures": len(FIGURES_ROWS), "orgs": len(ORGS_ROWS), "revisions": 1, "figure_revisions": 0,
        "data_dictionary": len(FIGURES_COLUMNS) + len(ORGS_COLUMNS) + 6 + 11,
    }


def test_datapackage_describes_every_csv_as_its_header_and_the_dictionary_say(run: Paths) -> None:
    release = publish_release(run, YEAR, "run-1")
    package = read_json(release / "datapackage.json")
    manifest = read_json(release / "manifest.json")

    assert package["name"] == "nhs-equity-monitoring"
    assert package["title"]
    assert package["version"] == release.name == manifest["release_id"]
    assert package["created"] == manifest["created_at"]
    assert [license["name"] for license in package["licenses"]] == ["OGL-UK-3.0"]
    assert [source["title"] for source in package["sources"]] == ["reference", "wres"]  # upstream only

    csv_files = {path.as_posix() for path in release_files(release)
                 if path.suffix == ".csv" and path.parts[0] != "quality"}
    resources = {resource["path"]: resource for resource in package["resources"]}
    assert set(resources) == csv_files
    assert not any(resource["path"].endswith(".parquet") for resource in package["resources"])

    dictionary = dictionary_rows(release)
    for path, resource in resources.items():
        assert resource["format"] == "csv" and resource["encoding"] == "utf-8"
        assert resource["hash"] == "sha256:" + hashlib.sha256((release / path).read_bytes()).hexdigest()
        assert resource["bytes"] == (release / path).stat().st_size
        header = (release / path).read_text(encoding="utf-8").split("\n", 1)[0].split(",")
        fields = resource["schema"]["fields"]
        assert [field["name"] for field in fields] == header, path
        if resource["name"] != "data_dictionary":
            documented = [
                (row["column"], row["type"]) for row in dictionary if row["table"] == resource["name"]
            ]
            assert [(field["name"], field["type"]) for field in fields] == documented, path

    figures = {field["name"]: field for field in resources["csv/figures.csv"]["schema"]["fields"]}
    assert resources["csv/figures.csv"]["schema"]["primaryKey"] == FIGURES_KEY
    assert resources["csv/orgs.csv"]["schema"]["primaryKey"] == ["org_code"]
    assert figures["value"]["unit"] == "percent"
    assert figures["value"]["description"] == "The figure, unrounded | never rounded."
    assert figures["group"]["constraints"] == {"enum": ["BME", "White", "Unknown"]}
    assert figures["sign"]["constraints"] == {"enum": ["'+", "'-", "0"]}  # as the CSV cells are written
    assert figures["method_version"]["constraints"] == {"enum": [METHOD_VERSION]}
    assert figures["metric_id"]["constraints"] == {"required": True}
    orgs = {field["name"]: field for field in resources["csv/orgs.csv"]["schema"]["fields"]}
    assert orgs["org_code"]["constraints"] == {"required": True}  # a warn-only test is not an enum


def test_frictionless_catches_a_changed_csv(run: Paths) -> None:
    release = publish_release(run, YEAR, "run-1")
    path = release / "csv" / "orgs.csv"
    path.write_text(path.read_text(encoding="utf-8").replace('"Trust B"', '"Trust X"'), encoding="utf-8")

    report = frictionless.validate(release / "datapackage.json")
    assert not report.valid
    assert {error_type for _, error_type in report.flatten(["taskNumber", "type"])} == {"hash-count"}


def test_data_dictionary_and_datapackage_are_the_same_bytes_when_published_twice(run: Paths) -> None:
    first = publish_release(run, YEAR, "run-1")
    second = publish_release(run, YEAR, "run-2")

    for name in ["data_dictionary.md", "data_dictionary.csv"]:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name

    def without_release_fields(release: Path) -> dict:
        package = read_json(release / "datapackage.json")
        assert package.pop("version") == release.name
        package.pop("created")
        for resource in package["resources"]:
            if resource["name"] == "revisions":  # the log gains a row with every release
                resource.pop("bytes")
                resource.pop("hash")
        return package

    assert without_release_fields(first) == without_release_fields(second)
    first_text = (first / "datapackage.json").read_text(encoding="utf-8")
    second_text = (second / "datapackage.json").read_text(encoding="utf-8")
    changed = [(a, b) for a, b in zip(first_text.splitlines(), second_text.splitlines(), strict=True) if a != b]
    changed_keys = [a.split(":")[0].strip() for a, _ in changed]
    # `created` is the same when both fall in one second (the second id then ends in -2).
    assert changed_keys in (['"version"', '"created"', '"bytes"', '"hash"'], ['"version"', '"bytes"', '"hash"'])

    # Every other file but the release's own records is the same bytes too.
    release_specific = {"manifest.json", "SHA256SUMS", "datapackage.json", "revisions.csv", "revisions/revisions.parquet",
                        "release.duckdb", "sign_off.json"}  # release.duckdb holds the revisions log too
    for relative in release_files(first):
        if relative.as_posix() not in release_specific:
            assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative


# --- spreadsheet safety -----------------------------------------------------------------


def test_formula_like_text_is_escaped_in_csv_only_and_numbers_stay_numbers(run: Paths) -> None:
    release = publish_release(run, YEAR, "run-1")

    records = list(csv.reader(io.StringIO((release / "csv" / "figures.csv").read_text(encoding="utf-8"))))
    header, body = records[0], records[1:]
    by_note = {record[header.index("note")]: record for record in body}
    escaped_note = "'" + FORMULA_NOTE
    assert set(by_note) == {escaped_note, "", "'+44 helpline", "'@risk", "'-suppressed"}
    row = by_note[escaped_note]
    assert row[header.index("gap")] == "-3.5"  # a negative number, not text
    assert row[header.index("sign")] == "'-"  # text that is only a minus sign
    raw = (release / "csv" / "figures.csv").read_text(encoding="utf-8")
    assert ',-3.5,' in raw and ',-0.25,' in raw  # unquoted, so a spreadsheet reads a number
    assert '"\'=HYPERLINK(""http://example.invalid"",""click"")"' in raw

    orgs = (release / "csv" / "orgs.csv").read_text(encoding="utf-8")
    assert '"' + "'" + DDE_NAME + '"' in orgs

    # Parquet keeps the original text.
    with duckdb.connect() as connection:
        notes = {note for (note,) in connection.execute(
            "SELECT note FROM read_parquet(?, hive_partitioning = true)", [f"{release}/figures/*/*.parquet"]
        ).fetchall()}
        gaps = connection.execute(
            "SELECT min(gap) FROM read_parquet(?, hive_partitioning = true)", [f"{release}/figures/*/*.parquet"]
        ).fetchone()[0]
    assert FORMULA_NOTE in notes and "-suppressed" in notes
    assert gaps == -3.5
    assert pq.read_table(release / "orgs" / "orgs.parquet").column("org_name").to_pylist()[0] == DDE_NAME


def test_escaping_touches_only_text_that_starts_like_a_formula() -> None:
    table = pa.table({
        "text": ["=1+2", "+x", "-y", "@z", "\tTab", "\rCR", "a=b", "", None, "'=kept"],
        "number": pa.array([-1.5, -2.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, None, 6.0]),
        "count": pa.array([-1, 2, 3, 4, 5, 6, 7, 8, 9, 10], pa.int64()),
    })
    escaped = escape_string_columns(table)
    assert escaped.column("text").to_pylist() == [
        "'=1+2", "'+x", "'-y", "'@z", "'\tTab", "'\rCR", "a=b", "", None, "'=kept"
    ]
    assert escaped.column("number").equals(table.column("number"))
    assert escaped.column("count").equals(table.column("count"))
    assert escaped.schema == table.schema
    assert [escape_text(value) for value in ["=a", "-", "b"]] == ["'=a", "'-", "b"]


def test_escaping_a_sliced_chunked_column_escapes_each_value_as_escape_text_does() -> None:
    # The first character is read from the array's bytes: slices, chunks, nulls, empty text
    # and multi-byte characters must all give what escape_text gives for each value.
    values = ["=a", None, "", "é=", "-1", "€", "\tx", "b", None, "@", "'+", "+"]
    for text_type in (pa.string(), pa.large_string()):
        column = pa.chunked_array([pa.array(values[:5], text_type), pa.array(values[5:], text_type)])
        table = pa.table({"text": column}).slice(1, 10)
        escaped = escape_string_columns(table).column("text").to_pylist()
        assert escaped == [None if value is None else escape_text(value) for value in values[1:11]]


def test_large_string_columns_are_escaped_too() -> None:
    table = pa.table({"text": pa.array(["=1", "x", None], pa.large_string())})
    escaped = escape_string_columns(table)
    assert escaped.column("text").to_pylist() == ["'=1", "x", None]
    assert escaped.schema == table.schema


# --- integrity, manifest and test summary -----------------------------------------------


def test_sha256sums_cover_the_new_documents_and_verify(run: Paths) -> None:
    release = publish_release(run, YEAR, "run-1")

    listed = {}
    for line in (release / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    assert set(listed) == {path.as_posix() for path in release_files(release)} - {"SHA256SUMS"}
    for name, digest in listed.items():
        assert hashlib.sha256((release / name).read_bytes()).hexdigest() == digest, name
    if shutil.which("sha256sum") is None:
        pytest.skip("sha256sum is not installed")
    result = subprocess.run(["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=release,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_manifest_records_method_version_quality_evidence_and_table_files(run: Paths) -> None:
    release = publish_release(run, YEAR, "run-1")
    manifest = read_json(release / "manifest.json")

    assert manifest["method_version"] == METHOD_VERSION
    assert manifest["quality_evidence"] == [
        "quality/data_docs/index.html",
        "quality/data_test_rules.csv",
        "quality/dbt_run_results.json",
        "quality/quarantine_report.md",
        "quality/test_summary.json",
    ]
    files = {entry["path"]: entry for entry in manifest["files"]}
    for name in ["data_dictionary.md", "data_dictionary.csv", "datapackage.json", "revisions.csv",
                 "quality/test_summary.json", "quality/data_docs/static/style.css"]:
        assert files[name]["sha256"] == hashlib.sha256((release / name).read_bytes()).hexdigest()
    tables = {table["name"]: table for table in manifest["tables"]}
    assert tables["figures"]["files"] == [
        "figures/reporting_year=2023/part-0.parquet",
        "figures/reporting_year=2024/part-0.parquet",
        "csv/figures.csv",
    ]
    assert sum(files[path]["rows"] for path in tables["figures"]["files"][:2]) == len(FIGURES_ROWS)
    # The revisions log is a table of the release too, written by the publisher.
    assert tables["revisions"]["files"] == ["revisions/revisions.parquet", "revisions.csv"]
    assert files["revisions/revisions.parquet"]["rows"] == tables["revisions"]["rows"] == 1


def test_method_version_falls_back_to_the_dbt_var_without_rows(run: Paths) -> None:
    with duckdb.connect(str(run.warehouse)) as connection:
        connection.execute("DELETE FROM marts.fct_figures")
    release = publish_release(run, YEAR, "run-1")
    assert read_json(release / "manifest.json")["method_version"] == METHOD_VERSION


def test_test_summary_counts_dbt_results_by_resource_type(run: Paths) -> None:
    release = publish_release(run, YEAR, "run-1")
    summary = read_json(release / "quality" / "test_summary.json")

    assert summary["dbt_version"] == "1.11.16"
    assert summary["command"] == "build"
    assert summary["elapsed_seconds"] == 12.346
    assert summary["all_passed"] is False

    def counts(total=0, passed=0, failed=0, warned=0, errored=0, skipped=0, other=0) -> dict:
        return dict(total=total, passed=passed, failed=failed, warned=warned, errored=errored,
                    skipped=skipped, other=other)

    assert summary["by_resource_type"] == {
        "exposure": counts(total=1, other=1),
        "model": counts(total=2, passed=2),
        "seed": counts(total=1, passed=1),
        "snapshot": counts(),
        "test": counts(total=3, passed=1, warned=1, skipped=1),
        "unit_test": counts(total=2, passed=1, failed=1),
    }
    assert summary["totals"] == counts(total=9, passed=5, failed=1, warned=1, skipped=1, other=1)
    assert summary["dbt_statuses"]["test"] == {"pass": 1, "skipped": 1, "warn": 1}
    # Every rule, by type: the warning test's rules by their failing rows (one passed).
    assert summary["data_tests"] == {
        "rules_file": "data_test_rules.csv",
        "totals": counts(total=11, passed=8, warned=2, skipped=1),
        "by_test_type": {
            "accepted_values": counts(total=5, passed=5),
            "expression_is_true": counts(total=3, passed=1, warned=2),
            "not_null": counts(total=1, passed=1),
            "unique": counts(total=1, skipped=1),
            "unique_combination_of_columns": counts(total=1, passed=1),
        },
    }
    warning_test = f"test.{PROJECT}.{ORGS_WARNING_RULES}.0123456789"
    assert [(entry["unique_id"], entry["rule"], entry["status"], entry["failures"])
            for entry in summary["not_passed"]] == [
        (warning_test, "orgs_names_are_not_formulas", "warn", 2),
        (warning_test, "orgs_open_date_known", "warn", 1),
        (f"test.{PROJECT}.unique_org.0123456789", "unique_org", "skipped", None),
        (f"unit_test.{PROJECT}.fct_figures.test_sign", None, "fail", 2),
    ]


def test_every_rule_is_listed_with_its_outcome(run: Paths) -> None:
    release = publish_release(run, YEAR, "run-1")
    with (release / "quality" / "data_test_rules.csv").open(encoding="utf-8", newline="") as handle:
        rules = {row["rule"]: row for row in csv.DictReader(handle)}

    assert len(rules) == 11
    assert rules[ORG_CODE_RULE] | {"arguments": None} == {
        "rule": ORG_CODE_RULE, "test_type": "accepted_values", "model": "dim_orgs", "column": "org_code",
        "where": "", "severity": "warn", "status": "pass", "failing_rows": "0", "arguments": None,
        "dbt_test": f"test.{PROJECT}.{ORGS_WARNING_RULES}.0123456789",
        "defined_in": "models/marts/_marts__models.yml",
    }
    assert json.loads(rules[ORG_CODE_RULE]["arguments"]) == {"values": ["RA1", "RB2", "RC3"]}
    assert (rules["orgs_names_are_not_formulas"]["status"], rules["orgs_names_are_not_formulas"]["failing_rows"]) == (
        "warn", "2")
    # Named as dbt names a generic test: the column, then the arguments' values.
    assert rules["accepted_values_fct_figures_sign________0"]["where"] == ""
    assert rules["accepted_values_fct_figures_metric_id__m1_pct"]["where"] == "value is not null"
    assert rules["figures_method_version_is_current"]["arguments"] == (
        '{"values": ["{{ var(\'method_version\') }}"]}')
    assert rules["unique_org"]["status"] == "skipped" and rules["unique_org"]["failing_rows"] == ""


def test_figure_revisions_are_empty_for_a_first_release_and_without_equity_metrics(run: Paths) -> None:
    release = publish_release(run, YEAR, "run-1")
    assert figure_revisions(None, release, []) == []
    assert (release / "figure_revisions.csv").read_text(encoding="utf-8").startswith("metric_id,")
