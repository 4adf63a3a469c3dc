"""One test per rule: a single bad value quarantines its whole file, with the right sheet,
row, column and rule in the ledger, while every other file is still validated.

Each case is its own landing file in one raw zone, so one real GX run covers them all.
The rules of etr.csv and regions.csv stop the run instead: see test_validation_reference.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import pyarrow.parquet as pq
import pytest
import validation_support as vs

from expectations.contract import REQUIRED_REFERENCE_FILES
from expectations.frames import WORKBOOK_SUITE
from expectations.suites import SUITES
from expectations.validate import validate_landed
from expectations.zones import read_parquet, validated_schema
from ingest.config import GX_CONTEXT_DIR, Paths
from ingest.tables import TABLES

Edit = Callable[[vs.Tables, int], vs.Tables]  # (a file's good tables, its year) -> bad tables


@dataclass(frozen=True)
class Case:
    suite: str
    rule: str
    row: int | None  # as a person counts: the header is row 1
    column: str | None
    edit: Edit
    also_rows: tuple[int, ...] = ()  # further rows the rule reports (the other duplicate)
    name: str = ""  # tells apart two cases of one rule
    org: str | None = None  # a WRES organisation of its own

    @property
    def id(self) -> str:
        return "-".join(filter(None, (self.suite, self.rule, self.name)))


def case(
    table: str, rule: str, row: int, column: str | None, *, name: str = "", also_rows=(), **values
) -> Case:
    """A case that sets `values` on one row; "{year}" and "{prev}" stand for the file's
    reporting year and the year before."""

    def edit(tables: vs.Tables, year: int) -> vs.Tables:
        filled = {k: v.format(year=year, prev=year - 1) if v else v for k, v in values.items()}
        return vs.with_edit(tables, table, row, **filled)

    return Case(table, rule, row, column, edit, tuple(also_rows), name)


def copy_value(table: str, column: str, source_row: int, target_row: int) -> Edit:
    def edit(tables: vs.Tables, year: int) -> vs.Tables:
        value = tables[table][source_row - 2][column]
        return vs.with_edit(tables, table, target_row, **{column: value})

    return edit


WRES_CASES = [
    case("wres_submission", "org_code_not_null", 2, "org_code", org_code=None),
    case("wres_submission", "org_code_matches_file_name", 2, "org_code", org_code="RGD"),
    Case("wres_submission", "org_code_in_etr", 2, "org_code", lambda t, y: t, org="RZZ"),
    # Contract 1.1: in etr.csv, but in Wales (RWL), or on a row that cannot be attributed (RUA).
    Case("wres_submission", "org_code_in_scope", 2, "org_code", lambda t, y: t, org="RWL"),
    Case("wres_submission", "org_code_attributable", 2, "org_code", lambda t, y: t, org="RUA"),
    case("wres_submission", "reporting_year_not_null", 2, "reporting_year", reporting_year=None),
    case(
        "wres_submission",
        "reporting_year_matches_file_name",
        2,
        "reporting_year",
        reporting_year="{prev}",
    ),
    case("wres_submission", "submission_date_not_null", 2, "submission_date", submission_date=None),
    case(
        "wres_submission",
        "submission_date_valid_date",
        2,
        "submission_date",
        submission_date="{year}-02-30",
    ),
    Case(
        WORKBOOK_SUITE,
        "submission_one_row",
        None,
        None,
        lambda t, y: {**t, "wres_submission": []},
        name="none",
    ),
    Case(
        WORKBOOK_SUITE,
        "submission_one_row",
        None,
        None,
        lambda t, y: {**t, "wres_submission": t["wres_submission"] * 2},
        name="two",
    ),
    # Workforce rows: 2 Clinical Band 5 A; 3 Clinical Band 5 H; 4 Non-clinical Band 2 A;
    # 5 Non-clinical Under Band 1 Z; 6 Medical Consultant A; 7 Medical Consultant H.
    case("wres_workforce", "staff_group_not_null", 2, "staff_group", staff_group=None),
    case("wres_workforce", "staff_group_in_set", 2, "staff_group", staff_group="Nursing"),
    case("wres_workforce", "band_not_null", 3, "band", band=None),
    case("wres_workforce", "band_valid_for_agenda_for_change", 4, "band", band="Consultant"),
    case("wres_workforce", "band_valid_for_medical_and_dental", 6, "band", band="Band 5"),
    case("wres_workforce", "ethnic_category_not_null", 5, "ethnic_category", ethnic_category=None),
    case("wres_workforce", "ethnic_category_in_set", 5, "ethnic_category", ethnic_category="I"),
    case("wres_workforce", "headcount_not_null", 7, "headcount", headcount=None),
    case("wres_workforce", "headcount_non_negative_integer", 7, "headcount", headcount="-3"),
    case(
        "wres_workforce",
        "headcount_non_negative_integer",
        7,
        "headcount",
        name="decimal",
        headcount="12.0",
    ),
    case(
        "wres_workforce",
        "staff_group_band_ethnic_category_unique",
        3,
        None,
        also_rows=(2,),
        ethnic_category="A",
    ),
    # Recruitment rows: 2 A 20 shortlisted, 5 appointed; 3 H 15 and 2.
    case(
        "wres_recruitment", "ethnic_category_not_null", 2, "ethnic_category", ethnic_category=None
    ),
    case("wres_recruitment", "ethnic_category_in_set", 2, "ethnic_category", ethnic_category="X"),
    case(
        "wres_recruitment",
        "ethnic_category_unique",
        2,
        "ethnic_category",
        also_rows=(3,),
        ethnic_category="H",
    ),
    case("wres_recruitment", "shortlisted_not_null", 2, "shortlisted", shortlisted=None),
    case(
        "wres_recruitment",
        "shortlisted_non_negative_integer",
        2,
        "shortlisted",
        shortlisted="twenty",
    ),
    case("wres_recruitment", "appointed_not_null", 3, "appointed", appointed=None),
    case("wres_recruitment", "appointed_non_negative_integer", 3, "appointed", appointed="1.5"),
    case("wres_recruitment", "appointed_not_above_shortlisted", 3, "appointed", appointed="16"),
    # Disciplinary rows: 2 A 1; 3 H 2. The workbook's headcount is A 30, H 20, Z 10.
    case(
        "wres_disciplinary", "ethnic_category_not_null", 2, "ethnic_category", ethnic_category=None
    ),
    case(
        "wres_disciplinary",
        "ethnic_category_in_set",
        3,
        "ethnic_category",
        ethnic_category="X",
        entered_formal_disciplinary="0",
    ),
    case(
        "wres_disciplinary",
        "ethnic_category_unique",
        2,
        "ethnic_category",
        also_rows=(3,),
        ethnic_category="H",
    ),
    case(
        "wres_disciplinary",
        "entered_formal_disciplinary_not_null",
        2,
        "entered_formal_disciplinary",
        entered_formal_disciplinary=None,
    ),
    case(
        "wres_disciplinary",
        "entered_formal_disciplinary_non_negative_integer",
        2,
        "entered_formal_disciplinary",
        entered_formal_disciplinary="1,0",
    ),
    case(
        "wres_disciplinary",
        "entered_formal_disciplinary_not_above_headcount",
        3,
        "entered_formal_disciplinary",
        entered_formal_disciplinary="21",
    ),
    case(
        "wres_disciplinary",
        "entered_formal_disciplinary_not_above_headcount",
        3,
        "entered_formal_disciplinary",
        name="category_without_staff",
        ethnic_category="M",
    ),
    # Training rows: 2 A 30; 3 99 0.
    case("wres_training", "ethnic_category_not_null", 3, "ethnic_category", ethnic_category=None),
    case("wres_training", "ethnic_category_in_set", 3, "ethnic_category", ethnic_category="9"),
    case(
        "wres_training",
        "ethnic_category_unique",
        3,
        "ethnic_category",
        also_rows=(2,),
        ethnic_category="A",
    ),
    case(
        "wres_training",
        "accessed_non_mandatory_training_not_null",
        2,
        "accessed_non_mandatory_training",
        accessed_non_mandatory_training=None,
    ),
    case(
        "wres_training",
        "accessed_non_mandatory_training_non_negative_integer",
        2,
        "accessed_non_mandatory_training",
        accessed_non_mandatory_training="lots",
    ),
    case(
        "wres_training",
        "accessed_non_mandatory_training_not_above_headcount",
        2,
        "accessed_non_mandatory_training",
        accessed_non_mandatory_training="31",
    ),
    # Board rows: 2 A executive voting; 3 A non-executive voting; 4 H executive non-voting.
    case("wres_board", "ethnic_category_not_null", 4, "ethnic_category", ethnic_category=None),
    case("wres_board", "ethnic_category_in_set", 4, "ethnic_category", ethnic_category="White"),
    case("wres_board", "executive_not_null", 2, "executive", executive=None),
    case("wres_board", "executive_in_set", 2, "executive", executive="Yes"),
    case("wres_board", "voting_not_null", 3, "voting", voting=None),
    case("wres_board", "voting_in_set", 3, "voting", voting="y"),
    case(
        "wres_board",
        "ethnic_category_executive_voting_unique",
        3,
        None,
        also_rows=(2,),
        executive="Y",
    ),
    case("wres_board", "members_not_null", 4, "members", members=None),
    case("wres_board", "members_non_negative_integer", 4, "members", members="one"),
]

SURVEY_CASES = [
    case("survey_responses", "survey_year_not_null", 2, "survey_year", survey_year=None),
    case("survey_responses", "survey_year_matches_folder", 3, "survey_year", survey_year="{prev}"),
    case("survey_responses", "org_code_not_null", 2, "org_code", org_code=None),
    case("survey_responses", "respondent_id_not_null", 2, "respondent_id", respondent_id=None),
    Case(
        "survey_responses",
        "respondent_id_unique",
        2,
        "respondent_id",
        copy_value("survey_responses", "respondent_id", 2, 4),
        also_rows=(4,),
    ),
    case(
        "survey_responses", "ethnic_category_not_null", 3, "ethnic_category", ethnic_category=None
    ),
    case("survey_responses", "ethnic_category_in_set", 3, "ethnic_category", ethnic_category="O"),
    case("survey_responses", "q_hba_public_in_scale", 2, "q_hba_public", q_hba_public="6"),
    case("survey_responses", "q_hba_manager_in_scale", 3, "q_hba_manager", q_hba_manager="0"),
    case(
        "survey_responses",
        "q_hba_colleagues_in_scale",
        4,
        "q_hba_colleagues",
        q_hba_colleagues="2.0",
    ),
    case("survey_responses", "q_equal_opps_in_scale", 5, "q_equal_opps", q_equal_opps="4"),
    case(
        "survey_responses",
        "q_discrim_mgr_colleague_in_scale",
        5,
        "q_discrim_mgr_colleague",
        q_discrim_mgr_colleague="3",
    ),
]

# Cases rows: 2 opened 1 April of the year before; 3 closed; 4 opened 31 March and
# excluded with no end date yet; 5 excluded with an end date, and referred.
CONCERNS_CASES = [
    case("concerns_cases", "case_ref_not_null", 2, "case_ref", case_ref=None),
    Case(
        "concerns_cases",
        "case_ref_unique",
        2,
        "case_ref",
        copy_value("concerns_cases", "case_ref", 2, 3),
        also_rows=(3,),
    ),
    case(
        "concerns_cases",
        "practitioner_id_not_null",
        2,
        "practitioner_id",
        practitioner_pseudonym=None,
    ),
    case("concerns_cases", "profession_not_null", 2, "profession", profession=None),
    case("concerns_cases", "profession_in_set", 2, "profession", profession="Nurse"),
    case("concerns_cases", "ethnic_category_not_null", 2, "ethnic_category", ethnic_category=None),
    case("concerns_cases", "ethnic_category_in_set", 2, "ethnic_category", ethnic_category="Q"),
    case(
        "concerns_cases",
        "place_of_first_qualification_not_null",
        2,
        "place_of_first_qualification",
        place_of_first_qualification=None,
    ),
    case(
        "concerns_cases",
        "place_of_first_qualification_in_set",
        2,
        "place_of_first_qualification",
        place_of_first_qualification="IMG",
    ),
    case("concerns_cases", "gender_not_null", 2, "gender", gender=None),
    case("concerns_cases", "gender_in_set", 2, "gender", gender="F"),
    case("concerns_cases", "age_band_not_null", 2, "age_band", age_band=None),
    case("concerns_cases", "age_band_in_set", 2, "age_band", age_band="30-34"),
    case("concerns_cases", "org_code_not_null", 2, "org_code", org_code=None),
    case("concerns_cases", "region_code_not_null", 2, "region_code", region_code=None),
    case(
        "concerns_cases", "case_opened_date_not_null", 2, "case_opened_date", case_opened_date=None
    ),
    case(
        "concerns_cases",
        "case_opened_date_valid_date",
        2,
        "case_opened_date",
        case_opened_date="01/04/{prev}",
    ),
    case(
        "concerns_cases",
        "case_opened_date_in_reporting_year",
        2,
        "case_opened_date",
        name="day_before",
        case_opened_date="{prev}-03-31",
    ),
    case(
        "concerns_cases",
        "case_opened_date_in_reporting_year",
        4,
        "case_opened_date",
        name="day_after",
        case_opened_date="{year}-04-01",
        exclusion_start_date="{year}-04-01",
    ),
    case(
        "concerns_cases",
        "case_closed_date_valid_date",
        3,
        "case_closed_date",
        case_closed_date="{year}-01-32",
    ),
    case(
        "concerns_cases",
        "case_closed_date_not_before_opened",
        3,
        "case_closed_date",
        case_closed_date="{prev}-09-14",
    ),
    case("concerns_cases", "concern_types_not_null", 2, "concern_types", concern_types=None),
    case(
        "concerns_cases",
        "concern_types_subset",
        3,
        "concern_types",
        name="repeated",
        concern_types="clinical;clinical",
    ),
    case(
        "concerns_cases",
        "concern_types_subset",
        3,
        "concern_types",
        name="unknown_type",
        concern_types="clinical;money",
    ),
    case("concerns_cases", "excluded_not_null", 2, "excluded", excluded=None),
    case("concerns_cases", "excluded_in_set", 2, "excluded", excluded="Yes"),
    case(
        "concerns_cases",
        "exclusion_start_date_valid_date",
        4,
        "exclusion_start_date",
        exclusion_start_date="31/03/{year}",
    ),
    case(
        "concerns_cases",
        "exclusion_end_date_valid_date",
        5,
        "exclusion_end_date",
        exclusion_end_date="{prev}-08",
    ),
    case(
        "concerns_cases",
        "exclusion_start_date_when_excluded",
        4,
        "exclusion_start_date",
        exclusion_start_date=None,
    ),
    case(
        "concerns_cases",
        "exclusion_start_date_only_when_excluded",
        2,
        "exclusion_start_date",
        exclusion_start_date="{prev}-05-01",
    ),
    case(
        "concerns_cases",
        "exclusion_end_date_only_when_excluded",
        2,
        "exclusion_end_date",
        exclusion_end_date="{prev}-05-01",
    ),
    case(
        "concerns_cases",
        "exclusion_end_date_not_before_start",
        5,
        "exclusion_end_date",
        exclusion_end_date="{prev}-06-01",
    ),
    case(
        "concerns_cases",
        "assessment_referred_not_null",
        2,
        "assessment_referred",
        assessment_referred=None,
    ),
    case(
        "concerns_cases",
        "assessment_referred_in_set",
        2,
        "assessment_referred",
        assessment_referred="Maybe",
    ),
    case(
        "concerns_cases",
        "assessment_outcome_in_set",
        5,
        "assessment_outcome",
        assessment_outcome="Good",
    ),
    case(
        "concerns_cases",
        "assessment_outcome_when_referred",
        5,
        "assessment_outcome",
        assessment_outcome=None,
    ),
    case(
        "concerns_cases",
        "assessment_outcome_only_when_referred",
        2,
        "assessment_outcome",
        assessment_outcome="Pending",
    ),
]

# Population rows: 2 Doctor A UK; 3 Doctor H UK; 4 Doctor A Outside EEA; 5 Dentist A UK.
POPULATION_CASES = [
    case(
        "concerns_population", "reporting_year_not_null", 2, "reporting_year", reporting_year=None
    ),
    case(
        "concerns_population",
        "reporting_year_matches_folder",
        2,
        "reporting_year",
        reporting_year="{prev}",
    ),
    case("concerns_population", "profession_not_null", 2, "profession", profession=None),
    case("concerns_population", "profession_in_set", 2, "profession", profession="GP"),
    case("concerns_population", "region_code_not_null", 2, "region_code", region_code=None),
    case(
        "concerns_population",
        "ethnic_category_not_null",
        2,
        "ethnic_category",
        ethnic_category=None,
    ),
    case(
        "concerns_population", "ethnic_category_in_set", 2, "ethnic_category", ethnic_category="a"
    ),
    case(
        "concerns_population",
        "place_of_first_qualification_not_null",
        2,
        "place_of_first_qualification",
        place_of_first_qualification=None,
    ),
    case(
        "concerns_population",
        "place_of_first_qualification_in_set",
        2,
        "place_of_first_qualification",
        place_of_first_qualification="EU",
    ),
    case(
        "concerns_population",
        "population_group_unique",
        2,
        None,
        also_rows=(3,),
        ethnic_category="H",
    ),
    case("concerns_population", "practitioners_not_null", 2, "practitioners", practitioners=None),
    case(
        "concerns_population",
        "practitioners_non_negative_integer",
        2,
        "practitioners",
        practitioners="-",
    ),
]

# There is one file of each optional reference table, so their cases share it, one row each.
TRUST_TYPE_CASES = [
    case("ref_trust_types", "org_code_not_null", 2, "org_code", org_code=None),
    Case(
        "ref_trust_types",
        "org_code_unique",
        3,
        "org_code",
        copy_value("ref_trust_types", "org_code", 3, 4),
        also_rows=(4,),
    ),
    case("ref_trust_types", "trust_type_not_null", 5, "trust_type", trust_type=None),
    case("ref_trust_types", "trust_type_in_set", 6, "trust_type", trust_type="Acute"),
]
SUCCESSOR_CASES = [
    case("ref_successors", "old_org_code_not_null", 2, "old_org_code", old_org_code=None),
    Case(
        "ref_successors",
        "old_org_code_unique",
        3,
        "old_org_code",
        copy_value("ref_successors", "old_org_code", 3, 4),
        also_rows=(4,),
    ),
    case("ref_successors", "new_org_code_not_null", 5, "new_org_code", new_org_code=None),
    case("ref_successors", "effective_date_not_null", 6, "effective_date", effective_date=None),
    case(
        "ref_successors",
        "effective_date_valid_date",
        7,
        "effective_date",
        effective_date="20220401",
    ),
]

ONE_FILE_PER_CASE = WRES_CASES + SURVEY_CASES + CONCERNS_CASES + POPULATION_CASES
ALL_CASES = ONE_FILE_PER_CASE + TRUST_TYPE_CASES + SUCCESSOR_CASES

# Good files that must load whatever their neighbours contain.
GOOD_WRES = vs.wres_path("RGD", 2024)
GOOD_SURVEY = vs.survey_path(2023)
GOOD_CASES = vs.concerns_path(2024, "cases")
GOOD_POPULATION = vs.concerns_path(2024, "practitioner_population")
# Files that trigger a cross-file warning, and still load.
BIG_BOARD = vs.wres_path("RBB", 2024)
THIN_POPULATION_CASES = vs.concerns_path(2023, "cases")
THIN_POPULATION = vs.concerns_path(2023, "practitioner_population")
CAPPED_SURVEY = vs.survey_path(1989)  # 150 rows break one rule
INGEST_QUARANTINED = vs.wres_path("RIQ", 2024)
UNRECOGNISED = "wres/2024/notes.txt"


@dataclass
class Run:
    paths: Paths
    summary: dict
    ledger: pd.DataFrame
    outcomes: pd.DataFrame
    files: dict[str, str]  # case id -> landing path
    pseudonyms: list[str]


def pseudonyms(n: int, start: int) -> list[str]:
    return [hashlib.sha256(f"practitioner {start + i}".encode()).hexdigest() for i in range(n)]


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Run:
    root = tmp_path_factory.mktemp("validation")
    paths = Paths(landing=root / "landing", output=root / "output")
    zone = vs.RawZone(paths)
    files: dict[str, str] = {}
    case_orgs = [c.org or f"RC{i:02d}" for i, c in enumerate(WRES_CASES)]
    etr_orgs = ["RGD", "RBB", *(org for org in case_orgs if org != "RZZ")]
    used_pseudonyms: list[str] = []

    def concerns_cases(year: int) -> vs.Tables:
        used_pseudonyms.extend(pseudonyms(4, len(used_pseudonyms)))
        return vs.concerns_cases(year, used_pseudonyms[-4:])

    zone.add("reference/regions.csv", "reference", vs.regions())
    etr = vs.etr(etr_orgs)
    etr = vs.with_edit(etr, "ref_etr", etr_orgs.index("RWL") + 2, region_code="W00")
    etr = vs.with_edit(etr, "ref_etr", etr_orgs.index("RUA") + 2, open_date=None)
    zone.add("reference/etr.csv", "reference", etr)
    trust_types = vs.trust_types(["RGD", "RBB", "RC00", "RC01", "RC02"])
    successors = vs.successors(6)
    for c in TRUST_TYPE_CASES:
        trust_types = c.edit(trust_types, 0)
    for c in SUCCESSOR_CASES:
        successors = c.edit(successors, 0)
    trust_types_file = zone.add("reference/trust_types.csv", "reference", trust_types)
    successors_file = zone.add("reference/successors.csv", "reference", successors)
    files |= {c.id: trust_types_file for c in TRUST_TYPE_CASES}
    files |= {c.id: successors_file for c in SUCCESSOR_CASES}

    for c, org in zip(WRES_CASES, case_orgs, strict=True):
        files[c.id] = zone.add(
            vs.wres_path(org, 2024), "wres", c.edit(vs.wres_workbook(org, 2024), 2024), 2024, org
        )
    for year, c in enumerate(SURVEY_CASES, start=1990):
        files[c.id] = zone.add(
            vs.survey_path(year), "staff_survey", c.edit(vs.survey(year, "RGD"), year), year
        )
    for year, c in enumerate(CONCERNS_CASES, start=1950):
        path = vs.concerns_path(year, "cases")
        files[c.id] = zone.add(path, "concerns", c.edit(concerns_cases(year), year), year)
    for year, c in enumerate(POPULATION_CASES, start=2000):
        path = vs.concerns_path(year, "practitioner_population")
        files[c.id] = zone.add(path, "concerns", c.edit(vs.concerns_population(year), year), year)

    zone.add(GOOD_WRES, "wres", vs.wres_workbook("RGD", 2024), 2024, "RGD")
    zone.add(GOOD_SURVEY, "staff_survey", vs.survey(2023, "RGD"), 2023)
    zone.add(GOOD_CASES, "concerns", concerns_cases(2024), 2024)
    zone.add(GOOD_POPULATION, "concerns", vs.concerns_population(2024), 2024)
    big_board = vs.with_edit(vs.wres_workbook("RBB", 2024), "wres_board", 2, members="100")
    zone.add(BIG_BOARD, "wres", big_board, 2024, "RBB")
    zone.add(THIN_POPULATION_CASES, "concerns", concerns_cases(2023), 2023)
    thin = vs.with_edit(vs.concerns_population(2023), "concerns_population", 2, practitioners="0")
    zone.add(THIN_POPULATION, "concerns", thin, 2023)
    capped = vs.survey(1989, "RGD", respondents=150)
    for row in capped["survey_responses"]:
        row["q_hba_public"] = "9"
    zone.add(CAPPED_SURVEY, "staff_survey", capped, 1989)
    zone.add_quarantined_by_ingest(
        INGEST_QUARANTINED, "wres", 2024, "missing_sheet", "The board sheet is missing."
    )
    zone.add_unrecognised(UNRECOGNISED)
    zone.write()

    repository_context = sorted(GX_CONTEXT_DIR.rglob("*"))
    summary = validate_landed(paths)
    assert (
        sorted(GX_CONTEXT_DIR.rglob("*")) == repository_context
    ), "the run wrote into the repository"
    return Run(
        paths,
        summary,
        read_parquet(paths.quarantine_ledger),
        read_parquet(paths.file_outcomes),
        files,
        used_pseudonyms,
    )


def outcome(run: Run, path: str) -> str:
    return run.outcomes.set_index("source_file").at[path, "outcome"]


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.id)
def test_a_failing_row_quarantines_its_whole_file(run: Run, case: Case) -> None:
    path = run.files[case.id]
    assert outcome(run, path) == "quarantined"
    assert case.rule in run.outcomes.set_index("source_file").at[path, "reason"]

    file_ledger = run.ledger[run.ledger["source_file"] == path]
    sheet = "submission" if case.suite == WORKBOOK_SUITE else TABLES[case.suite].sheet
    entries = file_ledger[["sheet", "row", "column", "rule"]].astype(object)
    reported = set(entries.where(entries.notna(), None).itertuples(index=False, name=None))
    for row in (case.row, *case.also_rows):
        assert (sheet, row, case.column, case.rule) in reported
    if case in ONE_FILE_PER_CASE:  # nothing else in the file fails
        assert set(file_ledger["rule"]) == {case.rule}
    first = file_ledger.iloc[0]
    assert (first.sha256, first.source) == (vs.sha256(path), case_source(case))


def case_source(case: Case) -> str:
    return "wres" if case.suite == WORKBOOK_SUITE else TABLES[case.suite].source


def test_every_rule_has_a_case() -> None:
    rules = {
        (suite, e.meta["rule"])
        for suite, expectations in SUITES.items()
        if suite not in REQUIRED_REFERENCE_FILES
        for e in expectations()
    }
    assert rules == {(c.suite, c.rule) for c in ALL_CASES}


def test_other_files_are_still_validated(run: Run) -> None:
    for path in (
        "reference/etr.csv",
        "reference/regions.csv",
        GOOD_WRES,
        GOOD_SURVEY,
        GOOD_CASES,
        GOOD_POPULATION,
        BIG_BOARD,
        THIN_POPULATION_CASES,
        THIN_POPULATION,
    ):
        assert outcome(run, path) == "loaded", path
    validated = read_parquet(run.paths.validated / "wres_workforce.parquet")
    assert set(validated["_source_file"]) == {GOOD_WRES, BIG_BOARD}


def test_a_workbook_is_quarantined_in_every_sheet(run: Run) -> None:
    path = run.files["wres_board-members_not_null"]
    for table in TABLES.values():
        if table.source == "wres":
            rows = read_parquet(run.paths.validated / f"{table.name}.parquet")
            assert path not in set(rows["_source_file"])


def test_validated_zone_is_typed_complete_and_ordered(run: Run) -> None:
    for name in TABLES:
        table = pq.read_table(run.paths.validated / f"{name}.parquet")
        assert table.schema.remove_metadata() == validated_schema(name), name
        rows = table.to_pandas()
        assert rows.equals(rows.sort_values(["_source_file", "_source_row"]).reset_index(drop=True))
    # Both optional reference files were quarantined: still written, empty, full schema.
    assert pq.read_table(run.paths.validated / "ref_trust_types.parquet").num_rows == 0
    cases = pq.read_table(run.paths.validated / "concerns_cases.parquet").to_pydict()
    assert {str(d) for d in cases["case_opened_date"][:1]} == {"2022-04-01"}
    workforce = pq.read_table(run.paths.validated / "wres_workforce.parquet").to_pydict()
    assert sum(workforce["headcount"]) == 120  # two workbooks of 60 staff


def test_ledger_keeps_100_rows_per_rule_and_counts_the_rest(run: Run) -> None:
    rows = run.ledger[run.ledger["source_file"] == CAPPED_SURVEY]
    assert list(rows["row"].dropna()) == list(range(2, 102))
    (count,) = rows[rows["row"].isna()].itertuples()
    assert (count.rule, count.column, count.message) == (
        "q_hba_public_in_scale",
        "q_hba_public",
        "50 more rows failed rule q_hba_public_in_scale (only the first 100 are listed)",
    )


def test_ingest_failures_and_unrecognised_files_are_carried_through(run: Run) -> None:
    ingest = run.ledger[run.ledger["source_file"] == INGEST_QUARANTINED]
    assert list(ingest["rule"]) == ["missing_sheet"]
    assert outcome(run, INGEST_QUARANTINED) == "quarantined"
    assert outcome(run, UNRECOGNISED) == "unrecognised"
    report = (run.paths.quality / "quarantine_report.md").read_text()
    assert f"### {INGEST_QUARANTINED}" in report and UNRECOGNISED in report


def test_warnings_are_reported_but_do_not_quarantine(run: Run) -> None:
    assert run.summary["warnings_by_check"] == {
        "board_members_above_headcount": 1,
        "concerns_cases_above_population": 1,
        # etr.csv rows the pipeline does not monitor (contract 1.1): RWL in W00, RUA.
        "etr_out_of_scope": 1,
        "etr_unattributable": 1,
    }
    assert outcome(run, BIG_BOARD) == outcome(run, THIN_POPULATION_CASES) == "loaded"
    report = (run.paths.quality / "quarantine_report.md").read_text()
    assert "board_members_above_headcount" in report and "concerns_cases_above_population" in report


def test_quarantine_report_lists_each_file_and_failure(run: Run) -> None:
    report = (run.paths.quality / "quarantine_report.md").read_text()
    path = run.files["wres_workforce-headcount_not_null"]
    section = report.split(f"### {path}\n")[1].split("\n### ")[0]
    assert f"sha256: `{vs.sha256(path)}`" in section
    assert "reporting year: 2024" in section
    assert (
        "| workforce | 7 | headcount | headcount_not_null | headcount is required but empty. |"
        in section
    )
    csv = pd.read_csv(run.paths.quality / "quarantine.csv")
    assert len(csv) == len(run.ledger)


def test_personal_data_is_never_reported(run: Run) -> None:
    work = run.paths.work
    published = [
        work / "quarantine.parquet",
        *(work / "quality").rglob("*"),
        *(work / "gx").rglob("*"),
    ]
    texts = [
        read_parquet(work / "quarantine.parquet").to_csv(),
        *(
            p.read_text(errors="ignore")
            for p in published
            if p.is_file() and p.suffix != ".parquet"
        ),
    ]
    for pseudonym in run.pseudonyms:
        assert not any(pseudonym in text for text in texts)
    null_id = run.ledger[
        run.ledger["source_file"] == run.files["concerns_cases-practitioner_id_not_null"]
    ]
    assert list(null_id["column"]) == ["practitioner_id"]


def test_data_docs_are_published(run: Run) -> None:
    index = run.paths.quality / "data_docs" / "index.html"
    assert index.exists()
    html = index.read_text()
    assert all(suite in html for suite in SUITES)


def test_summary_counts_files_rows_and_expectations(run: Run) -> None:
    summary = run.summary
    assert summary["files_by_source"]["unrecognised"] == {
        "loaded": 0,
        "quarantined": 0,
        "unrecognised": 1,
    }
    assert summary["files"] == run.outcomes["outcome"].value_counts().to_dict()
    # One checkpoint per table and folder year (every suite runs at least once here).
    checkpoints = summary["checkpoints_by_suite"]
    assert set(checkpoints) == set(SUITES) and min(checkpoints.values()) >= 1
    assert summary["expectations_evaluated"] == sum(len(SUITES[s]()) * n for s, n in checkpoints.items())
    assert summary["rows_validated"] == sum(summary["rows_validated_by_suite"].values())
    assert summary["rows_loaded_by_table"]["survey_responses"] == 4
    assert summary["ledger_rows"] == len(run.ledger)
