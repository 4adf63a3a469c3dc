"""Validated-zone fixtures for building the dbt project without the ingest step.

`write_validated_zone(work_dir)` writes every table of ingest/tables.py (plus
file_outcomes.parquet) with the validated-zone schema, empty unless rows are given.
`sample_rows()` is a tiny hand-made data set whose WRES figures are easy to check by hand.

    python tests/dbt_fixtures.py /tmp/work          # sample data
    python tests/dbt_fixtures.py /tmp/work --empty  # empty validated zone
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import shutil
import subprocess
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from exports.previous_release import PREVIOUS_RELEASE_INPUTS_SCHEMA
from ingest.config import DBT_INSTALLED_PARSE
from nhs_equity_monitor import dbt_build
from ingest.tables import FILE_ORG_CODE, FILE_YEAR, PROVENANCE, SOURCE_FILE, SOURCE_ROW, TABLES

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"

ARROW_TYPES = {"string": pa.string(), "int64": pa.int64(), "date": pa.date32()}
PROVENANCE_TYPES = {
    SOURCE_FILE: pa.string(),
    SOURCE_ROW: pa.int64(),
    FILE_YEAR: pa.int64(),
    FILE_ORG_CODE: pa.string(),
}
FILE_OUTCOMES_SCHEMA = pa.schema(
    [
        ("source_file", pa.string()),
        ("source", pa.string()),
        ("reporting_year", pa.int64()),
        ("org_code", pa.string()),
        ("sha256", pa.string()),
        ("size_bytes", pa.int64()),
        ("rows_read", pa.int64()),
        ("outcome", pa.string()),
        ("reason", pa.string()),
    ]
)


def validated_schema(table: str) -> pa.Schema:
    columns = {**TABLES[table].columns, **TABLES[table].derived}
    fields = [(name, ARROW_TYPES[kind]) for name, kind in columns.items()]
    fields += [(name, PROVENANCE_TYPES[name]) for name in PROVENANCE]
    return pa.schema(fields)


def write_validated_zone(work_dir: Path, rows: dict[str, list[dict]] | None = None) -> None:
    """Write work_dir/validated/<table>.parquet for every table, work_dir/file_outcomes.parquet
    and work_dir/previous_release_inputs.parquet (empty unless rows are given: no previous release)."""
    rows = rows or {}
    validated = Path(work_dir) / "validated"
    validated.mkdir(parents=True, exist_ok=True)
    for table in TABLES:
        schema = validated_schema(table)
        pq.write_table(pa.Table.from_pylist(rows.get(table, []), schema=schema), validated / f"{table}.parquet")
    outcomes = pa.Table.from_pylist(rows.get("file_outcomes", []), schema=FILE_OUTCOMES_SCHEMA)
    pq.write_table(outcomes, Path(work_dir) / "file_outcomes.parquet")
    previous = pa.Table.from_pylist(
        rows.get("previous_release_inputs", []), schema=PREVIOUS_RELEASE_INPUTS_SCHEMA
    )
    pq.write_table(previous, Path(work_dir) / "previous_release_inputs.parquet")


# ---------------------------------------------------------------------------------------
# A tiny sample. Two regions, five trusts, reporting years 2023 and 2024.
#   RAA, RBB, REE in London (Y56); RCC, RDD in the South West (Y58).
#   RDD closes on 2023-03-31 (successor RCC): expected in 2023 only.
#   REE opens on 2023-06-01: expected in 2024 only, and its 2024 return is quarantined.
# ---------------------------------------------------------------------------------------
D = dt.date

ORGANISATIONS = [
    # org_code, name, region, icb, open, close
    ("RAA", "Alpha Hospitals NHS Trust", "Y56", "QAA", D(2000, 4, 1), None),
    ("RBB", "Beta Healthcare NHS Trust", "Y56", "QAA", D(2000, 4, 1), None),
    ("RCC", "Gamma Community NHS Trust", "Y58", "QBB", D(2000, 4, 1), None),
    ("RDD", "Delta Ambulance NHS Trust", "Y58", "QBB", D(2000, 4, 1), D(2023, 3, 31)),
    ("REE", "Epsilon Mental Health NHS Trust", "Y56", "QAA", D(2023, 6, 1), None),
    # Not monitored (input contract 1.1): in Wales, and a new trust with no grouping or open
    # date yet. Neither is ever expected; RWW's survey respondents count nowhere.
    ("RWW", "Zeta Welsh NHS Trust", "W00", "Q99", D(2000, 4, 1), None),
    ("RUU", "Eta University NHS Foundation Trust", None, None, None, None),
]
UNATTRIBUTABLE = {"RUU": "the national grouping (column 3) is empty; the open date (column 11) is empty"}

# Per (trust, year): per ethnic category (headcount, shortlisted, appointed, disciplinary,
# training). A category absent from a sheet means zero; None below leaves it off the sheet.
WRES = {
    ("RAA", 2023): {
        "A": (200, 60, 20, 2, 40), "C": (100, 40, 10, 1, 20),
        "H": (50, 30, 6, 2, 5), "M": (50, 20, 4, 3, 5), "Z": (20, 10, 3, 0, 1),
    },  # White 30/100 appointed, BME 10/50: RL 1.5
    ("RBB", 2023): {
        "A": (80, 10, 5, 1, 8), "N": (60, 40, 20, 3, 3), "R": (20, None, None, 1, 1),
    },  # White 5/10, BME 20/40: RL 1.0
    ("RCC", 2023): {
        "A": (120, 30, 6, 1, 30), "H": (30, None, None, 0, 2), "Z": (5, 2, 1, None, None),
    },  # no BME shortlisted: RL undefined
    ("RDD", 2023): {
        "B": (90, 25, 5, 1, 9), "K": (30, 15, 0, 2, 0),
    },  # BME appointed 0 (reference rate 0): wres2 undefined; BME training 0: wres4 undefined
    ("RAA", 2024): {
        "A": (210, 50, 0, 0, 30), "C": (90, 30, 0, 2, 10),
        "H": (60, 40, 8, 0, 12), "M": (40, 20, 2, 1, 8), "99": (10, 5, 1, 0, 1),
    },  # White appointed 0: value 0, CI null; BME disciplinary 1 of 100
    ("RBB", 2024): {"A": (85, 12, 6, 1, 9), "N": (65, 45, 15, 2, 4)},
    ("RCC", 2024): {"A": (130, 35, 7, 2, 33), "H": (35, 10, 2, 1, 3)},
}

SUBMITTED = {
    ("RAA", 2023): D(2023, 8, 20), ("RBB", 2023): D(2023, 9, 15), ("RCC", 2023): D(2023, 7, 1),
    ("RDD", 2023): D(2023, 6, 30), ("RAA", 2024): D(2024, 8, 1), ("RBB", 2024): D(2024, 8, 31),
    ("RCC", 2024): D(2024, 8, 2),
}


def _provenance(source_file: str, row: int, year: int | None, org: str | None) -> dict:
    return {SOURCE_FILE: source_file, SOURCE_ROW: row, FILE_YEAR: year, FILE_ORG_CODE: org}


def sample_rows() -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {name: [] for name in TABLES}
    outcomes: list[dict] = []

    def outcome(source_file, source, year, org, rows_read, result="loaded", reason=None):
        outcomes.append(
            {"source_file": source_file, "source": source, "reporting_year": year, "org_code": org,
             "sha256": hashlib.sha256(source_file.encode()).hexdigest(), "size_bytes": 1000 + rows_read,
             "rows_read": rows_read, "outcome": result, "reason": reason}
        )

    etr = "reference/etr.csv"
    for i, (code, name, region, icb, opened, closed) in enumerate(ORGANISATIONS, start=1):
        rows["ref_etr"].append(
            {"org_code": code, "org_name": name, "region_code": region, "icb_code": icb,
             "postcode": "AB1 2CD", "open_date": opened, "close_date": closed,
             "unattributable_reason": UNATTRIBUTABLE.get(code), **_provenance(etr, i, None, None)}
        )
    outcome(etr, "reference", None, None, len(ORGANISATIONS))
    regions = [("Y56", "London"), ("Y58", "South West"), ("Y60", "Midlands")]
    for i, (code, name) in enumerate(regions, start=2):
        rows["ref_regions"].append({"region_code": code, "region_name": name,
                                    **_provenance("reference/regions.csv", i, None, None)})
    outcome("reference/regions.csv", "reference", None, None, len(regions))
    for i, (code, kind) in enumerate([("RAA", "acute"), ("RBB", "acute"), ("RCC", "community")], start=2):
        rows["ref_trust_types"].append({"org_code": code, "trust_type": kind,
                                        **_provenance("reference/trust_types.csv", i, None, None)})
    outcome("reference/trust_types.csv", "reference", None, None, 3)
    rows["ref_successors"].append({"old_org_code": "RDD", "new_org_code": "RCC",
                                   "effective_date": D(2023, 4, 1),
                                   **_provenance("reference/successors.csv", 2, None, None)})
    outcome("reference/successors.csv", "reference", None, None, 1)

    for (org, year), categories in WRES.items():
        path = f"wres/{year}/{org}_wres_{year}.xlsx"
        rows["wres_submission"].append(
            {"org_code": org, "reporting_year": year, "submission_date": SUBMITTED[(org, year)],
             **_provenance(path, 2, year, org)}
        )
        sheet_rows = {"wres_workforce": 1, "wres_recruitment": 1, "wres_disciplinary": 1,
                      "wres_training": 1, "wres_board": 1}

        def add(table, values):
            sheet_rows[table] += 1
            rows[table].append({**values, **_provenance(path, sheet_rows[table], year, org)})

        for category, (headcount, shortlisted, appointed, disciplinary, training) in categories.items():
            # Split the headcount over two bands to exercise the sum over staff groups and bands.
            clinical = headcount // 2
            add("wres_workforce", {"staff_group": "Clinical", "band": "Band 5",
                                   "ethnic_category": category, "headcount": clinical})
            add("wres_workforce", {"staff_group": "Non-clinical", "band": "Band 3",
                                   "ethnic_category": category, "headcount": headcount - clinical})
            if shortlisted is not None:
                add("wres_recruitment", {"ethnic_category": category, "shortlisted": shortlisted,
                                         "appointed": appointed})
            if disciplinary is not None:
                add("wres_disciplinary", {"ethnic_category": category,
                                          "entered_formal_disciplinary": disciplinary})
            if training is not None:
                add("wres_training", {"ethnic_category": category,
                                      "accessed_non_mandatory_training": training})
        add("wres_board", {"ethnic_category": "A", "executive": "Y", "voting": "Y", "members": 5})
        add("wres_board", {"ethnic_category": "H", "executive": "N", "voting": "Y", "members": 2})
        outcome(path, "wres", year, org, 1 + sum(n - 1 for n in sheet_rows.values()))
    outcome("wres/2024/REE_wres_2024.xlsx", "wres", 2024, "REE", 12, "quarantined",
            "recruitment: appointed greater than shortlisted (1 row)")

    for survey_year in (2022, 2023):
        path = f"staff_survey/{survey_year}/responses.csv"
        for i in range(6):
            rows["survey_responses"].append(
                {"survey_year": survey_year, "org_code": "RAA", "respondent_id": f"r{i}",
                 "ethnic_category": "A" if i % 2 else "H", "q_hba_public": 1 + i % 3,
                 "q_hba_manager": 1, "q_hba_colleagues": None if i == 0 else 2,
                 "q_equal_opps": 1 + i % 3, "q_discrim_mgr_colleague": 1 + i % 2,
                 **_provenance(path, i + 2, survey_year, None)}
            )
        for i in range(2):  # respondents of a Welsh trust: left out of every level
            rows["survey_responses"].append(
                {"survey_year": survey_year, "org_code": "RWW", "respondent_id": f"w{i}",
                 "ethnic_category": "H", "q_hba_public": 5, "q_hba_manager": 5, "q_hba_colleagues": 5,
                 "q_equal_opps": 2, "q_discrim_mgr_colleague": 1, **_provenance(path, i + 8, survey_year, None)}
            )
        outcome(path, "staff_survey", survey_year, None, 8)

    for year in (2023, 2024):
        path = f"concerns/{year}/cases.csv"
        for i in range(3):
            excluded = i == 0
            rows["concerns_cases"].append(
                {"case_ref": f"C{year}-{i}", "practitioner_pseudonym": f"{i:064x}",
                 "profession": "Doctor", "ethnic_category": "A" if i else "M",
                 "place_of_first_qualification": "UK" if i else "Outside EEA",
                 "gender": "Female", "age_band": "35-44", "org_code": "RAA", "region_code": "Y56",
                 "case_opened_date": D(year - 1, 6, 1 + i), "case_closed_date": None,
                 "concern_types": "clinical;behaviour", "excluded": "Y" if excluded else "N",
                 "exclusion_start_date": D(year - 1, 6, 10) if excluded else None,
                 "exclusion_end_date": D(year - 1, 8, 10) if excluded else None,
                 "assessment_referred": "N", "assessment_outcome": None,
                 **_provenance(path, i + 2, year, None)}
            )
        outcome(path, "concerns", year, None, 3)
        path = f"concerns/{year}/practitioner_population.csv"
        for i, (category, pfq, n) in enumerate([("A", "UK", 900), ("M", "Outside EEA", 300)]):
            rows["concerns_population"].append(
                {"reporting_year": year, "profession": "Doctor", "region_code": "Y56",
                 "ethnic_category": category, "place_of_first_qualification": pfq,
                 "practitioners": n, **_provenance(path, i + 2, year, None)}
            )
        outcome(path, "concerns", year, None, 2)

    rows["file_outcomes"] = outcomes
    return rows


def run_dbt(work_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """Run a dbt command against work_dir (as the pipeline does), capturing its output.
    Like a run, it starts from the parse made at install, when there is one."""
    target = Path(work_dir) / "dbt_target"
    if DBT_INSTALLED_PARSE.is_file() and not (target / DBT_INSTALLED_PARSE.name).exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DBT_INSTALLED_PARSE, target / DBT_INSTALLED_PARSE.name)
    return dbt_build.run_dbt(Path(work_dir), target, *args, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work_dir", type=Path)
    parser.add_argument("--empty", action="store_true", help="write the schemas with no rows")
    args = parser.parse_args()
    write_validated_zone(args.work_dir, None if args.empty else sample_rows())
    print(f"validated zone written to {args.work_dir}")


if __name__ == "__main__":
    main()
