"""The landed tables: the one place that says which columns each input source has.

Ingest reads every landing file into one of these tables as text (the raw zone), GX
validates the text, and the accepted rows are cast to the types below (the validated
zone) for dbt to read. Column names are the input contract's, lower-case.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Provenance columns added to every landed row. `_source_row` is the row number a person
# sees in the file: the header is row 1, so the first data row is row 2.
SOURCE_FILE = "_source_file"  # path relative to the landing folder, POSIX separators
SOURCE_ROW = "_source_row"
FILE_YEAR = "_file_year"  # reporting year (or survey year) taken from the folder name
FILE_ORG_CODE = "_file_org_code"  # WRES only: organisation code from the file name
PROVENANCE = (SOURCE_FILE, SOURCE_ROW, FILE_YEAR, FILE_ORG_CODE)


@dataclass(frozen=True)
class LandedTable:
    name: str  # raw/validated zone table name
    source: str  # reference, wres, staff_survey, concerns
    sheet: str | None  # WRES sheet name; None for single-table files
    columns: dict[str, str]  # column -> validated type: string, int64, date
    required: tuple[str, ...] = field(default=())  # columns that must be present
    # Columns validation adds to the validated zone (never read from the file).
    derived: dict[str, str] = field(default_factory=dict)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return self.required or tuple(self.columns)


ETHNIC_COLUMN = {"ethnic_category": "string"}

TABLES: dict[str, LandedTable] = {
    t.name: t
    for t in [
        # reference/etr.csv has no header: the reader names its columns 1, 2, 3, 4, 10, 11, 12.
        LandedTable(
            "ref_etr",
            "reference",
            None,
            {
                "org_code": "string",
                "org_name": "string",
                "region_code": "string",
                "icb_code": "string",
                "postcode": "string",
                "open_date": "date",  # YYYYMMDD in the file
                "close_date": "date",  # YYYYMMDD or empty
            },
            # Why a row cannot be attributed (empty name, grouping or open date, or a bad
            # date); null when it can. Such a row stays in the run but is never expected.
            derived={"unattributable_reason": "string"},
        ),
        LandedTable("ref_regions", "reference", None, {"region_code": "string", "region_name": "string"}),
        LandedTable("ref_trust_types", "reference", None, {"org_code": "string", "trust_type": "string"}),
        LandedTable(
            "ref_successors",
            "reference",
            None,
            {"old_org_code": "string", "new_org_code": "string", "effective_date": "date"},
        ),
        LandedTable(
            "wres_submission",
            "wres",
            "submission",
            {"org_code": "string", "reporting_year": "int64", "submission_date": "date"},
        ),
        LandedTable(
            "wres_workforce",
            "wres",
            "workforce",
            {"staff_group": "string", "band": "string", **ETHNIC_COLUMN, "headcount": "int64"},
        ),
        LandedTable(
            "wres_recruitment",
            "wres",
            "recruitment",
            {**ETHNIC_COLUMN, "shortlisted": "int64", "appointed": "int64"},
        ),
        LandedTable(
            "wres_disciplinary",
            "wres",
            "disciplinary",
            {**ETHNIC_COLUMN, "entered_formal_disciplinary": "int64"},
        ),
        LandedTable(
            "wres_training",
            "wres",
            "training",
            {**ETHNIC_COLUMN, "accessed_non_mandatory_training": "int64"},
        ),
        LandedTable(
            "wres_board",
            "wres",
            "board",
            {**ETHNIC_COLUMN, "executive": "string", "voting": "string", "members": "int64"},
        ),
        LandedTable(
            "survey_responses",
            "staff_survey",
            None,
            {
                "survey_year": "int64",
                "org_code": "string",
                "respondent_id": "string",
                **ETHNIC_COLUMN,
                "q_hba_public": "int64",
                "q_hba_manager": "int64",
                "q_hba_colleagues": "int64",
                "q_equal_opps": "int64",
                "q_discrim_mgr_colleague": "int64",
            },
        ),
        LandedTable(
            "concerns_cases",
            "concerns",
            None,
            {
                "case_ref": "string",
                # practitioner_id is replaced at ingest by its keyed hash; the clear value
                # never leaves the landing file.
                "practitioner_pseudonym": "string",
                "profession": "string",
                **ETHNIC_COLUMN,
                "place_of_first_qualification": "string",
                "gender": "string",
                "age_band": "string",
                "org_code": "string",
                "region_code": "string",
                "case_opened_date": "date",
                "case_closed_date": "date",
                "concern_types": "string",
                "excluded": "string",
                "exclusion_start_date": "date",
                "exclusion_end_date": "date",
                "assessment_referred": "string",
                "assessment_outcome": "string",
            },
        ),
        LandedTable(
            "concerns_population",
            "concerns",
            None,
            {
                "reporting_year": "int64",
                "profession": "string",
                "region_code": "string",
                **ETHNIC_COLUMN,
                "place_of_first_qualification": "string",
                "practitioners": "int64",
            },
        ),
    ]
}

WRES_SHEETS = {t.sheet: t for t in TABLES.values() if t.source == "wres"}

# Personal-data columns: reports name the column and row, never the value.
PERSONAL_DATA_COLUMNS = frozenset({"practitioner_id", "practitioner_pseudonym"})
