"""What dbt's build ran and how it ended: `quality/test_summary.json` and
`quality/data_test_rules.csv`, from run_results.json and the data rules (exports/data_test_rules.py).

test_summary.json counts, for each resource type dbt ran (model, seed, snapshot, test,
unit_test, and any other dbt reports), its results by outcome; and, under `data_tests`, every
data rule by test type (not_null, accepted_values, expression_is_true, singular, ...) and
outcome. dbt checks a model's rules in one test, so a `test` result holds many rules; the
rules are what an auditor counts. `not_passed` lists every result that did not pass, a data
test's as the rules that did not pass, each by name with its failing rows. So an auditor can
see at a glance that every model built and every rule and unit test passed, or which did not.

data_test_rules.csv lists every rule: its name, type, model, column, the rows it is limited
to, severity, outcome and failing rows, its arguments as written in the yml, the dbt test
that checks it and the file it is written in. The full run_results.json is next to them as
quality/dbt_run_results.json.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

import pyarrow as pa

from exports.data_test_rules import RuleOutcome
from exports.table_files import write_csv

TEST_SUMMARY_FILE = "test_summary.json"
RULES_FILE = "data_test_rules.csv"

# dbt's statuses by outcome (dbt-core RunStatus and TestStatus).
OUTCOMES = {
    "success": "passed",
    "pass": "passed",
    "fail": "failed",
    "warn": "warned",
    "error": "errored",
    "runtime error": "errored",
    "skipped": "skipped",
}
OUTCOME_NAMES = ("passed", "failed", "warned", "errored", "skipped", "other")
ALWAYS_LISTED = ("model", "seed", "snapshot", "test", "unit_test")

RULES_SCHEMA = pa.schema(
    [
        ("rule", pa.string()),
        ("test_type", pa.string()),
        ("model", pa.string()),
        ("column", pa.string()),
        ("where", pa.string()),
        ("severity", pa.string()),
        ("status", pa.string()),
        ("failing_rows", pa.int64()),
        ("arguments", pa.string()),
        ("dbt_test", pa.string()),
        ("defined_in", pa.string()),
    ]
)


def _counts(counter: Counter) -> dict[str, int]:
    return {"total": sum(counter.values()), **{name: counter[name] for name in OUTCOME_NAMES}}


def summarise_run_results(run_results: Mapping, rules: Sequence[RuleOutcome] = ()) -> dict:
    results = run_results.get("results") or []
    rules_of: dict[str, list[RuleOutcome]] = {}
    for outcome in rules:
        rules_of.setdefault(outcome.rule.test_id, []).append(outcome)
    by_type: dict[str, Counter] = {resource_type: Counter() for resource_type in ALWAYS_LISTED}
    statuses: dict[str, Counter] = {}
    not_passed = []
    for result in results:
        unique_id = result.get("unique_id") or ""
        resource_type = unique_id.split(".", 1)[0] or "unknown"
        status = str(result.get("status") or "").lower()
        outcome = OUTCOMES.get(status, "other")
        by_type.setdefault(resource_type, Counter())[outcome] += 1
        statuses.setdefault(resource_type, Counter())[status] += 1
        if outcome in ("passed", "other"):
            continue
        entry = {"unique_id": unique_id, "rule": None, "resource_type": resource_type, "status": status,
                 "failures": result.get("failures"), "message": result.get("message")}
        # a data test's rules that did not pass, each with its own failing rows
        failed_rules = [{**entry, "rule": rule.rule.name, "failures": rule.failing_rows}
                        for rule in rules_of.get(unique_id, []) if rule.status != "pass"]
        if outcome in ("failed", "warned") and failed_rules:
            not_passed += failed_rules
        else:
            not_passed.append({**entry, "rule": _only_rule(rules_of.get(unique_id))})

    by_test_type: dict[str, Counter] = {}
    for outcome in rules:
        by_test_type.setdefault(outcome.rule.test_type, Counter())[OUTCOMES.get(outcome.status, "other")] += 1

    metadata = run_results.get("metadata") or {}
    args = run_results.get("args") or {}
    elapsed = run_results.get("elapsed_time")
    return {
        "source": "dbt_run_results.json",
        "dbt_version": metadata.get("dbt_version"),
        "invocation_id": metadata.get("invocation_id"),
        "generated_at": metadata.get("generated_at"),
        "command": args.get("which"),
        "elapsed_seconds": round(elapsed, 3) if isinstance(elapsed, int | float) else None,
        "all_passed": not not_passed,
        "totals": _counts(sum(by_type.values(), Counter())),
        "by_resource_type": {name: _counts(counter) for name, counter in sorted(by_type.items())},
        "dbt_statuses": {name: dict(sorted(counter.items())) for name, counter in sorted(statuses.items())},
        "data_tests": {
            "rules_file": RULES_FILE,
            "totals": _counts(sum(by_test_type.values(), Counter())),
            "by_test_type": {name: _counts(counter) for name, counter in sorted(by_test_type.items())},
        },
        "not_passed": sorted(not_passed, key=lambda entry: (entry["unique_id"], entry["rule"] or "")),
    }


def _only_rule(outcomes: list[RuleOutcome] | None) -> str | None:
    """The rule a test checks when it checks exactly one (a singular test, a plain generic test)."""
    return outcomes[0].rule.name if outcomes and len(outcomes) == 1 else None


def write_test_summary(run_results: Mapping, rules: Sequence[RuleOutcome], quality_dir: Path) -> Path:
    path = quality_dir / TEST_SUMMARY_FILE
    text = json.dumps(summarise_run_results(run_results, rules), indent=2, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8", newline="\n")
    return path


def rules_table(rules: Sequence[RuleOutcome]) -> pa.Table:
    rows = [
        {
            "rule": outcome.rule.name,
            "test_type": outcome.rule.test_type,
            "model": outcome.rule.model,
            "column": outcome.rule.column,
            "where": outcome.rule.where,
            "severity": outcome.rule.severity,
            "status": outcome.status,
            "failing_rows": outcome.failing_rows,
            "arguments": json.dumps(outcome.rule.arguments, sort_keys=True, ensure_ascii=False)
            if outcome.rule.arguments else None,
            "dbt_test": outcome.rule.test_id,
            "defined_in": outcome.rule.defined_in,
        }
        for outcome in sorted(rules, key=lambda outcome: (outcome.rule.model or "", outcome.rule.name))
    ]
    return pa.Table.from_pylist(rows, schema=RULES_SCHEMA)


def write_rules_file(rules: Sequence[RuleOutcome], quality_dir: Path) -> Path:
    path = quality_dir / RULES_FILE
    write_csv(rules_table(rules), path)
    return path
