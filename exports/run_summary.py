"""`quality/test_summary.json`: what dbt's build ran and how it ended, counted from run_results.json.

For each resource type (model, seed, snapshot, test, unit_test, and any other dbt reports)
it counts results by outcome, and lists every result that did not pass, so an auditor can
see at a glance that every model built and every data test and unit test passed, or which
did not. The full run_results.json is next to it as quality/dbt_run_results.json.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

TEST_SUMMARY_FILE = "test_summary.json"

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


def summarise_run_results(run_results: Mapping) -> dict:
    results = run_results.get("results") or []
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
        if outcome not in ("passed", "other"):
            not_passed.append(
                {
                    "unique_id": unique_id,
                    "resource_type": resource_type,
                    "status": status,
                    "failures": result.get("failures"),
                    "message": result.get("message"),
                }
            )

    def counts(counter: Counter) -> dict[str, int]:
        return {"total": sum(counter.values()), **{name: counter[name] for name in OUTCOME_NAMES}}

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
        "totals": counts(sum(by_type.values(), Counter())),
        "by_resource_type": {name: counts(counter) for name, counter in sorted(by_type.items())},
        "dbt_statuses": {name: dict(sorted(counter.items())) for name, counter in sorted(statuses.items())},
        "not_passed": sorted(not_passed, key=lambda entry: entry["unique_id"]),
    }


def write_test_summary(run_results_path: Path, quality_dir: Path) -> Path:
    run_results = json.loads(run_results_path.read_text(encoding="utf-8"))
    path = quality_dir / TEST_SUMMARY_FILE
    text = json.dumps(summarise_run_results(run_results), indent=2, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8", newline="\n")
    return path
