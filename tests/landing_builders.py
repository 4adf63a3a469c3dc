"""Build small landing folders by hand, in the shapes of the input contract.

Shared by the ingest tests and by anyone else who needs a landing folder with a precise
defect in it. Column lists come from ingest/tables.py, never from here.
"""

from __future__ import annotations

import csv
import datetime
import gzip
import hashlib
import io
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter

from ingest.pseudonymise import PSEUDONYMISED_COLUMNS
from ingest.tables import TABLES, WRES_SHEETS

PRACTITIONER_IDS = ("GMC7100001", "GDC0200002")  # clear values that must never reach work/


def landing_columns(table_name: str) -> list[str]:
    """A table's columns as its landing file names them (practitioner_id in clear)."""
    pseudonym_to_clear = {pseudonym: clear for clear, pseudonym in PSEUDONYMISED_COLUMNS.items()}
    return [pseudonym_to_clear.get(column, column) for column in TABLES[table_name].columns]


def table_rows(table_name: str, records: list[dict]) -> list[list]:
    """Header row plus one row per record, in contract column order; absent keys are empty."""
    header = landing_columns(table_name)
    return [header, *([record.get(column, "") for column in header] for record in records)]


def write_csv(
    path: Path, rows: list[list], *, bom: bool = False, crlf: bool = False, gzipped: bool = False
) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n" if crlf else "\n").writerows(rows)
    data = (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")
    return write_bytes(path, gzip.compress(data, mtime=0) if gzipped else data)


def write_bytes(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    """One sheet per entry, row 1 first. None leaves a cell empty; dates get a date format."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(path)
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, (datetime.date, datetime.datetime)):
                    sheet.write_datetime(r, c, value, date_format)
                elif value is not None:
                    sheet.write(r, c, value)
    workbook.close()
    return path


def write_parquet(path: Path, columns: dict[str, list]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns), path)
    return path


def etr_row(
    org_code: str, name: str, region: str = "Y56", *, close_date: str = "", width: int = 27
) -> list[str]:
    """One line of the header-less ODS extract, `width` columns wide."""
    row = [""] * width
    row[0:4] = [org_code, name, region, "QMJ"]
    row[9:12] = ["NW1 2PL", "20000401", close_date]
    return row


def wres_sheets(org_code: str, year: int) -> dict[str, list[list]]:
    """A small valid WRES return. Ethnic code 99 is written as a number, as Excel users do."""
    records = {
        "submission": [
            {"org_code": org_code, "reporting_year": year, "submission_date": datetime.date(year, 5, 31)}
        ],
        "workforce": [
            {"staff_group": "Clinical", "band": "Band 5", "ethnic_category": "A", "headcount": 120},
            {"staff_group": "Clinical", "band": "Band 5", "ethnic_category": 99, "headcount": 3},
            {"staff_group": "Non-clinical", "band": "Band 2", "ethnic_category": "H", "headcount": 40},
            {
                "staff_group": "Medical and dental",
                "band": "Consultant",
                "ethnic_category": "N",
                "headcount": 5,
            },
        ],
        "recruitment": [
            {"ethnic_category": "A", "shortlisted": 50, "appointed": 10},
            {"ethnic_category": "H", "shortlisted": 30, "appointed": 5},
        ],
        "disciplinary": [{"ethnic_category": "A", "entered_formal_disciplinary": 2}],
        "training": [{"ethnic_category": "A", "accessed_non_mandatory_training": 40}],
        "board": [
            {"ethnic_category": "A", "executive": "Y", "voting": "Y", "members": 5},
            {"ethnic_category": "H", "executive": "N", "voting": "Y", "members": 2},
        ],
    }
    return {sheet: table_rows(WRES_SHEETS[sheet].name, rows) for sheet, rows in records.items()}


def survey_records(year: int, org_codes: tuple[str, ...]) -> list[dict]:
    return [
        {
            "survey_year": str(year),
            "org_code": org,
            "respondent_id": f"{org}-{i}",
            "ethnic_category": "AHZ"[i % 3],
            "q_hba_public": str(i % 5 + 1),
            "q_hba_manager": "",
            "q_hba_colleagues": "2",
            "q_equal_opps": "1",
            "q_discrim_mgr_colleague": "2",
        }
        for org in org_codes
        for i in range(3)
    ]


def case_records(year: int) -> list[dict]:
    base = {
        "profession": "Doctor",
        "ethnic_category": "A",
        "place_of_first_qualification": "UK",
        "gender": "Female",
        "age_band": "35-44",
        "org_code": "RJ1",
        "region_code": "Y56",
        "case_closed_date": "",
        "concern_types": "clinical;behaviour",
        "excluded": "N",
        "assessment_referred": "N",
    }
    return [
        {
            **base,
            "case_ref": f"C{year}-{i}",
            "practitioner_id": practitioner,
            "case_opened_date": f"{year - 1}-0{i + 5}-01",
        }
        for i, practitioner in enumerate(PRACTITIONER_IDS)
    ]


def build_landing(root: Path, *, year: int = 2024, org_codes: tuple[str, ...] = ("RJ1", "RJ2")) -> Path:
    """A complete, valid landing folder: every source, one reporting year, a few trusts."""
    write_csv(root / "reference/etr.csv", [etr_row(org, f"Trust {org}") for org in org_codes], crlf=True)
    regions = [{"region_code": "Y56", "region_name": "London"}]
    write_csv(root / "reference/regions.csv", table_rows("ref_regions", regions), bom=True)
    trust_types = [{"org_code": org, "trust_type": "acute"} for org in org_codes]
    write_csv(root / "reference/trust_types.csv", table_rows("ref_trust_types", trust_types))
    write_csv(root / "reference/successors.csv", table_rows("ref_successors", []))  # header only
    for org in org_codes:
        write_xlsx(root / f"wres/{year}/{org}_wres_{year}.xlsx", wres_sheets(org, year))
    write_csv(
        root / f"staff_survey/{year - 1}/responses.csv.gz",
        table_rows("survey_responses", survey_records(year - 1, org_codes)),
        gzipped=True,
    )
    write_csv(
        root / f"concerns/{year}/cases.csv",
        table_rows("concerns_cases", case_records(year)),
        bom=True,
        crlf=True,
    )
    population = [
        {
            "reporting_year": str(year),
            "profession": "Doctor",
            "region_code": "Y56",
            "ethnic_category": "A",
            "place_of_first_qualification": "UK",
            "practitioners": "1200",
        },
    ]
    write_csv(
        root / f"concerns/{year}/practitioner_population.csv", table_rows("concerns_population", population)
    )
    return root


def tree_fingerprint(root: Path) -> dict[str, tuple]:
    """Every file and folder under root: content hash, size, mode and modification time."""
    fingerprint = {}
    for folder, subfolders, names in os.walk(root):
        for name in subfolders + names:
            path = Path(folder) / name
            stat = path.stat()
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
            fingerprint[path.relative_to(root).as_posix()] = (
                digest,
                stat.st_size,
                stat.st_mode,
                stat.st_mtime_ns,
            )
    return fingerprint


def break_workforce_headcount(workbook: Path) -> None:
    """Rewrite a generated WRES workbook with a negative headcount on its first workforce
    row, which validation quarantines."""
    import pandas as pd

    sheets = pd.read_excel(workbook, sheet_name=None, engine="calamine", dtype=str)
    sheets["workforce"].loc[0, "headcount"] = "-3"
    with pd.ExcelWriter(workbook, engine="xlsxwriter") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
