"""Concerns metrics end to end: the dbt project is built on a generated validated zone, and
every published concerns row is compared with an independent plain-Python computation of
metrics.md ("Concerns" and "Disclosure control"): rounding and suppression below national
level, figures computed from the counts as published, the median rule at every level.

The dbt unit tests prove each model's arithmetic on hand-made rows; this test proves that
the models fit together on data with hundreds of cases. It builds (and tests) only the
concerns families and what they depend on, and reads their rows exactly as
fct_equity_metrics stacks them; the contract tests of fct_equity_metrics run in the full
build (test_dbt_project.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
import statistics

import duckdb
import pytest
from scipy.stats import chi2

try:
    from tests import dbt_fixtures
    from tests.independent_metrics import secondary_suppression
except ImportError:  # tests/ is not a package: pytest puts it on sys.path itself
    import dbt_fixtures
    from independent_metrics import secondary_suppression

from ingest.tables import FILE_ORG_CODE, FILE_YEAR, SOURCE_FILE, SOURCE_ROW

NATIONAL = "E92000001"
REGIONS = {"Y56": "London", "Y58": "South West"}  # regions.csv
CASE_REGIONS = ["Y56", "Y58", "Y99"]  # Y99 is not in regions.csv: England only
VALID_YEARS = (2023, 2024)
QUARANTINED_CASES_YEAR = 2025  # its population file is valid, its case extract is not
PROFESSIONS = ("Doctor", "Dentist", "Pharmacist")
CATEGORIES = {  # ethnic category -> groups
    "A": ("White",), "C": ("White",), "H": ("BME", "Asian"), "K": ("BME", "Asian"),
    "M": ("BME", "Black"), "D": ("BME", "Mixed"), "R": ("BME", "Other"), "Z": ("Unknown",),
}
PLACES = {"UK": ("UK",), "EEA": ("EEA", "IMG"), "Outside EEA": ("Outside EEA", "IMG"), "Unknown": ("Unknown",)}
OUTCOMES = (None, None, None, "Pending", "Expected level", "Expected level", "Below expected level")
# chance of an exclusion by ethnic category: Black often, Mixed rarely, so that the RLs reach
# every band (and a = 0)
EXCLUSION_CHANCE = {"M": 0.6, "D": 0.03}
RATE_GROUPS = [("ethnicity", g) for g in ("White", "BME", "Unknown", "Asian", "Black", "Mixed", "Other")] + [
    ("qualification", g) for g in ("UK", "IMG", "EEA", "Outside EEA")
]
RL_PAIRS = [("BME", "White"), ("Asian", "White"), ("Black", "White"), ("Mixed", "White"), ("Other", "White"), ("IMG", "UK")]
MEDIAN_GROUPS = [g for g in RATE_GROUPS if g[1] != "Unknown"]
SUPPRESSED_NOTE = "Suppressed (disclosure control)"
FAMILIES = [
    "int_metric__concerns_rate_per_1000", "int_metric__concerns_rl_referral",
    "int_metric__concerns_rl_exclusion", "int_metric__concerns_pct_assessed_expected",
    "int_metric__concerns_median_exclusion_days",
]
Z = 1.96


def _provenance(path: str, row: int, year: int | None) -> dict:
    return {SOURCE_FILE: path, SOURCE_ROW: row, FILE_YEAR: year, FILE_ORG_CODE: None}


def _reporting_year(day: dt.date) -> int:
    return day.year + (1 if day.month >= 4 else 0)


def generated_zone() -> dict[str, list[dict]]:
    """Validated rows: regions, practitioner populations and about 350 cases a year."""
    rng = random.Random(20240331)
    rows: dict[str, list[dict]] = {"ref_regions": [], "concerns_cases": [], "concerns_population": []}
    outcomes = []

    def outcome(path, source, year, result="loaded"):
        outcomes.append({"source_file": path, "source": source, "reporting_year": year, "org_code": None,
                         "sha256": hashlib.sha256(path.encode()).hexdigest(), "size_bytes": 100,
                         "rows_read": 1, "outcome": result, "reason": None if result == "loaded" else "bad rows"})

    for i, (code, name) in enumerate(REGIONS.items(), start=2):
        rows["ref_regions"].append({"region_code": code, "region_name": name,
                                    **_provenance("reference/regions.csv", i, None)})
    outcome("reference/regions.csv", "reference", None)
    outcome("reference/etr.csv", "reference", None)

    for year in (*VALID_YEARS, QUARANTINED_CASES_YEAR):
        path = f"concerns/{year}/practitioner_population.csv"
        line = 1
        for profession in PROFESSIONS:
            for region in CASE_REGIONS:
                for category in CATEGORIES:
                    for place in PLACES:
                        if rng.random() < 0.1:
                            continue  # no row: no practitioners in that cell
                        if (profession, category) == ("Pharmacist", "R"):
                            continue  # no Other pharmacist registered, yet cases: rate undefined
                        line += 1
                        rows["concerns_population"].append(
                            {"reporting_year": year, "profession": profession, "region_code": region,
                             "ethnic_category": category, "place_of_first_qualification": place,
                             "practitioners": rng.choice([0, rng.randint(1, 40), rng.randint(100, 3000)]),
                             **_provenance(path, line, year)})
        outcome(path, "concerns", year)

        path = f"concerns/{year}/cases.csv"
        if year == QUARANTINED_CASES_YEAR:
            outcome(path, "concerns", year, "quarantined")
            continue
        start = dt.date(year - 1, 4, 1)
        for n in range(rng.randint(330, 380)):
            opened = start + dt.timedelta(days=rng.randint(0, 364))
            category = rng.choice(["A", "A", "A", "C", "H", "K", "M", "M", "D", "R", "Z"])
            excluded = rng.random() < EXCLUSION_CHANCE.get(category, 0.3)
            ex_start = opened + dt.timedelta(days=rng.randint(0, 20)) if excluded else None
            ex_end = None
            if excluded and rng.random() < 0.85:
                ex_end = ex_start + dt.timedelta(days=rng.randint(1, 200))  # may end next year
            referred = rng.random() < 0.6
            rows["concerns_cases"].append(
                {"case_ref": f"C{year}-{n}", "practitioner_pseudonym": f"{year * 1000 + n:064x}",
                 "profession": rng.choice(PROFESSIONS),
                 "ethnic_category": category,
                 "place_of_first_qualification": rng.choice(["UK", "UK", "UK", "EEA", "Outside EEA", "Outside EEA", "Unknown"]),
                 "gender": "Female", "age_band": "35-44", "org_code": "RAA",
                 "region_code": rng.choice(["Y56", "Y56", "Y58", "Y99"]),
                 "case_opened_date": opened, "case_closed_date": None, "concern_types": "clinical",
                 "excluded": "Y" if excluded else "N", "exclusion_start_date": ex_start,
                 "exclusion_end_date": ex_end, "assessment_referred": "Y" if referred else "N",
                 "assessment_outcome": rng.choice(OUTCOMES[3:]) if referred else None,
                 **_provenance(path, n + 2, year)})
        outcome(path, "concerns", year)
    rows["file_outcomes"] = outcomes
    return rows


# ---------------------------------------------------------------------------------------
# The independent computation
# ---------------------------------------------------------------------------------------
def _cells(region: str, profession: str, category: str, place: str):
    """Every (level, code, breakdown, classification, group) a fact counts towards."""
    geographies = [("national", NATIONAL)] + ([("region", region)] if region in REGIONS else [])
    groups = [("all", "All")] + [("ethnicity", g) for g in CATEGORIES[category]] + [
        ("qualification", g) for g in PLACES[place]
    ]
    for level, code in geographies:
        for breakdown in ("all", f"profession={profession}"):
            for classification, group in groups:
                yield level, code, breakdown, classification, group


def exact_counts(rows) -> tuple[dict, dict]:
    """(year, level, code, breakdown, classification, group) -> counts; and -> exclusion lengths."""
    counts: dict = {}
    lengths: dict = {}

    def add(year, cell, **values):
        total = counts.setdefault((year, *cell), dict.fromkeys(
            ("cases", "exclusions", "assessments", "assessed_expected", "exclusions_ended", "practitioners"), 0))
        for name, value in values.items():
            total[name] += value

    for case in rows["concerns_cases"]:
        year = _reporting_year(case["case_opened_date"])
        keys = (case["region_code"], case["profession"], case["ethnic_category"], case["place_of_first_qualification"])
        for cell in _cells(*keys):
            add(year, cell, cases=1, exclusions=case["excluded"] == "Y",
                assessments=case["assessment_outcome"] in ("Expected level", "Below expected level"),
                assessed_expected=case["assessment_outcome"] == "Expected level")
        if case["exclusion_end_date"] is not None:
            end_year = _reporting_year(case["exclusion_end_date"])
            days = (case["exclusion_end_date"] - case["exclusion_start_date"]).days
            for cell in _cells(*keys):
                add(end_year, cell, exclusions_ended=1)
                lengths.setdefault((end_year, *cell), []).append(days)
    for row in rows["concerns_population"]:
        keys = (row["region_code"], row["profession"], row["ethnic_category"], row["place_of_first_qualification"])
        for cell in _cells(*keys):
            add(row["reporting_year"], cell, practitioners=row["practitioners"])
    return counts, lengths


CONTROLLED = ("cases", "exclusions", "assessments", "assessed_expected", "exclusions_ended")
BROAD = ("Asian", "Black", "Mixed", "Other")
CELL_GROUPS = [("all", "All")] + [("ethnicity", g) for g in ("White", "BME", "Unknown", *BROAD)] + [
    ("qualification", g) for g in ("UK", "IMG", "EEA", "Outside EEA", "Unknown")
]


def suppressed_cells(counts: dict) -> set:
    """metrics.md, Disclosure control: the region counts withheld, as (year, level, code,
    breakdown, classification, group, count): 1-7 (primary), then secondary suppression
    within each total of the spec, per year and count (independent_metrics.secondary_suppression:
    rounds until stable, true counts, ties broken by name)."""
    exact = {(*cell, name): values[name] for cell, values in counts.items() for name in CONTROLLED}
    primary = {key for key, n in exact.items() if key[1] == "region" and 1 <= n <= 7}
    breakdowns = ["all", *(f"profession={p}" for p in PROFESSIONS)]
    group_totals = [("ethnicity", BROAD), ("ethnicity", ("White", "BME", "Unknown")),
                    ("qualification", ("EEA", "Outside EEA")), ("qualification", ("UK", "IMG", "Unknown"))]
    totals = []
    for year in {cell[0] for cell in counts}:
        for name in CONTROLLED:
            for region in REGIONS:
                for breakdown in breakdowns:
                    for classification, parts in group_totals:
                        totals.append([(year, "region", region, breakdown, classification, g, name) for g in parts])
                for classification, group in CELL_GROUPS:  # All professions = Doctor + Dentist + Pharmacist
                    totals.append([(year, "region", region, f"profession={p}", classification, group, name)
                                   for p in PROFESSIONS])
            for breakdown in breakdowns:  # England = the sum of the regions
                for classification, group in CELL_GROUPS:
                    totals.append([(year, "region", r, breakdown, classification, group, name) for r in REGIONS])
    # within a total only one of group, breakdown and region varies: that is the part's name
    return secondary_suppression(exact, primary, totals, lambda key: (key[5], key[3], key[2]))


def published(level: str, count: int) -> int | None:
    """metrics.md, Disclosure control: below national level 1-7 suppressed, else nearest 5."""
    if level == "national":
        return count
    if 1 <= count <= 7:
        return None
    return (count + 2) // 5 * 5


def katz(a, n1, c, n2):
    # (a/n1) / (c/n2), as (a·n2) / (c·n1) so that an RL of exactly 0.80 or 1.25 is exact
    # (the band limits are inclusive: (a/n1) / (c/n2) can give 0.7999999999999999)
    rl = (a * n2) / (c * n1)
    if a == 0:
        return rl, None, None
    half = Z * math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    return rl, rl * math.exp(-half), rl * math.exp(half)


def wilson(x, n):
    p = x / n
    centre, half = p + Z * Z / (2 * n), Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return 100 * x / n, 100 * (centre - half) / (1 + Z * Z / n), 100 * (centre + half) / (1 + Z * Z / n)


def expected_rows(rows) -> dict:
    counts, lengths = exact_counts(rows)
    hidden = suppressed_cells(counts)
    empty = dict.fromkeys(("cases", "exclusions", "assessments", "assessed_expected", "exclusions_ended", "practitioners"), 0)
    geographies = [("region", code) for code in REGIONS] + [("national", NATIONAL)]
    out: dict = {}

    def row(metric, year, level, code, breakdown, group, comparison, **values):
        out[(metric, year, level, code, breakdown, group, comparison)] = values

    for year in (*VALID_YEARS, QUARANTINED_CASES_YEAR):
        valid = year in VALID_YEARS
        for level, code in geographies:
            def cell(breakdown, classification, group):
                exact = counts.get((year, level, code, breakdown, classification, group), empty)
                shown = {name: value if name == "practitioners"
                         else None if (year, level, code, breakdown, classification, group, name) in hidden
                         else published(level, value)
                         for name, value in exact.items()}
                return exact, shown

            for breakdown in ("all", *(f"profession={p}" for p in PROFESSIONS)):
                for classification, group in RATE_GROUPS:
                    exact, shown = cell(breakdown, classification, group)
                    c, n = shown["cases"], shown["practitioners"]
                    if not valid:
                        row("concerns_rate_per_1000", year, level, code, breakdown, group, None, value=None,
                            suppressed=False, numerator_a=None, denominator_a=n)
                    elif c is None:
                        row("concerns_rate_per_1000", year, level, code, breakdown, group, None, value=None,
                            suppressed=True, numerator_a=None, denominator_a=None)
                    elif n == 0:
                        row("concerns_rate_per_1000", year, level, code, breakdown, group, None, value=None,
                            suppressed=False, numerator_a=c, denominator_a=0)
                    else:
                        lower = 0.0 if c == 0 else chi2.ppf(0.025, 2 * c) / 2
                        upper = chi2.ppf(0.975, 2 * c + 2) / 2
                        row("concerns_rate_per_1000", year, level, code, breakdown, group, None,
                            value=1000 * c / n, ci_lower=1000 * lower / n, ci_upper=1000 * upper / n,
                            suppressed=False, numerator_a=c, denominator_a=n)

            for metric, num, den in (("concerns_rl_referral", "cases", "practitioners"),
                                     ("concerns_rl_exclusion", "exclusions", "cases")):
                for interest, reference in RL_PAIRS:
                    classification = "qualification" if interest == "IMG" else "ethnicity"
                    _, i = cell("all", classification, interest)
                    _, r = cell("all", classification, reference)
                    comparison = f"{interest} vs {reference}"
                    a, n1, c, n2 = i[num], i[den], r[num], r[den]
                    if not valid:
                        row(metric, year, level, code, "all", None, comparison, value=None, suppressed=False)
                    elif None in (a, n1, c, n2):
                        row(metric, year, level, code, "all", None, comparison, value=None, suppressed=True,
                            numerator_a=None, denominator_a=None, numerator_b=None, denominator_b=None)
                    elif not (n1 and n2 and c):
                        row(metric, year, level, code, "all", None, comparison, value=None, suppressed=False,
                            numerator_a=a, denominator_a=n1, numerator_b=c, denominator_b=n2)
                    else:
                        rl, lower, upper = katz(a, n1, c, n2)
                        band = "adverse" if rl > 1.25 else "favourable" if rl < 0.80 else "within"
                        significant = None if lower is None else (lower > 1 or upper < 1)
                        row(metric, year, level, code, "all", None, comparison, value=rl, ci_lower=lower,
                            ci_upper=upper, equity_band=band, significant=significant, suppressed=False,
                            numerator_a=a, denominator_a=n1, numerator_b=c, denominator_b=n2)

            for group in ("UK", "IMG", "EEA", "Outside EEA"):
                _, shown = cell("all", "qualification", group)
                x, n = shown["assessed_expected"], shown["assessments"]
                if not valid:
                    row("concerns_pct_assessed_expected", year, level, code, "all", group, None, value=None, suppressed=False)
                elif x is None or n is None:
                    row("concerns_pct_assessed_expected", year, level, code, "all", group, None, value=None,
                        suppressed=True, numerator_a=None, denominator_a=None)
                elif n == 0:
                    row("concerns_pct_assessed_expected", year, level, code, "all", group, None, value=None,
                        suppressed=False, numerator_a=0, denominator_a=0)
                else:
                    value, lower, upper = wilson(x, n)
                    row("concerns_pct_assessed_expected", year, level, code, "all", group, None, value=value,
                        ci_lower=lower, ci_upper=upper, suppressed=False, numerator_a=x, denominator_a=n)

            for classification, group in MEDIAN_GROUPS:
                exact, shown = cell("all", classification, group)
                days = lengths.get((year, level, code, "all", classification, group), [])
                assert len(days) == exact["exclusions_ended"]
                if not valid:
                    row("concerns_median_exclusion_days", year, level, code, "all", group, None, value=None, suppressed=False)
                elif shown["exclusions_ended"] is None or 0 < len(days) < 8:
                    row("concerns_median_exclusion_days", year, level, code, "all", group, None, value=None,
                        suppressed=True, numerator_a=None)
                elif not days:
                    row("concerns_median_exclusion_days", year, level, code, "all", group, None, value=None,
                        suppressed=False, numerator_a=0)
                else:
                    row("concerns_median_exclusion_days", year, level, code, "all", group, None,
                        value=float(statistics.median(days)), suppressed=False, numerator_a=shown["exclusions_ended"])
    return out


# ---------------------------------------------------------------------------------------
# The build and the comparison
# ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def built(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp("concerns_work")
    rows = generated_zone()
    dbt_fixtures.write_validated_zone(work_dir, rows)
    # cautious: leave out tests that also depend on models outside the selection
    result = dbt_fixtures.run_dbt(work_dir, "build", "--indirect-selection", "cautious",
                                  "--select", *(f"+{family}" for family in FAMILIES))
    assert result.returncode == 0, result.stdout[-6000:]
    con = duckdb.connect(str(work_dir / "warehouse.duckdb"), read_only=True)
    cursor = con.execute(" union all ".join(f"select * from {family}" for family in FAMILIES))
    names = [d[0] for d in cursor.description]
    published_rows = {
        (r["metric_id"], r["reporting_year"], r["geography_level"], r["geography_code"], r["breakdown"],
         r["group"], r["comparison"]): r
        for r in (dict(zip(names, values)) for values in cursor.fetchall())
    }
    con.close()
    yield rows, published_rows


def test_every_concerns_row_matches_an_independent_computation(built):
    rows, got = built
    expected = expected_rows(rows)
    assert set(got) == set(expected)
    for key, values in expected.items():
        row = got[key]
        for name, value in values.items():
            if isinstance(value, float):
                assert row[name] is not None and math.isclose(row[name], value, rel_tol=1e-9, abs_tol=1e-9), (key, name, row[name], value)
            else:
                assert row[name] == value, (key, name, row[name], value)
        if row["value"] is None:
            assert row["note"], key
            assert row["ci_lower"] is None and row["ci_upper"] is None, key
        if row["suppressed"]:
            assert row["note"].startswith(("Suppressed", SUPPRESSED_NOTE)), key
        assert row["trusts_contributing"] is None and row["trusts_expected"] is None, key


def test_the_data_exercise_every_rule(built):
    """Guards the test itself: the generated data must reach each branch it checks."""
    _, got = built
    rows = list(got.values())

    def some(**conditions):
        return any(all(r[k] == v if not callable(v) else v(r[k]) for k, v in conditions.items()) for r in rows)

    assert some(geography_level="region", suppressed=True, metric_id="concerns_rate_per_1000")
    assert some(geography_level="region", suppressed=False, numerator_a=lambda n: n is not None and n >= 10)
    assert some(geography_level="national", numerator_a=lambda n: n is not None and 1 <= n <= 7)
    assert some(geography_level="national", metric_id="concerns_median_exclusion_days", suppressed=True)
    assert some(metric_id="concerns_median_exclusion_days", suppressed=False, value=lambda v: v is not None)
    assert some(metric_id="concerns_rl_exclusion", equity_band="favourable")
    assert some(metric_id="concerns_rl_exclusion", equity_band="adverse", significant=True)
    assert some(metric_id="concerns_rl_exclusion", value=0.0, ci_lower=None)
    assert some(metric_id="concerns_rl_referral", geography_level="region", value=lambda v: v is not None)
    assert some(reporting_year=QUARANTINED_CASES_YEAR, note=lambda n: n and "No valid concerns case extract" in n)
    assert some(note=lambda n: n and "population file has no practitioners" in n)


def test_no_trust_level_and_no_unlisted_region(built):
    _, got = built
    assert {key[2] for key in got} == {"region", "national"}
    assert {key[3] for key in got} == {*REGIONS, NATIONAL}
