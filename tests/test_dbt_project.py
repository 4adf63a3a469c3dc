"""The dbt project: parses cleanly, builds (with all its tests) on an empty and on a small
validated zone, and publishes WRES 2-4 figures that match an independent Python computation.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import duckdb
import pytest

from exports.data_test_rules import manifest_rules, rule_outcomes
from ingest.tables import FILE_ORG_CODE, SOURCE_FILE
from exports.run_summary import summarise_run_results

try:
    from tests import dbt_fixtures
except ImportError:  # tests/ is not a package: pytest puts it on sys.path itself
    import dbt_fixtures

NATIONAL = "E92000001"
WHITE = set("ABC")
BME = set("DEFGHJKLMNPRS")

# metrics.md, "Published table equity_metrics": names and DuckDB types, in order.
CONTRACT = [
    ("metric_id", "VARCHAR"), ("reporting_year", "INTEGER"), ("geography_level", "VARCHAR"),
    ("geography_code", "VARCHAR"), ("breakdown", "VARCHAR"), ("group", "VARCHAR"),
    ("comparison", "VARCHAR"), ("value", "DOUBLE"), ("ci_lower", "DOUBLE"), ("ci_upper", "DOUBLE"),
    ("numerator_a", "BIGINT"), ("denominator_a", "BIGINT"), ("numerator_b", "BIGINT"),
    ("denominator_b", "BIGINT"), ("equity_band", "VARCHAR"), ("significant", "BOOLEAN"),
    ("suppressed", "BOOLEAN"), ("note", "VARCHAR"), ("trusts_contributing", "BIGINT"),
    ("trusts_expected", "BIGINT"), ("method_version", "VARCHAR"),
]
ALL_METRIC_IDS = {
    "wres1_pct_headcount", "wres2_rl_appointed", "wres3_rl_disciplinary",
    "wres3_rl_disciplinary_2yr", "wres4_rl_training", "wres5_pct_hba_public",
    "wres6_pct_hba_staff", "wres7_pct_equal_opps", "wres8_pct_discrimination",
    "wres9_board_voting_gap_pp", "wres9_board_exec_gap_pp", "concerns_rate_per_1000",
    "concerns_rl_referral", "concerns_rl_exclusion", "concerns_pct_assessed_expected",
    "concerns_median_exclusion_days",
}
# metric -> (count column index in dbt_fixtures.WRES tuples: numerator, denominator; interest)
WRES_RL = {
    "wres2_rl_appointed": (2, 1, "White"),
    "wres3_rl_disciplinary": (3, 0, "BME"),
    "wres4_rl_training": (4, 0, "White"),
}


def _build(work_dir: Path, *args: str) -> duckdb.DuckDBPyConnection:
    result = dbt_fixtures.run_dbt(work_dir, "build", *args)
    assert result.returncode == 0, result.stdout[-6000:]
    return duckdb.connect(str(work_dir / "warehouse.duckdb"), read_only=True)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp("work")
    dbt_fixtures.write_validated_zone(work_dir, dbt_fixtures.sample_rows())
    con = _build(work_dir)
    yield work_dir, con
    con.close()


def _rows(con, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def test_parse_is_clean_with_all_deprecations_shown(tmp_path):
    result = dbt_fixtures.run_dbt(tmp_path, "parse", "--show-all-deprecations", "--no-partial-parse")
    assert result.returncode == 0, result.stdout
    assert not re.search(r"\[WARNING\]|deprecation", result.stdout, re.IGNORECASE), result.stdout


def test_build_passes_on_an_empty_validated_zone(tmp_path):
    dbt_fixtures.write_validated_zone(tmp_path)
    # The unit tests do not read the zone, and the `sample` build has run them.
    con = _build(tmp_path, "--exclude-resource-type", "unit_test")
    assert con.execute("select count(*) from fct_equity_metrics").fetchall() == [(0,)]
    assert con.execute("select count(*) from dim_organisations").fetchall() == [(0,)]
    ids = {r[0] for r in con.execute("select metric_id from dim_metric_definitions").fetchall()}
    assert ids == ALL_METRIC_IDS


def test_equity_metrics_has_exactly_the_contract_columns(sample):
    _, con = sample
    described = con.execute("describe fct_equity_metrics").fetchall()
    assert [(name, kind) for name, kind, *_ in described] == CONTRACT


def _python_counts() -> dict:
    """(level, code, year, group) -> [headcount, shortlisted, appointed, disciplinary, training]."""
    region = {code: reg for code, _, reg, *_ in dbt_fixtures.ORGANISATIONS}
    counts: dict = {}
    for (org, year), categories in dbt_fixtures.WRES.items():
        for category, values in categories.items():
            group = "White" if category in WHITE else "BME" if category in BME else None
            if group is None:
                continue
            for key in (("trust", org), ("region", region[org]), ("national", NATIONAL)):
                total = counts.setdefault((*key, year, group), [0] * 5)
                for i, v in enumerate(values):
                    total[i] += v or 0  # a category missing from a sheet counts as zero
    return counts


def test_wres_rl_values_match_an_independent_computation(sample):
    _, con = sample
    counts = _python_counts()
    published = {
        (r["metric_id"], r["geography_level"], r["geography_code"], r["reporting_year"]): r
        for r in _rows(con, """
            select * from fct_equity_metrics
            where value is not null and comparison in ('White vs BME', 'BME vs White')""")
    }
    checked = 0
    for metric, (num, den, interest) in WRES_RL.items():
        reference = "BME" if interest == "White" else "White"
        for (level, code, year, group), values in counts.items():
            if group != interest:
                continue
            ref = counts[(level, code, year, reference)]
            a, n1, c, n2 = values[num], values[den], ref[num], ref[den]
            if not (n1 and n2 and c):
                continue
            row = published[(metric, level, code, year)]
            assert (row["numerator_a"], row["denominator_a"], row["numerator_b"], row["denominator_b"]) == (a, n1, c, n2)
            rl = (a / n1) / (c / n2)
            assert math.isclose(row["value"], rl, rel_tol=1e-12)
            if a:
                half = 1.96 * math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
                assert math.isclose(row["ci_lower"], rl * math.exp(-half), rel_tol=1e-12)
                assert math.isclose(row["ci_upper"], rl * math.exp(half), rel_tol=1e-12)
            band = "adverse" if rl > 1.25 else "favourable" if rl < 0.80 else "within"
            assert row["equity_band"] == band
            checked += 1
    assert checked >= 30


def test_regional_value_is_pooled_not_an_average(sample):
    _, con = sample
    rows = {
        r["geography_code"]: r["value"]
        for r in _rows(con, """
            select geography_code, value from fct_equity_metrics
            where metric_id = 'wres2_rl_appointed' and reporting_year = 2023
                and comparison = 'White vs BME' and geography_code in ('RAA', 'RBB', 'Y56')""")
    }
    # RAA 30/100 vs 10/50 = 1.5; RBB 5/10 vs 20/40 = 1.0; London pools 35/110 vs 30/90.
    assert rows["RAA"] == 1.5 and rows["RBB"] == 1.0
    assert math.isclose(rows["Y56"], (35 / 110) / (30 / 90), rel_tol=1e-12)
    assert not math.isclose(rows["Y56"], (rows["RAA"] + rows["RBB"]) / 2)


def test_contributing_and_expected_trusts(sample):
    _, con = sample
    rows = _rows(con, """
        select reporting_year, geography_code, trusts_contributing, trusts_expected
        from fct_equity_metrics
        where metric_id = 'wres3_rl_disciplinary' and geography_level <> 'trust'
        order by 1, 2""")
    got = {(r["reporting_year"], r["geography_code"]): (r["trusts_contributing"], r["trusts_expected"]) for r in rows}
    # 2023: REE not yet open. 2024: RDD closed on 2023-03-31; REE's return was quarantined.
    assert got == {
        (2023, NATIONAL): (4, 4), (2023, "Y56"): (2, 2), (2023, "Y58"): (2, 2),
        (2024, NATIONAL): (3, 4), (2024, "Y56"): (2, 3), (2024, "Y58"): (1, 1),
    }


def test_missing_return_is_a_null_row_with_a_note(sample):
    _, con = sample
    rows = _rows(con, "select * from fct_equity_metrics where geography_code = 'REE'")
    assert set(WRES_RL) <= {r["metric_id"] for r in rows}
    assert all(r["reporting_year"] == 2024 and r["value"] is None and r["note"] for r in rows)
    assert all(r["suppressed"] is False for r in rows)


def test_zero_count_in_group_of_interest(sample):
    _, con = sample
    # RAA 2024 appointed no White applicant: value 0, no CI, favourable, significant null.
    [row] = _rows(con, """
        select * from fct_equity_metrics
        where metric_id = 'wres2_rl_appointed' and geography_code = 'RAA' and reporting_year = 2024
            and comparison = 'White vs BME'""")
    assert (row["value"], row["ci_lower"], row["ci_upper"]) == (0.0, None, None)
    assert (row["equity_band"], row["significant"]) == ("favourable", None)
    assert "confidence interval is not defined" in row["note"]


def test_organisations_lookup(sample):
    _, con = sample
    rows = {r["org_code"]: r for r in _rows(con, "select * from dim_organisations")}
    assert rows["RDD"]["successor_org_code"] == "RCC"
    assert rows["REE"]["trust_type"] == "unknown"
    assert rows["RAA"]["region_name"] == "London"
    # Contract 1.1: organisations not monitored stay in the lookup, with the reason.
    assert {code for code, row in rows.items() if not row["in_scope"]} == {"RWW", "RUU"}
    assert rows["RWW"]["scope_note"] == "Outside England: national grouping W00 is not a region in regions.csv."
    assert rows["RWW"]["region_name"] is None
    assert rows["RUU"]["scope_note"] == (
        "Cannot be attributed: the national grouping (column 3) is empty; the open date (column 11) is empty."
    )
    assert rows["RAA"]["scope_note"] is None


def test_respondents_of_organisations_not_monitored_are_left_out(sample):
    _, con = sample
    left_out = _rows(con, "select * from int_staff_survey__unattributed_respondents order by survey_year")
    assert [(r["survey_year"], r["org_code"], r["respondents"]) for r in left_out] == [(2022, "RWW", 2), (2023, "RWW", 2)]
    trusts = {r["org_code"] for r in _rows(con, "select distinct org_code from int_staff_survey__trust_group_counts")}
    assert trusts == {"RAA"}


def _manifest(work_dir: Path) -> dict:
    return json.loads((work_dir / "dbt_target" / "manifest.json").read_text())


def test_published_marts_follow_the_conventions(sample):
    work_dir, _ = sample
    nodes = _manifest(work_dir)["nodes"]
    public = {n["name"]: n for n in nodes.values() if n["resource_type"] == "model" and n["access"] == "public"}
    assert {"fct_equity_metrics", "dim_organisations", "dim_metric_definitions"} <= set(public)
    for name, node in public.items():
        assert node["contract"]["enforced"], name
        assert node["config"]["meta"]["published_name"], name
        assert node["config"]["meta"]["primary_key"], name
        for column in node["columns"].values():
            assert column["data_type"] and column["description"], (name, column["name"])
            assert "pii" not in column["tags"], (name, column["name"])
            assert column["name"] not in {"practitioner_id", "practitioner_pseudonym"}, name
    assert public["fct_equity_metrics"]["config"]["meta"]["published_name"] == "equity_metrics"
    assert public["dim_organisations"]["config"]["meta"]["published_name"] == "organisations"
    # Each published dataset is an exposure of its own, named after it.
    exposures = _manifest(work_dir)["exposures"].values()
    exposed = {e["name"]: e["depends_on"]["nodes"] for e in exposures}
    assert exposed == {
        f"release_{node['config']['meta']['published_name']}": [node["unique_id"]] for node in public.values()
    }


def test_every_model_states_its_grain_and_has_a_primary_key_test(sample):
    work_dir, _ = sample
    manifest = _manifest(work_dir)
    models = {n["unique_id"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    keyed = {rule.model_id for rule in manifest_rules(manifest) if rule.test_type in {"unique", "unique_combination_of_columns"}}
    for uid, node in models.items():
        assert "Grain:" in node["description"], uid
        assert uid in keyed, f"{uid} has no primary-key rule"


def test_each_models_rules_are_one_test_named_after_it(sample):
    """Every generic data test is a `rules` test, one per model and severity, named after its
    model, and no two rules share a name (methodology decision 126)."""
    work_dir, _ = sample
    manifest = _manifest(work_dir)
    generic = [n for n in manifest["nodes"].values() if n["resource_type"] == "test" and n.get("test_metadata")]
    assert generic and {n["test_metadata"]["name"] for n in generic} == {"rules"}
    for node in generic:
        model = manifest["nodes"][node["attached_node"]]["name"]
        suffix = "rules" if node["config"]["severity"].lower() == "error" else f"{node['config']['severity'].lower()}_rules"
        assert node["name"] == f"{model}_{suffix}", node["unique_id"]
        assert node["config"]["store_failures"] is True, node["unique_id"]
    names = [rule.name for rule in manifest_rules(manifest)]
    assert len(names) == len(set(names))


def test_rule_names_in_the_sql_are_those_the_reports_use(sample):
    """The dbt macro rule_name and exports/data_test_rules.rule_name name every rule alike: each
    rules test's SQL, as run, tags its failing rows with exactly the names the reports list."""
    work_dir, _ = sample
    manifest = _manifest(work_dir)
    run_results = json.loads((work_dir / "dbt_target" / "run_results.json").read_text())
    compiled = {r["unique_id"]: r["compiled_code"] for r in run_results["results"] if r["unique_id"].startswith("test.")}
    by_test: dict[str, list[str]] = {}
    for rule in manifest_rules(manifest):
        by_test.setdefault(rule.test_id, []).append(rule.name)
    checked = 0
    for test_id, names in by_test.items():
        node = manifest["nodes"][test_id]
        if (node.get("test_metadata") or {}).get("name") != "rules":
            continue
        assert re.findall(r"select '([^']+)' as rule_name", compiled[test_id]) == names, test_id
        checked += len(names)
    assert checked > 150


def test_every_metric_family_is_in_equity_metrics(sample):
    work_dir, _ = sample
    nodes = _manifest(work_dir)["nodes"]
    families = {n["unique_id"] for n in nodes.values() if n["resource_type"] == "model" and n["name"].startswith("int_metric__")}
    stacked = nodes["model.nhs_equity.int_equity_metrics__all_levels"]
    assert families and families <= set(stacked["depends_on"]["nodes"])
    fct = nodes["model.nhs_equity.fct_equity_metrics"]
    assert fct["depends_on"]["nodes"] == ["model.nhs_equity.int_equity_metrics__all_levels"]


def test_thresholds_are_vars_not_literals():
    project = dbt_fixtures.DBT_PROJECT_DIR
    for path in [*project.glob("models/**/*.sql"), *project.glob("macros/**/*.sql")]:
        code = re.sub(r"--[^\n]*|\{#.*?#\}", "", path.read_text(), flags=re.DOTALL)
        assert not re.search(r"(?<![\w.])(0\.80?|1\.25|1\.96|E92000001)(?![\w.])", code), path


def test_a_row_breaking_one_rule_fails_the_build_under_that_rules_name(tmp_path):
    """A WRES return from a trust that is not in etr.csv breaks one of stg_wres__submissions'
    two rules. The build fails; dbt stores the failing row under the rule's name, and the test
    summary reports that rule, with its one failing row, and not the rule that held."""
    rows = dbt_fixtures.sample_rows()
    rows["wres_submission"].append({**rows["wres_submission"][0], "org_code": "RZZ", FILE_ORG_CODE: "RZZ",
                                    SOURCE_FILE: "wres/2023/RZZ_wres_2023.xlsx"})
    dbt_fixtures.write_validated_zone(tmp_path, rows)
    result = dbt_fixtures.run_dbt(
        tmp_path, "build", "--select", "+stg_wres__submissions", "stg_reference__organisations",
        "--exclude-resource-type", "unit_test", "--indirect-selection", "cautious",
    )
    assert result.returncode != 0
    broken = "relationships_stg_wres__submissions_org_code__org_code__ref_stg_reference__organisations_"
    assert "Failure in test stg_wres__submissions_rules" in result.stdout
    assert '"main_dbt_test__audit"."stg_wres__submissions_rules"' in result.stdout

    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        stored = con.execute("select rule_name, failing_row from main_dbt_test__audit.stg_wres__submissions_rules").fetchall()
    assert [(name, json.loads(row)) for name, row in stored] == [(broken, {"from_field": "RZZ"})]

    manifest = _manifest(tmp_path)
    run_results = json.loads((tmp_path / "dbt_target" / "run_results.json").read_text())
    outcomes = {o.rule.name: (o.status, o.failing_rows) for o in rule_outcomes(manifest, run_results, tmp_path / "warehouse.duckdb")}
    assert outcomes[broken] == ("fail", 1)
    assert outcomes["unique_combination_of_columns_stg_wres__submissions_org_code__reporting_year"] == ("pass", 0)
    assert outcomes["unique_stg_reference__organisations_org_code"] == ("pass", 0)
    summary = summarise_run_results(run_results, rule_outcomes(manifest, run_results, tmp_path / "warehouse.duckdb"))
    assert summary["all_passed"] is False
    assert [(e["rule"], e["status"], e["failures"]) for e in summary["not_passed"]] == [(broken, "fail", 1)]
