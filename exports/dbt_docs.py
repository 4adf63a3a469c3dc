"""The published models' documentation, read from dbt's manifest.json.

Everything a reader of the release is told about a table comes from the dbt project, so
the dictionary cannot drift from the code:

- the model's `description` (doc blocks already rendered by dbt), and its grain: the
  model's `meta.grain`, else what follows `Grain:` in its description, to the end of that
  paragraph (taken out of the description, so it is not said twice);
- each column's `description`, its unit (`meta.unit`, under the column's `meta` or
  `config.meta`), and whether it is `not_null` (a contract constraint or a not_null rule on
  every row);
- allowed values, from the column's `accepted_values` rules on every row. Rules are read
  from the data tests (exports/data_test_rules.py): the entries of a model's `rules` test,
  and any generic test of its own. The manifest keeps their values unrendered
  (`{{ var('method_version') }}`), so they are rendered here with the project's vars:
  dbt_project.yml, overridden by any `--vars` recorded in run_results.json.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from pathlib import Path

import yaml
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from exports.data_test_rules import Rule, manifest_rules, rules_by_column
from exports.published_models import PARTITION_COLUMN, ManifestError, PublishedModel
from exports.table_docs import ColumnDoc, TableDoc
from exports.table_files import CSV_FOLDER, PARTITION_FILE_NAME

logger = logging.getLogger(__name__)

_GRAIN = re.compile(r"(?:^|\s)Grain:\s*(?P<grain>.+?)\s*(?:\n\s*\n|\Z)", re.DOTALL)
_UNSET = object()


def load_manifest(manifest_path: Path) -> dict:
    return json.loads(manifest_path.read_text(encoding="utf-8"))


# --- vars -------------------------------------------------------------------------------


def dbt_vars(run_results: Mapping, default_project_dir: Path, project_name: str | None) -> dict:
    """The vars the build ran with: dbt_project.yml's, overridden by `--vars`.

    run_results.json records the build's `args`: its `project_dir` (where dbt_project.yml
    is) and `vars` (from the command line). Without them, `default_project_dir` is used.
    """
    args = run_results.get("args") or {}
    project_dir = Path(args["project_dir"]) if args.get("project_dir") else default_project_dir
    project_file = project_dir / "dbt_project.yml"
    try:
        project = yaml.safe_load(project_file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        logger.warning("Cannot read the vars of %s: %s", project_file, error)
        project = {}
    declared = project.get("vars") or {}
    # Vars may be global or scoped to a package (`vars: {<project>: {...}}`).
    merged = {key: value for key, value in declared.items() if key != project_name}
    scoped = declared.get(project_name) if project_name else None
    if isinstance(scoped, Mapping):
        merged.update(scoped)

    command_line = args.get("vars") or {}
    if isinstance(command_line, str):  # `--vars '{...}'` may be recorded as YAML text
        command_line = yaml.safe_load(command_line) or {}
    merged.update(command_line)
    return merged


def _renderer(variables: Mapping):
    environment = SandboxedEnvironment(undefined=StrictUndefined)

    def var(name: str, default: object = _UNSET) -> object:
        if name in variables:
            return variables[name]
        if default is _UNSET:
            raise ManifestError(f"var {name!r} is not defined in dbt_project.yml or --vars")
        return default

    environment.globals["var"] = var

    def render(value: object, where: str) -> str:
        text = str(value)
        if "{{" not in text and "{%" not in text:
            return text
        try:
            return environment.from_string(text).render()
        except (TemplateError, ManifestError) as error:
            raise ManifestError(f"{where}: cannot render {text!r}: {error}") from error

    return render


# --- tables -----------------------------------------------------------------------------


def published_table_docs(
    manifest: Mapping, models: list[PublishedModel], variables: Mapping
) -> list[TableDoc]:
    """One TableDoc per published model, in the order of `models`."""
    render = _renderer(variables)
    # Only generic tests of dbt's own meaning, not e.g. dbt_utils.* ones.
    rules = [rule for rule in manifest_rules(manifest) if "." not in rule.test_type]
    return [
        _table_doc(manifest["nodes"][model.unique_id], model, rules_by_column(rules, model.unique_id), render)
        for model in models
    ]


def _table_doc(node: Mapping, model: PublishedModel, rules: Mapping[str, list[Rule]], render) -> TableDoc:
    meta = _meta(node)
    description, grain = split_grain(node.get("description") or "")
    if isinstance(meta.get("grain"), str) and meta["grain"].strip():
        grain = _one_line(meta["grain"])

    declared = node.get("columns", {})
    columns = []
    for column in model.columns:
        entry = declared.get(column.name, {})
        column_meta = _meta(entry)
        column_rules = rules.get(column.name, [])
        allowed, enforced = _allowed_values(column_rules, model.unique_id, column.name, render)
        not_null = any(
            constraint.get("type") == "not_null" for constraint in entry.get("constraints") or []
        ) or any(rule.test_type == "not_null" and not rule.where for rule in column_rules)
        unit = column_meta.get("unit")
        columns.append(
            ColumnDoc(
                name=column.name,
                arrow_type=column.arrow_type,
                description=_one_line(entry.get("description") or ""),
                unit=str(unit) if unit not in (None, "") else None,
                allowed_values=allowed,
                allowed_values_enforced=enforced,
                not_null=not_null,
            )
        )

    name = model.published_name
    if model.partitioned:
        layout = f"{name}/{PARTITION_COLUMN}=<Y>/{PARTITION_FILE_NAME}"
    else:
        layout = f"{name}/{name}.parquet"
    return TableDoc(
        name=name,
        description=description,
        grain=grain,
        primary_key=model.primary_key,
        columns=tuple(columns),
        csv_path=f"{CSV_FOLDER}/{name}.csv",
        parquet_layout=layout,
        partition_column=PARTITION_COLUMN if model.partitioned else None,
        origin=model.unique_id,
    )


def split_grain(description: str) -> tuple[str, str | None]:
    """The description without its `Grain: ...` part (to the paragraph's end), and that grain."""
    match = _GRAIN.search(description)
    if not match:
        return _paragraphs(description), None
    rest = description[: match.start()] + "\n\n" + description[match.end() :]
    return _paragraphs(rest), _one_line(match.group("grain")).rstrip(".") + "."


def _allowed_values(
    rules: list[Rule], model_id: str, column: str, render
) -> tuple[tuple[str, ...] | None, bool]:
    """The column's allowed values (None without an accepted_values rule), and whether enforced.

    Rules scoped by `where` say nothing about every row, so they are left out. With several
    rules on every row, a value must pass them all.
    """
    value_lists, enforced = [], False
    for rule in rules:
        if rule.test_type != "accepted_values" or rule.where:
            continue
        values = rule.arguments.get("values")
        if not isinstance(values, list):
            raise ManifestError(f"{rule.test_id}: accepted_values rule {rule.name} without a list of values")
        where = f"{model_id} column {column!r} accepted_values"
        value_lists.append([render(value, where) for value in values])
        enforced = enforced or rule.severity == "error"
    if not value_lists:
        return None, False
    allowed = [value for value in value_lists[0] if all(value in other for other in value_lists[1:])]
    return tuple(dict.fromkeys(allowed)), enforced


# --- sources ----------------------------------------------------------------------------


def upstream_sources(manifest: Mapping, models: list[PublishedModel]) -> list[dict]:
    """The dbt source groups the published models are built from, as Data Package sources."""
    parents = manifest.get("parent_map") or {
        unique_id: (node.get("depends_on") or {}).get("nodes", [])
        for unique_id, node in {**manifest.get("nodes", {}), **manifest.get("sources", {})}.items()
    }
    seen, pending, sources = set(), [model.unique_id for model in models], set()
    while pending:
        unique_id = pending.pop()
        if unique_id in seen:
            continue
        seen.add(unique_id)
        if unique_id.startswith("source."):
            sources.add(unique_id)
        pending.extend(parents.get(unique_id, []))

    groups: dict[str, dict] = {}
    for unique_id in sorted(sources):
        source = manifest.get("sources", {}).get(unique_id)
        if source is None:
            continue
        group = groups.setdefault(
            source["source_name"],
            {
                "title": source["source_name"],
                "description": _paragraphs(source.get("source_description") or ""),
                "tables": [],
            },
        )
        group["tables"].append(source["name"])
    return [
        {key: value for key, value in group.items() if value}
        for _, group in sorted(groups.items())
    ]


# --- helpers ----------------------------------------------------------------------------


def _meta(entry: Mapping) -> dict:
    # dbt ≥ 1.10 keeps meta under config; the top-level meta mirrors it. Read both.
    return {**(entry.get("meta") or {}), **((entry.get("config") or {}).get("meta") or {})}


def _unquote(column: str) -> str:
    column = column.strip()
    if len(column) >= 2 and column[0] == column[-1] and column[0] in "\"`":
        return column[1:-1].replace(column[0] * 2, column[0])
    return column


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _paragraphs(text: str) -> str:
    """Whitespace tidied: lines of a paragraph joined, paragraphs kept apart by a blank line."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(_one_line(paragraph) for paragraph in paragraphs if paragraph.strip())
