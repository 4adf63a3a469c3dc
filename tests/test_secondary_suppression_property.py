"""Secondary suppression (metrics.md, "Disclosure control"), property-based.

The rule runs in SQL, in two dbt models (through the macro `secondary_suppression`):
int_concerns__secondary_suppression (concerns counts) and int_staff_survey__controlled_counts
(survey respondents). This test compiles those two models with dbt once, and runs their
compiled SQL, exactly as dbt builds them, in an in-memory DuckDB whose `warehouse` catalog
holds a random input table in place of the model's ref. So the code under test is the code
the pipeline runs, hierarchy included.

For random small nations (counts nested the way real ones are: professions add up to `all`,
regions to England, broad groups to BME, and so on), it checks, against the spec's totals as
written out here (for the survey, from method 1.1, also a region = the sum of its trusts and
England = the sum of the regions, with a published total's own cell counting as one of its
figures; tests/test_disclosure_intruder.py attacks whole releases):

- every total has 0 or at least 2 suppressed parts, or exactly 1 when every other part is 0
  (the spec never chooses a zero part); with no zero counts, never exactly 1, so that no
  suppressed value equals a published total minus the published parts of that total;
- primary-suppressed cells stay suppressed, with their rule; the other suppressed cells are
  `secondary`, non-zero and below national level, and nothing else changes;
- the fixpoint is deterministic: the same result when run again and when the input rows
  come in another order;
- it suppresses exactly the cells an independent plain-Python implementation of the rule
  (tests/independent_metrics.py) suppresses.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

try:
    from tests import dbt_fixtures
    from tests.independent_metrics import secondary_suppression as reference_secondary_suppression
except ImportError:  # tests/ is not a package: pytest puts it on sys.path itself
    import dbt_fixtures
    from independent_metrics import secondary_suppression as reference_secondary_suppression

CONCERNS_MODEL = "int_concerns__secondary_suppression"
SURVEY_MODEL = "int_staff_survey__controlled_counts"
COMPILED = {
    CONCERNS_MODEL: Path("models/intermediate/concerns") / f"{CONCERNS_MODEL}.sql",
    SURVEY_MODEL: Path("models/intermediate/staff_survey") / f"{SURVEY_MODEL}.sql",
}
INPUTS = {CONCERNS_MODEL: "int_concerns__primary_suppression", SURVEY_MODEL: "int_staff_survey__pooled_counts"}
# The survey model also reads which region each trust counts towards (method 1.1 totals).
SURVEY_GEOGRAPHIES = "int_staff_survey__trust_geographies"

# The spec's thresholds at their default values (dbt_project.yml vars).
SUPPRESS_MIN, SUPPRESS_MAX, ROUNDING_BASE, SURVEY_MINIMUM_BASE = 1, 7, 5, 11
NATIONAL = "E92000001"
YEAR = 2024

BROAD = ("Asian", "Black", "Mixed", "Other")
ETHNIC = ("White", *BROAD, "Unknown")  # the finest ethnic groups
PLACES = ("UK", "EEA", "Outside EEA", "Unknown")  # the finest places of qualification
PROFESSIONS = ("Doctor", "Dentist", "Pharmacist")
REGIONS = ("Y56", "Y58", "Y59", "Y60")
TRUSTS = ("RAA", "RBB", "RCC", "RDD", "REE")

# metrics.md: the totals of secondary suppression, each as (total, parts).
ETHNIC_TOTALS = [("BME", BROAD), ("All", ("White", "BME", "Unknown"))]
QUALIFICATION_TOTALS = [("IMG", ("EEA", "Outside EEA")), ("All", ("UK", "IMG", "Unknown"))]


# --- Running the compiled models -------------------------------------------------------------


@pytest.fixture(scope="module")
def compiled_sql(tmp_path_factory) -> dict[str, str]:
    """The two models' SQL as dbt compiles them (with the project's default vars)."""
    work_dir = tmp_path_factory.mktemp("compile")
    result = dbt_fixtures.run_dbt(work_dir, "compile", "--select", CONCERNS_MODEL, SURVEY_MODEL)
    assert result.returncode == 0, result.stdout[-4000:]
    compiled_root = work_dir / "dbt_target" / "compiled" / "nhs_equity"
    sql = {model: (compiled_root / path).read_text() for model, path in COMPILED.items()}
    for model, text in sql.items():
        # the model reads its input from the warehouse catalog, which the test supplies
        assert re.search(rf'"warehouse"\."main"\."{INPUTS[model]}"', text), text
    return sql


def run_model(sql: str, input_name: str, rows: pd.DataFrame, more_inputs: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    con = duckdb.connect()
    try:
        con.execute("attach ':memory:' as warehouse")
        for name, frame in {input_name: rows, **(more_inputs or {})}.items():
            con.register("input_rows", frame)
            con.execute(f"create table warehouse.main.{name} as select * from input_rows")
            con.unregister("input_rows")
        return con.execute(sql).df()
    finally:
        con.close()


# --- Random nations ---------------------------------------------------------------------------

# Small counts, often 0 and often in the suppressed range, sometimes larger.
small_count = st.one_of(st.integers(0, 0), st.integers(1, 9), st.integers(10, 40))
positive_count = st.one_of(st.integers(1, 9), st.integers(10, 40))


def rounded(count: int) -> int:
    return (count + ROUNDING_BASE // 2) // ROUNDING_BASE * ROUNDING_BASE


def concerns_cells(joint: dict[tuple[str, str, str, str], int]) -> dict[tuple, int]:
    """Every cell (level, code, breakdown, classification, group) from the finest counts
    joint[(region, profession, ethnic group, place)], summed the way int_concerns__counts does."""
    cells: dict[tuple, int] = defaultdict(int)
    for (region, profession, ethnic, place), n in joint.items():
        ethnic_groups = [ethnic] + (["BME"] if ethnic in BROAD else [])
        places = [place] + (["IMG"] if place in ("EEA", "Outside EEA") else [])
        for level, code in (("region", region), ("national", NATIONAL)):
            for breakdown in ("all", f"profession={profession}"):
                cells[(level, code, breakdown, "all", "All")] += n
                for group in ethnic_groups:
                    cells[(level, code, breakdown, "ethnicity", group)] += n
                for group in places:
                    cells[(level, code, breakdown, "qualification", group)] += n
    return cells


@st.composite
def concerns_nations(draw, count=small_count, sparse=True):
    """Counts of two measures in 2-3 regions. Sparse: most combinations of region,
    profession, ethnic group and place are empty (as in real data), so many cells are 0.
    Not sparse: every combination has a count, so with positive counts no cell is 0."""
    regions = REGIONS[: draw(st.integers(2, 3))]
    measures = ("cases", "exclusions")
    joint = {
        measure: {
            (region, profession, ethnic, place): draw(count)
            for region in regions
            for profession in PROFESSIONS
            for ethnic in ETHNIC
            for place in PLACES
            if not sparse or draw(st.integers(0, 3)) == 0
        }
        for measure in measures
    }
    return {measure: concerns_cells(j) for measure, j in joint.items()}


def concerns_primary_rows(nation: dict[str, dict[tuple, int]]) -> pd.DataFrame:
    """The rows of int_concerns__primary_suppression for these counts: below national level
    1-7 suppressed and others rounded to 5; national exact; plus practitioners (never
    controlled), so that the model's handling of them is exercised too."""
    keys = sorted({key for cells in nation.values() for key in cells})
    rows = []
    for measure, cells in nation.items():
        for key in keys:
            level, code, breakdown, classification, group = key
            n = cells.get(key, 0)
            suppressed = level != "national" and SUPPRESS_MIN <= n <= SUPPRESS_MAX
            rows.append(dict(
                reporting_year=YEAR, geography_level=level, geography_code=code, breakdown=breakdown,
                classification=classification, group_name=group, measure=measure, is_controlled=True,
                exact_count=n, published_count=None if suppressed else (n if level == "national" else rounded(n)),
                is_suppressed=suppressed,
                suppression_rule="primary: a count from 1 to 7 below national level" if suppressed else None,
                count_note=None,
            ))  # fmt: skip
    for key in keys:
        level, code, breakdown, classification, group = key
        rows.append(dict(
            reporting_year=YEAR, geography_level=level, geography_code=code, breakdown=breakdown,
            classification=classification, group_name=group, measure="practitioners", is_controlled=False,
            exact_count=3, published_count=3, is_suppressed=False, suppression_rule=None, count_note=None,
        ))  # fmt: skip
    return pd.DataFrame(rows).astype({"exact_count": "Int64", "published_count": "Int64"})


def concerns_totals(frame: pd.DataFrame) -> list[list[tuple]]:
    """The spec's six totals over the cells of `frame`, as lists of part keys
    (measure, level, code, breakdown, classification, group), written out from metrics.md."""
    cells = set(
        frame.loc[frame["is_controlled"], ["measure", "geography_level", "geography_code", "breakdown",
                                           "classification", "group_name"]].itertuples(index=False, name=None)
    )  # fmt: skip
    below = {c for c in cells if c[1] != "national"}
    totals = []
    measures = {c[0] for c in below}
    regions = sorted({c[2] for c in below})
    breakdowns = sorted({c[3] for c in below})
    professions = [b for b in breakdowns if b != "all"]
    for measure in measures:
        for region in regions:
            for breakdown in breakdowns:
                for classification, spec_totals in (("ethnicity", ETHNIC_TOTALS), ("qualification", QUALIFICATION_TOTALS)):
                    for _, parts in spec_totals:
                        totals.append([(measure, "region", region, breakdown, classification, p) for p in parts])
            groups = [("all", "All")] + [("ethnicity", g) for g in ("White", "BME", "Unknown", *BROAD)] + [
                ("qualification", g) for g in ("UK", "IMG", "EEA", "Outside EEA", "Unknown")
            ]
            for classification, group in groups:  # All professions = Doctor + Dentist + Pharmacist
                totals.append([(measure, "region", region, p, classification, group) for p in professions])
        for breakdown in breakdowns:  # England = the sum of the regions
            for classification, group in {(c[4], c[5]) for c in below}:
                totals.append([(measure, "region", r, breakdown, classification, group) for r in regions])
    return [[part for part in parts if part in cells] for parts in totals]


def survey_pooled_rows(trust_counts: dict[tuple[str, str], int], trust_regions: dict[str, str]) -> pd.DataFrame:
    """The rows of int_staff_survey__pooled_counts: trusts, their regions and England, every
    ethnic group (BME = the broad groups), respondents answering summed over the trusts."""
    cells: dict[tuple, int] = defaultdict(int)
    for (trust, group), n in trust_counts.items():
        groups = [group] + (["BME"] if group in BROAD else [])
        for level, code in (("trust", trust), ("region", trust_regions[trust]), ("national", NATIONAL)):
            for g in groups:
                cells[(level, code, g)] += n
    geographies = sorted({(level, code) for level, code, _ in cells})
    rows = [
        dict(geography_level=level, geography_code=code, reporting_year=YEAR, survey_year=YEAR - 1,
             metric_id=metric_id, group_name=group, respondents_answering=cells.get((level, code, group), 0),
             respondents_counted=cells.get((level, code, group), 0) // 2, trusts_contributing=None,
             trusts_expected=None, counts_note=None)
        for level, code in geographies
        for group in ("White", "BME", "Unknown", *BROAD)
        for metric_id in ("wres5_pct_hba_public", "wres7_pct_equal_opps")
    ]  # fmt: skip
    return pd.DataFrame(rows).astype(
        {"respondents_counted": "Int64", "trusts_contributing": "Int64", "trusts_expected": "Int64",
         "counts_note": "string"}
    )  # fmt: skip


# Respondents per trust and group: few distinct values, so that ties are common; around the
# minimum base of 11.
survey_count = st.sampled_from((0, 0, 2, 6, 10, 11, 12, 15, 20, 40))
positive_survey_count = st.sampled_from((2, 6, 10, 11, 12, 15, 20, 40))


@st.composite
def survey_nations(draw, count=survey_count):
    # two regions of at least two trusts each, as in any real nation: a total of one part (a
    # region of one trust, England of one region) equals it, and no part can be picked
    trusts = TRUSTS[: draw(st.integers(4, 5))]
    regions = {trust: REGIONS[i % 2] if i < 4 else draw(st.sampled_from(REGIONS[:2])) for i, trust in enumerate(trusts)}
    counts = {(trust, group): draw(count) for trust in trusts for group in ETHNIC}
    return survey_pooled_rows(counts, regions), survey_trust_geographies(regions)


def survey_trust_geographies(trust_regions: dict[str, str]) -> pd.DataFrame:
    """The rows of int_staff_survey__trust_geographies the model reads: each trust's region."""
    return pd.DataFrame([
        dict(org_code=trust, reporting_year=YEAR, survey_year=YEAR - 1, geography_level="region",
             geography_code=region, is_expected=True, has_respondents=True)
        for trust, region in sorted(trust_regions.items())
    ])  # fmt: skip


def survey_totals(frame: pd.DataFrame, geographies: pd.DataFrame) -> tuple[list[list[tuple]], list]:
    """The survey's totals as lists of part keys (metric, level, code, group), with each
    total's own published cell (or None), per indicator:
    - BME = Asian + Black + Mixed + Other (total: the BME cell) and All = White + BME +
      Unknown (All is not a cell), per geography below national level;
    - (1.1) a region = the sum of its trusts; England = the sum of the regions, per group."""
    keys = set(frame[["metric_id", "geography_level", "geography_code", "group_name"]].itertuples(index=False, name=None))
    below = frame.loc[frame["geography_level"] != "national", ["metric_id", "geography_level", "geography_code"]]
    totals, total_cells = [], []
    for geography in set(below.itertuples(index=False, name=None)):
        for total, parts in ETHNIC_TOTALS:
            totals.append([(*geography, part) for part in parts])
            total_cells.append((*geography, total) if (*geography, total) in keys else None)
    region_trusts: dict[str, list[str]] = defaultdict(list)
    for trust, region in zip(geographies["org_code"], geographies["geography_code"]):
        region_trusts[region].append(trust)
    for metric in set(frame["metric_id"]):
        for group in ("White", "BME", "Unknown", *BROAD):
            for region, trusts in region_trusts.items():
                totals.append([(metric, "trust", t, group) for t in trusts])
                total_cells.append((metric, "region", region, group))
            totals.append([(metric, "region", r, group) for r in sorted(region_trusts)])
            total_cells.append((metric, "national", NATIONAL, group))
    return totals, total_cells


# --- The properties ---------------------------------------------------------------------------


def assert_no_total_has_one_recoverable_part(totals, suppressed: set, count_of, *, zero_free: bool,
                                              total_cells: list | None = None) -> None:
    for parts, total in zip(totals, total_cells or [None] * len(totals)):
        hidden = [p for p in [*parts, total] if p is not None and p in suppressed]
        if len(hidden) != 1:
            continue
        others = [count_of(p) for p in parts if p not in suppressed]
        # the spec never chooses a zero part: one suppressed part is left only when every
        # other part is 0 (and then there is nothing left to suppress)
        assert all(n == 0 for n in others), (parts, hidden, others)
        assert not zero_free, (parts, hidden)


def concerns_key(row) -> tuple:
    return (row.measure, row.geography_level, row.geography_code, row.breakdown, row.classification, row.group_name)


def check_concerns(compiled_sql, nation, *, zero_free: bool) -> None:
    given_rows = concerns_primary_rows(nation)
    out = run_model(compiled_sql[CONCERNS_MODEL], INPUTS[CONCERNS_MODEL], given_rows)
    assert len(out) == len(given_rows)
    exact = {concerns_key(r): r.exact_count for r in given_rows.itertuples()}
    primary = {concerns_key(r) for r in given_rows.itertuples() if r.is_suppressed}
    published = {concerns_key(r): r.published_count for r in given_rows.itertuples()}
    suppressed = {concerns_key(r) for r in out.itertuples() if r.is_suppressed}

    # primary cells stay suppressed, with their rule; the others are secondary picks:
    # controlled, below national level, non-zero; a cell left published is unchanged
    assert primary <= suppressed
    for r in out.itertuples():
        key = concerns_key(r)
        if key in primary:
            assert r.suppression_rule == "concerns_primary_1_to_7" and pd.isna(r.published_count)
        elif r.is_suppressed:
            assert r.suppression_rule == "secondary" and pd.isna(r.published_count)
            assert r.is_controlled and r.geography_level != "national" and exact[key] > 0
        else:
            assert pd.isna(r.suppression_rule) and r.published_count == published[key]

    totals = concerns_totals(given_rows)
    assert_no_total_has_one_recoverable_part(totals, suppressed, lambda p: exact[p], zero_free=zero_free)

    # the same cells as an independent implementation of the rule; names as in the spec:
    # a group, a profession or a region, whichever varies within the total
    expected = reference_secondary_suppression(exact, primary, totals, name=lambda p: (p[5], p[3], p[2]))
    assert suppressed == expected

    # deterministic: the same again, and with the rows in another order
    shuffled = given_rows.sample(frac=1, random_state=random.Random(len(given_rows)).randrange(2**32))
    again = run_model(compiled_sql[CONCERNS_MODEL], INPUTS[CONCERNS_MODEL], shuffled.reset_index(drop=True))
    assert {concerns_key(r) for r in again.itertuples() if r.is_suppressed} == suppressed


def survey_key(row) -> tuple:
    return (row.metric_id, row.geography_level, row.geography_code, row.group_name)


def check_survey(compiled_sql, nation, *, zero_free: bool) -> None:
    given_rows, geographies = nation
    out = run_model(compiled_sql[SURVEY_MODEL], INPUTS[SURVEY_MODEL], given_rows, {SURVEY_GEOGRAPHIES: geographies})
    assert len(out) == len(given_rows)
    n_of = {survey_key(r): r.respondents_answering for r in given_rows.itertuples()}
    primary = {key for key, n in n_of.items() if 0 < n < SURVEY_MINIMUM_BASE}
    suppressed = {survey_key(r) for r in out.itertuples() if r.suppressed}

    assert primary <= suppressed
    for r in out.itertuples():
        key = survey_key(r)
        if key in primary:
            assert r.suppression_rule == "survey_minimum_base"
        elif r.suppressed:
            # an ethnic total's pick (`secondary`), a trust forced by its region, a region by England
            assert r.suppression_rule in ("secondary", "secondary_region", "secondary_england")
            assert r.geography_level != "national" and n_of[key] > 0
            assert r.suppression_rule != "secondary_region" or r.geography_level == "trust"
            assert r.suppression_rule != "secondary_england" or r.geography_level == "region"
        else:
            assert pd.isna(r.suppression_rule) and pd.isna(r.suppression_note)
        # the counts stay in the model (the metric rows hide them); the note never gives them
        assert r.respondents_answering == n_of[key]

    totals, total_cells = survey_totals(given_rows, geographies)
    assert_no_total_has_one_recoverable_part(totals, suppressed, lambda p: n_of[p], zero_free=zero_free,
                                             total_cells=total_cells)  # fmt: skip
    assert suppressed == reference_secondary_suppression(n_of, primary, totals, name=lambda p: (p[3], p[2]),
                                                         total_cells=total_cells)  # fmt: skip

    shuffled = given_rows.iloc[::-1].reset_index(drop=True)
    again = run_model(compiled_sql[SURVEY_MODEL], INPUTS[SURVEY_MODEL], shuffled, {SURVEY_GEOGRAPHIES: geographies})
    assert {survey_key(r) for r in again.itertuples() if r.suppressed} == suppressed


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                            HealthCheck.too_slow])  # fmt: skip


@SETTINGS
@given(nation=concerns_nations())
def test_concerns_secondary_suppression_leaves_nothing_to_subtract(compiled_sql, nation):
    check_concerns(compiled_sql, nation, zero_free=False)


@SETTINGS
@given(nation=concerns_nations(count=positive_count, sparse=False))
def test_concerns_without_zero_counts_no_total_has_exactly_one_suppressed_part(compiled_sql, nation):
    check_concerns(compiled_sql, nation, zero_free=True)


@SETTINGS
@given(nation=survey_nations())
def test_survey_secondary_suppression_leaves_nothing_to_subtract(compiled_sql, nation):
    check_survey(compiled_sql, nation, zero_free=False)


@SETTINGS
@given(nation=survey_nations(count=positive_survey_count))
def test_survey_without_zero_counts_no_total_has_exactly_one_suppressed_part(compiled_sql, nation):
    check_survey(compiled_sql, nation, zero_free=True)
