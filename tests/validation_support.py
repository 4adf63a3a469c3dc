"""Tiny raw zones for the validation tests, written as ingest writes them.

Ingest is built separately, so these tests do not run it: `RawZone` writes
`work/raw/<table>.parquet` (every contract column as text, plus provenance),
`work/ingest_manifest.parquet` and `work/ingest_failures.parquet` exactly as
docs/architecture.md describes, and the good files below pass every rule.
"""

from __future__ import annotations

import copy
import hashlib

import pyarrow as pa
import pyarrow.parquet as pq

from expectations.zones import PROVENANCE_FIELDS
from ingest.config import Paths
from ingest.ledger import LEDGER_SCHEMA
from ingest.manifest import MANIFEST_SCHEMA
from ingest.tables import FILE_ORG_CODE, FILE_YEAR, SOURCE_FILE, SOURCE_ROW, TABLES

Rows = list[dict[str, str | None]]
Tables = dict[str, Rows]

REGIONS = {"Y56": "London", "Y60": "Midlands"}


def raw_schema(table: str) -> pa.Schema:
    """Every contract column as text, then the provenance columns."""
    return pa.schema([(c, pa.string()) for c in TABLES[table].columns] + PROVENANCE_FIELDS)


class RawZone:
    """Landing files as ingest would have read them, written on `write`."""

    def __init__(self, paths: Paths) -> None:
        self.paths = paths
        self.rows: dict[str, list[dict]] = {t: [] for t in TABLES}
        self.manifest: list[dict] = []
        self.ingest_failures: list[dict] = []

    def add(
        self,
        path: str,
        source: str,
        tables: Tables,
        year: int | None = None,
        org: str | None = None,
    ) -> str:
        """One loaded file; `tables` maps each landed table it feeds to its data rows."""
        for table, rows in tables.items():
            for number, row in enumerate(rows, start=2):  # the header is row 1
                self.rows[table].append(
                    {
                        **row,
                        SOURCE_FILE: path,
                        SOURCE_ROW: number,
                        FILE_YEAR: year,
                        FILE_ORG_CODE: org,
                    }
                )
        self._manifest(path, source, year, org, sum(len(r) for r in tables.values()), "loaded")
        return path

    def add_quarantined_by_ingest(
        self, path: str, source: str, year: int, rule: str, message: str
    ) -> None:
        self._manifest(path, source, year, None, 0, "quarantined", message)
        self.ingest_failures.append(
            {
                "source_file": path,
                "sha256": sha256(path),
                "source": source,
                "reporting_year": year,
                "sheet": None,
                "row": None,
                "column": None,
                "rule": rule,
                "message": message,
            }
        )

    def add_unrecognised(self, path: str) -> None:
        self._manifest(
            path,
            "unrecognised",
            None,
            None,
            0,
            "unrecognised",
            "Not a file the input contract names.",
        )

    def _manifest(self, path, source, year, org, rows, outcome, reason=None) -> None:
        self.manifest.append(
            {
                "source_file": path,
                "source": source,
                "reporting_year": year,
                "org_code": org,
                "sha256": sha256(path),
                "size_bytes": 1000,
                "rows_read": rows,
                "outcome": outcome,
                "reason": reason,
            }
        )

    def write(self) -> Paths:
        self.paths.raw.mkdir(parents=True, exist_ok=True)
        for table, rows in self.rows.items():
            schema = raw_schema(table)
            pq.write_table(
                pa.Table.from_pylist(rows, schema=schema), self.paths.raw / f"{table}.parquet"
            )
        pq.write_table(
            pa.Table.from_pylist(self.manifest, schema=MANIFEST_SCHEMA), self.paths.ingest_manifest
        )
        pq.write_table(
            pa.Table.from_pylist(self.ingest_failures, schema=LEDGER_SCHEMA),
            self.paths.ingest_failures,
        )
        return self.paths


def sha256(path: str) -> str:
    """A stand-in for the file's digest: unique per path, and shaped like the real thing."""
    return hashlib.sha256(path.encode()).hexdigest()


# Good files. Each returns fresh rows, so a test can break one without touching another.


def etr(org_codes: list[str]) -> Tables:
    return {
        "ref_etr": [
            {
                "org_code": code,
                "org_name": f"Trust {code}",
                "region_code": "Y56",
                "icb_code": "QMJ",
                "postcode": "N1 1AA",
                "open_date": "20010401",
                "close_date": None,
            }
            for code in org_codes
        ]
    }


def regions() -> Tables:
    return {"ref_regions": [{"region_code": c, "region_name": n} for c, n in REGIONS.items()]}


def trust_types(org_codes: list[str]) -> Tables:
    return {"ref_trust_types": [{"org_code": c, "trust_type": "acute"} for c in org_codes]}


def successors(count: int = 1) -> Tables:
    return {
        "ref_successors": [
            {"old_org_code": f"RO{n:02d}", "new_org_code": "RGD", "effective_date": "2022-04-01"}
            for n in range(count)
        ]
    }


def wres_workbook(org: str, year: int) -> Tables:
    """A trust of 60 staff (A 30, H 20, Z 10) with a board of five."""
    workforce = [
        ("Clinical", "Band 5", "A", "12"),
        ("Clinical", "Band 5", "H", "8"),
        ("Non-clinical", "Band 2", "A", "10"),
        ("Non-clinical", "Under Band 1", "Z", "10"),
        ("Medical and dental", "Consultant", "A", "8"),
        ("Medical and dental", "Consultant", "H", "12"),
    ]
    return {
        "wres_submission": [
            {"org_code": org, "reporting_year": str(year), "submission_date": f"{year}-05-31"}
        ],
        "wres_workforce": [
            {"staff_group": g, "band": b, "ethnic_category": e, "headcount": h}
            for g, b, e, h in workforce
        ],
        "wres_recruitment": [
            {"ethnic_category": "A", "shortlisted": "20", "appointed": "5"},
            {"ethnic_category": "H", "shortlisted": "15", "appointed": "2"},
        ],
        "wres_disciplinary": [
            {"ethnic_category": "A", "entered_formal_disciplinary": "1"},
            {"ethnic_category": "H", "entered_formal_disciplinary": "2"},
        ],
        "wres_training": [
            {"ethnic_category": "A", "accessed_non_mandatory_training": "30"},
            {"ethnic_category": "99", "accessed_non_mandatory_training": "0"},
        ],
        "wres_board": [
            {"ethnic_category": "A", "executive": "Y", "voting": "Y", "members": "2"},
            {"ethnic_category": "A", "executive": "N", "voting": "Y", "members": "2"},
            {"ethnic_category": "H", "executive": "Y", "voting": "N", "members": "1"},
        ],
    }


def wres_path(org: str, year: int) -> str:
    return f"wres/{year}/{org}_wres_{year}.xlsx"


def survey(year: int, org: str, respondents: int = 4) -> Tables:
    categories = ["A", "H", "Z", "N"]
    return {
        "survey_responses": [
            {
                "survey_year": str(year),
                "org_code": org,
                "respondent_id": f"{year}-{n:06d}",
                "ethnic_category": categories[n % 4],
                "q_hba_public": str(1 + n % 5),
                "q_hba_manager": None if n % 3 == 0 else "1",
                "q_hba_colleagues": "2",
                "q_equal_opps": str(1 + n % 3),
                "q_discrim_mgr_colleague": "2",
            }
            for n in range(respondents)
        ]
    }


def survey_path(year: int) -> str:
    return f"staff_survey/{year}/responses.csv"


def concerns_cases(year: int, pseudonyms: list[str]) -> Tables:
    """Cases opened in the year ending 31 March `year`: closed, excluded, referred."""
    base = {
        "profession": "Doctor",
        "ethnic_category": "A",
        "place_of_first_qualification": "UK",
        "gender": "Female",
        "age_band": "35-44",
        "org_code": "RGD",
        "region_code": "Y56",
        "case_closed_date": None,
        "concern_types": "clinical",
        "excluded": "N",
        "exclusion_start_date": None,
        "exclusion_end_date": None,
        "assessment_referred": "N",
        "assessment_outcome": None,
    }
    variants = [
        {"case_opened_date": f"{year - 1}-04-01"},
        {
            "case_opened_date": f"{year - 1}-09-15",
            "case_closed_date": f"{year}-01-10",
            "concern_types": "clinical;behaviour",
            "ethnic_category": "H",
        },
        {
            "case_opened_date": f"{year}-03-31",
            "excluded": "Y",
            "exclusion_start_date": f"{year}-03-31",
            "place_of_first_qualification": "Outside EEA",
        },
        {
            "case_opened_date": f"{year - 1}-06-01",
            "excluded": "Y",
            "exclusion_start_date": f"{year - 1}-06-02",
            "exclusion_end_date": f"{year - 1}-08-02",
            "assessment_referred": "Y",
            "assessment_outcome": "Expected level",
            "profession": "Dentist",
        },
    ]
    return {
        "concerns_cases": [
            {**base, **variant, "case_ref": f"C{year}-{n}", "practitioner_pseudonym": pseudonym}
            for n, (variant, pseudonym) in enumerate(zip(variants, pseudonyms, strict=True))
        ]
    }


def concerns_population(year: int) -> Tables:
    groups = [
        ("Doctor", "A", "UK"),
        ("Doctor", "H", "UK"),
        ("Doctor", "A", "Outside EEA"),
        ("Dentist", "A", "UK"),
    ]
    return {
        "concerns_population": [
            {
                "reporting_year": str(year),
                "profession": p,
                "region_code": "Y56",
                "ethnic_category": e,
                "place_of_first_qualification": q,
                "practitioners": "40",
            }
            for p, e, q in groups
        ]
    }


def concerns_path(year: int, name: str) -> str:
    return f"concerns/{year}/{name}.csv"


def with_edit(tables: Tables, table: str, row: int, **values: str | None) -> Tables:
    """A copy of `tables` with data row `row` (as a person counts: header = 1) changed."""
    edited = copy.deepcopy(tables)
    edited[table][row - 2].update(values)
    return edited
