"""The floor of `make bench`: the least a program must do to compute the same England and
region values from the same landing files, with DuckDB and a fast workbook reader, and
nothing else (no validation, orchestration, reports or release).

It computes, for every reporting year in landing, the pooled counts and values of WRES
indicators 2, 3 and 4 (relative likelihoods) and 5 to 8 (staff survey percentages, White
and BME) for England and each region. `--release` checks them against a release: every
count must be equal and every value agree to 1e-9 relative. It assumes a clean landing
folder (the benchmark's generated nation), where the pipeline quarantines nothing.

    python tests/benchmark/floor.py LANDING [--release RELEASE_DIR]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import math
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
from python_calamine import CalamineWorkbook

ENGLAND = "E92000001"
WRES_SHEETS = {
    "workforce": ("headcount",),
    "recruitment": ("shortlisted", "appointed"),
    "disciplinary": ("entered_formal_disciplinary",),
    "training": ("accessed_non_mandatory_training",),
}
SURVEY_ITEMS = ("q_hba_public", "q_hba_manager", "q_hba_colleagues", "q_equal_opps", "q_discrim_mgr_colleague")


def _text(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() or None


def wres_counts(landing: Path) -> pa.Table:
    """(reporting_year, org_code, ethnic_category, measure, n) from every WRES workbook."""
    columns: dict[str, list] = {"reporting_year": [], "org_code": [], "ethnic_category": [], "measure": [], "n": []}
    for path in sorted(landing.glob("wres/*/*_wres_*.xlsx")):
        year, org = int(path.parent.name), path.name.split("_")[0].upper()
        book = CalamineWorkbook.from_path(str(path))
        for sheet, measures in WRES_SHEETS.items():
            rows = book.get_sheet_by_name(sheet).to_python()
            header = [str(h).strip().lower() for h in rows[0]]
            category = header.index("ethnic_category")
            positions = [(m, header.index(m)) for m in measures]
            for row in rows[1:]:
                for measure, position in positions:
                    value = _text(row[position])
                    if value is None:
                        continue
                    columns["reporting_year"].append(year)
                    columns["org_code"].append(org)
                    columns["ethnic_category"].append(_text(row[category]))
                    columns["measure"].append(measure)
                    columns["n"].append(int(value))
    return pa.table(columns)


def survey_relation(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    """View `survey`: survey_year, org_code, ethnic_category and the five items, every year."""
    selects = []
    for folder in sorted(p for p in (landing / "staff_survey").iterdir() if p.is_dir()):
        (path,) = [p for p in folder.iterdir() if p.name.lower().startswith("responses.")]
        rename = {}
        column_map = folder / "column_map.csv"
        if column_map.exists():
            with column_map.open(encoding="utf-8-sig") as handle:
                rename = {r["source_column"].strip().lower(): r["canonical_column"].strip().lower() for r in csv.DictReader(handle)}
        if path.name.lower().endswith(".parquet"):
            source = f"read_parquet('{path}')"
            names = duckdb.sql(f"select * from {source} limit 0").columns
        else:
            opener = gzip.open if path.name.lower().endswith(".gz") else open
            with opener(path, "rt", encoding="utf-8-sig") as handle:
                names = next(csv.reader(io.StringIO(handle.readline())))
            source = f"read_csv('{path}', header=true, all_varchar=true)"
        by_canonical = {rename.get(n.strip().lower(), n.strip().lower()): n for n in names}
        wanted = ["org_code", "ethnic_category", *SURVEY_ITEMS]
        picked = ", ".join(f'trim("{by_canonical[c]}"::varchar) as {c}' for c in wanted)
        selects.append(f"select {int(folder.name)} as survey_year, {picked} from {source}")
    con.sql("create or replace view survey as " + " union all ".join(selects))


def floor_values(landing: Path) -> list[tuple]:
    con = duckdb.connect()
    con.register("wres_counts", wres_counts(landing))
    con.sql(
        f"""create table etr as select trim(column00) as org_code, trim(column02) as region_code
        from read_csv('{landing / 'reference' / 'etr.csv'}', header=false, all_varchar=true)"""
    )
    survey_relation(con, landing)
    groups = """case when ethnic_category in ('A','B','C') then 'White'
                     when ethnic_category in ('D','E','F','G','H','J','K','L','M','N','P','R','S') then 'BME'
                     else 'Unknown' end"""
    con.sql(
        f"""create table wres_pooled as
        with counted as (
            select w.reporting_year, e.region_code, {groups} as grp, measure, n
            from wres_counts w join etr e using (org_code)
        ), by_area as (
            select reporting_year, 'region' as level, region_code as code, grp, measure, sum(n) as n
            from counted group by all
            union all
            select reporting_year, 'national', '{ENGLAND}', grp, measure, sum(n) from counted group by all
        )
        pivot by_area on measure using sum(n)"""
    )
    rl = []
    for metric, num, den, interest, reference in (
        ("wres2_rl_appointed", "appointed", "shortlisted", "White", "BME"),
        ("wres3_rl_disciplinary", "entered_formal_disciplinary", "headcount", "BME", "White"),
        ("wres4_rl_training", "accessed_non_mandatory_training", "headcount", "White", "BME"),
    ):
        rl.append(
            f"""select '{metric}' as metric_id, a.reporting_year, a.level, a.code, '{interest} vs {reference}' as label,
                a.{num}::bigint as numerator_a, a.{den}::bigint as denominator_a,
                b.{num}::bigint as numerator_b, b.{den}::bigint as denominator_b,
                (a.{num} / a.{den}) / (b.{num} / b.{den}) as value
            from wres_pooled a join wres_pooled b using (reporting_year, level, code)
            where a.grp = '{interest}' and b.grp = '{reference}'"""
        )
    survey = """
        with answers as (
            select survey_year + 1 as reporting_year, region_code, {groups} as grp,
                try_cast(q_hba_public as int) as pub, try_cast(q_hba_manager as int) as mgr,
                try_cast(q_hba_colleagues as int) as col, try_cast(q_equal_opps as int) as eq,
                try_cast(q_discrim_mgr_colleague as int) as dis
            from survey join etr using (org_code)
        ), flags as (
            select reporting_year, region_code, grp,
                'wres5_pct_hba_public' as metric_id, pub is not null as answered, coalesce(pub >= 2, false) as positive from answers
            union all select reporting_year, region_code, grp, 'wres6_pct_hba_staff',
                mgr is not null or col is not null, coalesce(mgr >= 2, false) or coalesce(col >= 2, false) from answers
            union all select reporting_year, region_code, grp, 'wres7_pct_equal_opps', eq is not null, coalesce(eq = 1, false) from answers
            union all select reporting_year, region_code, grp, 'wres8_pct_discrimination', dis is not null, coalesce(dis = 1, false) from answers
        ), areas as (
            select metric_id, reporting_year, 'region' as level, region_code as code, grp, answered, positive from flags
            union all select metric_id, reporting_year, 'national', '{england}', grp, answered, positive from flags
        )
        select metric_id, reporting_year, level, code, grp as label,
            count(*) filter (where answered and positive) as numerator_a, count(*) filter (where answered) as denominator_a,
            null::bigint as numerator_b, null::bigint as denominator_b,
            100.0 * count(*) filter (where answered and positive) / count(*) filter (where answered) as value
        from areas where grp in ('White', 'BME') group by all
    """.format(groups=groups, england=ENGLAND)
    con.sql("create table survey_values as " + survey)
    return con.sql(" union all ".join([*rl, "select * from survey_values"]) + " order by all").fetchall()


def compare(values: list[tuple], release: Path) -> str:
    """Every floor row against the release's row: equal counts, values within 1e-9 relative."""
    rows = duckdb.sql(
        f"""select metric_id, reporting_year, geography_level, geography_code, coalesce(comparison, "group"),
                numerator_a, denominator_a, numerator_b, denominator_b, value
            from read_parquet('{release}/equity_metrics/*/*.parquet', hive_partitioning=true)
            where breakdown = 'all' and geography_level in ('region', 'national')"""
    ).fetchall()
    published = {row[:5]: row[5:] for row in rows}
    problems = []
    for row in values:
        key, mine = row[:5], row[5:]
        theirs = published.get(key)
        if theirs is None:
            problems.append(f"{key}: not in the release")
        elif theirs[0] is None and theirs[1] is None:
            continue  # suppressed in the release: nothing to compare
        elif tuple(mine[:4]) != tuple(theirs[:4]):
            problems.append(f"{key}: counts {mine[:4]} != {theirs[:4]}")
        elif not (mine[4] is None and theirs[4] is None) and not math.isclose(mine[4], theirs[4], rel_tol=1e-9, abs_tol=0):
            problems.append(f"{key}: value {mine[4]!r} != {theirs[4]!r}")
    if problems:
        raise SystemExit(f"the floor disagrees with {release} on {len(problems)} rows:\n" + "\n".join(problems[:20]))
    return f"the floor agrees with the release on all {len(values)} rows (counts equal, values to 1e-9 relative)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("landing", type=Path)
    parser.add_argument("--release", type=Path)
    args = parser.parse_args()
    values = floor_values(args.landing)
    print(f"{len(values)} England and region values")
    if args.release:
        print(compare(values, args.release))


if __name__ == "__main__":
    sys.exit(main())
