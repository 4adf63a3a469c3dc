"""An intruder who reads only the published tables and tries to recover a suppressed staff
survey count by subtraction (metrics.md 1.1, "Disclosure control"; methodology decisions
90-94).

What the intruder reads: `equity_metrics` (the survey indicators wres5-8: counts of every
published row, and which rows are suppressed), `equity_trends` (`value`, `previous_value`
and `change`: on a successor, its lineage's percentage), `equity_benchmarks` and
`national_scorecard` (values repeated from equity_metrics), and the `organisations` lookup
(which region each trust is in, and which trusts merged into which).

What it knows: per indicator, year and group, and for each of the two counts
(`numerator_a`, `denominator_a`), every published count; a row without counts that is not
suppressed has none (0). The totals it may subtract within (every level, England included):
- BME = Asian + Black + Mixed + Other, within one geography;
- a region = the sum of its trusts;
- England = the sum of the regions;
- a successor's lineage = the sum of the trusts it pools: only its percentage is published
  (equity_trends), so with one trust unknown the intruder looks for the one pair of counts
  that gives exactly that percentage (under 11 respondents where the row's note says it
  is under the minimum base: the notes are published too).
A total's own figure is one of its unknowns when it is suppressed, so adding the parts up is
tried as well as subtracting them. It repeats, using what it has recovered, until nothing
more comes out. To recover is to derive the exact `numerator_a` or `denominator_a` of a
suppressed row.

Before it trusts an equation it checks it on the published counts: every total whose figures
are all published must equal the sum of its parts. Otherwise a "nothing recovered" could come
from equations that do not describe the data.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

SURVEY_METRICS = ("wres5_pct_hba_public", "wres6_pct_hba_staff", "wres7_pct_equal_opps", "wres8_pct_discrimination")
BROAD = ("Asian", "Black", "Mixed", "Other")
COUNTS = ("numerator_a", "denominator_a")
# The largest count the lineage search tries for a trust's respondents answering; a row whose
# note says it is under the minimum base has fewer than MINIMUM_BASE.
LINEAGE_SEARCH_LIMIT = 5000
MINIMUM_BASE = 11


@dataclass
class Attack:
    """What the intruder recovered: (metric, year, level, code, group, count column) -> count."""

    recovered: dict[tuple, int] = field(default_factory=dict)
    suppressed: int = 0
    equations: int = 0
    # figures shown again in another table where equity_metrics suppressed them
    shown_elsewhere: list[tuple] = field(default_factory=list)

    def recovered_rows(self) -> set[tuple]:
        return {key[:5] for key in self.recovered}


# --- Reading the published tables ----------------------------------------------------------


def read_release(release: Path) -> dict[str, pd.DataFrame]:
    """The tables the intruder reads, from a release's parquet files."""

    def partitioned(table: str) -> pd.DataFrame:
        return duckdb.sql(
            f"select * from read_parquet('{release}/{table}/*/*.parquet', hive_partitioning = true)"
        ).df()

    tables = {table: partitioned(table) for table in ("equity_metrics", "equity_trends", "equity_benchmarks",
                                                        "national_scorecard")}  # fmt: skip
    tables["organisations"] = duckdb.sql(f"select * from read_parquet('{release}/organisations/organisations.parquet')").df()
    return tables


def read_warehouse(warehouse: Path) -> dict[str, pd.DataFrame]:
    """The same tables from the marts of a dbt warehouse (what the publisher would write)."""
    marts = {"equity_metrics": "fct_equity_metrics", "equity_trends": "fct_equity_trends",
             "equity_benchmarks": "fct_equity_benchmarks", "national_scorecard": "fct_national_scorecard",
             "organisations": "dim_organisations"}  # fmt: skip
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {table: con.execute(f"select * from main.{model}").df() for table, model in marts.items()}
    finally:
        con.close()


# --- The attack ------------------------------------------------------------------------------


def attack(tables: dict[str, pd.DataFrame]) -> Attack:
    metrics = tables["equity_metrics"]
    metrics = metrics[metrics["metric_id"].isin(SURVEY_METRICS)]
    organisations = tables["organisations"]
    region_of = dict(zip(organisations["org_code"], organisations["region_code"]))
    result = Attack()

    known: dict[tuple, int] = {}  # (metric, year, level, code, group, column) -> count
    suppressed: set[tuple] = set()  # (metric, year, level, code, group)
    small: set[tuple] = set()  # suppressed rows whose note says: under the minimum base
    rows = metrics[["metric_id", "reporting_year", "geography_level", "geography_code", "group", "suppressed",
                    "note", *COUNTS]].itertuples(index=False, name=None)  # fmt: skip
    for metric, year, level, code, group, is_suppressed, note, numerator, denominator in rows:
        row = (metric, int(year), level, code, group)
        if is_suppressed:
            suppressed.add(row)
            if isinstance(note, str) and "minimum base" in note:
                small.add(row)
            continue
        for column, count in zip(COUNTS, (numerator, denominator)):
            known[(*row, column)] = 0 if pd.isna(count) else int(count)
    result.suppressed = len(suppressed)
    all_rows = suppressed | {key[:5] for key in known}

    # the additive totals: (total row, [part rows]) per metric, year and group
    equations: list[tuple[tuple, list[tuple]]] = []
    by_slice: dict[tuple, list[tuple]] = defaultdict(list)
    for row in all_rows:
        by_slice[(row[0], row[1], row[4])].append(row)
    for (metric, year, group), slice_rows in by_slice.items():
        regions = defaultdict(list)
        for row in slice_rows:
            if row[2] == "trust":
                regions[region_of.get(row[3])].append(row)
        for region, trusts in regions.items():
            equations.append(((metric, year, "region", region, group), trusts))
        equations.append(((metric, year, "national", None, group), [r for r in slice_rows if r[2] == "region"]))
    geographies = {(row[0], row[1], row[2], row[3]) for row in all_rows}
    for metric, year, level, code in geographies:
        equations.append(((metric, year, level, code, "BME"), [(metric, year, level, code, g) for g in BROAD]))
    national = {(r[0], r[1], r[4]): r[3] for r in all_rows if r[2] == "national"}
    equations = [
        ((t[0], t[1], t[2], national.get((t[0], t[1], t[4])), t[4]) if t[2] == "national" else t, parts)
        for t, parts in equations
    ]
    equations = [(total, [p for p in parts if p in all_rows]) for total, parts in equations if total in all_rows]
    result.equations = len(equations)

    lineages = _lineage_figures(tables, all_rows)
    _check_equations(equations, known)

    progress = True
    while progress:
        progress = False
        for total, parts in equations:
            for column in COUNTS:
                members = [total, *parts]
                unknown = [m for m in members if (*m, column) not in known]
                if len(unknown) != 1:
                    continue
                (missing,) = unknown
                parts_sum = sum(known[(*p, column)] for p in parts if p != missing)
                value = parts_sum if missing == total else known[(*total, column)] - parts_sum
                known[(*missing, column)] = value
                progress = True
        for (metric, year, group, percentage), trusts in lineages.items():
            unknown = [t for t in trusts if any((*t, c) not in known for c in COUNTS)]
            if len(unknown) != 1:
                continue
            limit = MINIMUM_BASE - 1 if unknown[0] in small else LINEAGE_SEARCH_LIMIT
            solved = _solve_lineage(percentage, trusts, unknown[0], known, limit)
            if solved is not None:
                for column, count in zip(COUNTS, solved):
                    known[(*unknown[0], column)] = count
                progress = True

    result.recovered = {key: count for key, count in known.items() if key[:5] in suppressed}
    result.shown_elsewhere = _shown_elsewhere(tables, suppressed)
    return result


def _check_equations(equations, known) -> None:
    for total, parts in equations:
        for column in COUNTS:
            members = [total, *parts]
            if all((*m, column) in known for m in members):
                assert known[(*total, column)] == sum(known[(*p, column)] for p in parts), (
                    f"the intruder's equation {total} = {parts} does not hold on the published {column}"
                )


def _lineage_figures(tables, all_rows) -> dict[tuple, list[tuple]]:
    """(metric, year, group, lineage percentage) -> the trust rows the lineage pools, for
    every successor year equity_trends shows a percentage for (value, previous_value, or
    value - change)."""
    organisations = tables["organisations"]
    successor = {o: s for o, s in zip(organisations["org_code"], organisations["successor_org_code"]) if pd.notna(s)}

    def end_of(code: str) -> str:
        seen = set()
        while code in successor and code not in seen:
            seen.add(code)
            code = successor[code]
        return code

    members = defaultdict(set)
    for code in successor:
        members[end_of(code)].add(code)
    for code in list(members):
        members[code].add(code)

    trends = tables["equity_trends"]
    trends = trends[trends["metric_id"].isin(SURVEY_METRICS) & trends["geography_code"].isin(members)
                    & (trends["geography_level"] == "trust")]  # fmt: skip
    figures: dict[tuple, list[tuple]] = {}
    for r in trends.itertuples(index=False):
        year = int(r.reporting_year)
        shown = [(year, r.value), (year - 1, r.previous_value)]
        if pd.notna(r.change) and pd.notna(r.value):
            shown.append((year - 1, r.value - r.change))
        for y, percentage in shown:
            if pd.isna(percentage):
                continue
            pooled = [(r.metric_id, y, "trust", code, r.group) for code in sorted(members[r.geography_code])]
            pooled = [row for row in pooled if row in all_rows]
            if pooled:
                figures[(r.metric_id, y, r.group, float(percentage))] = pooled
    return figures


def _solve_lineage(percentage: float, trusts, unknown_trust, known, limit: int) -> tuple[int, int] | None:
    """The one (numerator, denominator) of the unknown trust, denominator at most `limit`,
    that gives the lineage's percentage with the other trusts' published counts; None when
    none or several do."""
    numerator = sum(known[(*t, "numerator_a")] for t in trusts if t != unknown_trust)
    denominator = sum(known[(*t, "denominator_a")] for t in trusts if t != unknown_trust)
    given_d = known.get((*unknown_trust, "denominator_a"))
    given_n = known.get((*unknown_trust, "numerator_a"))
    solutions = []
    for d in [given_d] if given_d is not None else range(1, limit + 1):
        n = round(percentage / 100 * (denominator + d)) - numerator
        if not 0 <= n <= d or (given_n is not None and n != given_n):
            continue
        if denominator + d > 0 and abs(100.0 * (numerator + n) / (denominator + d) - percentage) < 1e-9:
            solutions.append((n, d))
            if len(solutions) > 1:
                return None
    return solutions[0] if solutions else None


def _shown_elsewhere(tables, suppressed) -> list[tuple]:
    """Suppressed equity_metrics figures whose value another published table shows."""
    shown = []
    for table in ("equity_trends", "equity_benchmarks"):
        frame = tables[table]
        frame = frame[frame["metric_id"].isin(SURVEY_METRICS) & frame["value"].notna()]
        for r in frame.itertuples(index=False):
            if (r.metric_id, int(r.reporting_year), r.geography_level, r.geography_code, r.group) in suppressed:
                shown.append((table, r.metric_id, int(r.reporting_year), r.geography_code, r.group))
    scorecard = tables["national_scorecard"]
    metrics = tables["equity_metrics"]
    national = {(r.metric_id, int(r.reporting_year), r.group): r.geography_code
                for r in metrics[metrics["geography_level"] == "national"].itertuples(index=False)}  # fmt: skip
    for r in scorecard[scorecard["metric_id"].isin(SURVEY_METRICS)].itertuples(index=False):
        for group, value in ((r.group, r.england_value), ("White", r.white_value)):
            code = national.get((r.metric_id, int(r.reporting_year), group))
            if pd.notna(value) and (r.metric_id, int(r.reporting_year), "national", code, group) in suppressed:
                shown.append(("national_scorecard", r.metric_id, int(r.reporting_year), code, group))
    return shown
