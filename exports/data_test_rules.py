"""Every data rule the dbt build checks, read from dbt's manifest, and how each one ended.

dbt checks a model's rules in one data test, `rules` (dbt_project/tests/generic/rules.sql;
methodology decision 126), so one dbt node holds many rules. Everything that reports data
tests (the data dictionary, quality/test_summary.json, quality/data_test_rules.csv and the
data-quality report) reads them as rules, here:

- a `rules` test holds one rule per entry of its `rules` argument, `{<test>: {...}}`, with
  the entry's `column`, `where` and `name`, and the test's severity. A rule without a name
  is named as dbt names a generic test of its own (`rule_name`, the same as the dbt macro
  `rule_name`): `<test>_<model>_<arguments>`;
- any other data test is one rule of its own, named as the test; a singular test (a SQL
  file in dbt_project/tests/) has the type `singular`.

A rule's outcome comes from its test's result in run_results.json. Every rule of a test that
passed passed. A test that failed or warned stored its failing rows, each with the name of
the rule it broke (dbt's `store_failures`, in the warehouse): a rule with stored rows failed
(or warned) with that many, the others passed. A rule of a test that errored or was skipped
shares that status. A rule whose test is not in run_results did not run.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from exports.published_models import ManifestError

RULES_TEST = "rules"
SINGULAR = "singular"
# Outcomes whose failing rows a test stores per rule.
FAILED_STATUSES = ("fail", "warn")


@dataclass(frozen=True)
class Rule:
    name: str
    test_type: str  # not_null, accepted_values, expression_is_true, ..., or `singular`
    test_id: str  # unique_id of the dbt test that checks it
    model_id: str | None  # unique_id of the model or seed it checks (none for a singular test)
    model: str | None  # that node's name
    column: str | None  # unquoted
    where: str | None  # checks only the rows where this SQL is true
    severity: str  # `error` or `warn`
    arguments: Mapping = field(default_factory=dict)  # as written in the yml (vars unrendered)
    defined_in: str | None = None  # the file it is written in


@dataclass(frozen=True)
class RuleOutcome:
    rule: Rule
    status: str  # dbt's test statuses: pass, fail, warn, error, skipped; or `not run`
    failing_rows: int | None  # None when not known (the test errored, was skipped or did not run)


def rule_name(test_type: str, model: str, column: str | None, arguments: Mapping) -> str:
    """The full name dbt gives a generic test (dbt-core's synthesize_generic_test_names), as
    the dbt macro `rule_name` does: the column, then each argument's values in the order of
    the arguments' names, every run of characters other than letters, digits and `_` made
    one `_`, joined by `__`."""
    parts = [column] if column else []
    for key in sorted(arguments):
        value = arguments[key]
        if isinstance(value, Mapping):
            parts += [str(item) for item in value.values()]
        elif isinstance(value, list | tuple):
            parts += [str(item) for item in value]
        else:
            parts.append(str(value))
    cleaned = [re.sub("[^0-9a-zA-Z_]+", "_", part) for part in parts]
    return f"{test_type}_{model}_{'__'.join(cleaned)}"


def manifest_rules(manifest: Mapping) -> list[Rule]:
    """Every rule of every data test in the manifest, by test unique_id and then as listed."""
    nodes = manifest.get("nodes") or {}
    rules: list[Rule] = []
    for unique_id in sorted(nodes):
        node = nodes[unique_id]
        if node.get("resource_type") != "test":
            continue
        test_metadata = node.get("test_metadata") or {}
        config = node.get("config") or {}
        severity = str(config.get("severity") or "error").lower()
        model_id = node.get("attached_node")
        model = (nodes.get(model_id) or {}).get("name") if model_id else None
        if model_id and model is None:
            model = model_id.rsplit(".", 1)[-1]
        common = {"test_id": unique_id, "model_id": model_id, "model": model, "severity": severity,
                  "defined_in": node.get("original_file_path")}
        if not test_metadata:
            rules.append(Rule(name=node.get("name") or unique_id, test_type=SINGULAR, column=None,
                              where=config.get("where") or None, **common))
            continue
        kwargs = test_metadata.get("kwargs") or {}
        if test_metadata.get("name") == RULES_TEST and test_metadata.get("namespace") in (None, "dbt"):
            rules += _rules_of(kwargs.get("rules"), unique_id, model, common)
            continue
        namespace = test_metadata.get("namespace")
        arguments = kwargs.get("arguments") if isinstance(kwargs.get("arguments"), Mapping) else {}
        arguments = {key: value for key, value in {**arguments, **kwargs}.items()
                     if key not in ("model", "column_name", "arguments")}
        column = node.get("column_name")
        rules.append(Rule(
            name=node.get("name") or unique_id,
            test_type=f"{namespace}.{test_metadata['name']}" if namespace not in (None, "dbt") else test_metadata["name"],
            column=_unquote(column) if column else None, where=config.get("where") or None,
            arguments=arguments, **common,
        ))
    return rules


def _rules_of(entries: object, test_id: str, model: str | None, common: dict) -> list[Rule]:
    if not isinstance(entries, list) or not entries:
        raise ManifestError(f"{test_id}: a `rules` test needs a list of rules")
    rules = []
    for entry in entries:
        if not isinstance(entry, Mapping) or len(entry) != 1:
            raise ManifestError(f"{test_id}: each rule is one {{<test>: {{...}}}}, got {entry!r}")
        ((test_type, spec),) = entry.items()
        spec = spec or {}
        if not isinstance(spec, Mapping):
            raise ManifestError(f"{test_id}: rule {test_type} has arguments {spec!r}, not a mapping")
        arguments = {key: value for key, value in spec.items() if key not in ("name", "where", "column")}
        column = spec.get("column") or None
        name = spec.get("name")
        if not name:
            if _has_jinja(arguments):
                # dbt renders it before naming it, so the two names would differ
                raise ManifestError(f"{test_id}: a {test_type} rule whose arguments use Jinja needs a name")
            name = rule_name(test_type, model or "", column, arguments)
        rules.append(Rule(name=str(name), test_type=test_type, column=column, where=spec.get("where") or None,
                          arguments=arguments, **common))
    return rules


def _has_jinja(value: object) -> bool:
    if isinstance(value, str):
        return "{{" in value or "{%" in value
    if isinstance(value, Mapping):
        return any(_has_jinja(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(_has_jinja(item) for item in value)
    return False


def rule_outcomes(manifest: Mapping, run_results: Mapping, warehouse: Path | None) -> list[RuleOutcome]:
    """Every rule and how it ended in the build of run_results.json.

    The warehouse is opened (read-only) only when a test failed or warned, for its stored
    failing rows by rule."""
    results = {result.get("unique_id"): result for result in run_results.get("results") or []}
    by_test: dict[str, list[Rule]] = {}
    for rule in manifest_rules(manifest):
        by_test.setdefault(rule.test_id, []).append(rule)
    stored = _stored_failures(
        {test_id: results[test_id] for test_id, rules in by_test.items()
         if test_id in results and _status(results[test_id]) in FAILED_STATUSES},
        by_test, warehouse,
    )
    outcomes = []
    for test_id, rules in by_test.items():
        result = results.get(test_id)
        status = _status(result) if result else "not run"
        for rule in rules:
            if status == "pass":
                outcomes.append(RuleOutcome(rule, "pass", 0))
            elif status in FAILED_STATUSES:
                failing = stored[test_id].get(rule.name, 0)
                outcomes.append(RuleOutcome(rule, status if failing else "pass", failing))
            else:
                outcomes.append(RuleOutcome(rule, status, None))
    return outcomes


def _status(result: Mapping) -> str:
    return str(result.get("status") or "").lower()


def _stored_failures(failed: Mapping[str, Mapping], by_test: Mapping[str, list[Rule]],
                     warehouse: Path | None) -> dict[str, Counter]:
    """Failing rows by rule name, for each test that failed or warned. A test of one rule
    needs none stored: its failures are that rule's."""
    counts: dict[str, Counter] = {}
    to_read = {}
    for test_id, result in failed.items():
        rules = by_test[test_id]
        if len(rules) == 1:
            counts[test_id] = Counter({rules[0].name: int(result.get("failures") or 0)})
        else:
            to_read[test_id] = result
    if not to_read:
        return counts
    if warehouse is None or not warehouse.is_file():
        raise ManifestError(f"the failing rows of {', '.join(sorted(to_read))} are in the warehouse, "
                            f"which is missing ({warehouse})")
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        for test_id, result in to_read.items():
            relation = result.get("relation_name")
            if not relation:
                raise ManifestError(f"{test_id} {_status(result)}ed, but dbt stored none of its failing rows")
            rows = connection.execute(f"select rule_name, count(*) from {relation} group by rule_name").fetchall()
            counts[test_id] = Counter({name: int(count) for name, count in rows})
            unknown = set(counts[test_id]) - {rule.name for rule in by_test[test_id]}
            if unknown:
                raise ManifestError(f"{test_id} stored failing rows of rules the manifest does not name: "
                                    + ", ".join(sorted(unknown)))
    return counts


def _unquote(column: str) -> str:
    column = column.strip()
    if len(column) >= 2 and column[0] == column[-1] and column[0] in "\"`":
        return column[1:-1].replace(column[0] * 2, column[0])
    return column


def rules_by_column(rules: Iterable[Rule], model_id: str) -> dict[str, list[Rule]]:
    """A model's column rules by (unquoted) column name."""
    found: dict[str, list[Rule]] = {}
    for rule in rules:
        if rule.model_id == model_id and rule.column:
            found.setdefault(rule.column, []).append(rule)
    return found
