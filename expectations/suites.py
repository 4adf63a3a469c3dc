"""The rules of the input contract as GX expectation suites: one suite per landed table,
and one over WRES workbooks (a submission sheet with no rows has no row to fail).

Each expectation is one rule. Its `meta` carries what the quarantine ledger shows:
`rule` (a stable id), `message` (plain English) and `column` (the contract column a person
should look at, or null for a rule about a whole row or sheet). `scaffold_context.py` writes
these suites into the versioned GX context in `expectations/gx/`; at run time that JSON,
not this module, is what GX reads.

Suites read the raw zone (text). Rules that need another column, sheet or file compare
against helper columns from `frames.py`; the WRES organisation lists come from etr.csv as
the run-time parameters `etr_org_codes`, `out_of_scope_org_codes` (national grouping not in
regions.csv) and `unattributable_org_codes` (rows that failed an `unattributable` rule).
"""

from __future__ import annotations

import great_expectations.expectations as gxe
from great_expectations.expectations.row_conditions import Column

from expectations import contract
from expectations.etr_scope import UNATTRIBUTABLE
from expectations.frames import (
    CASE_OPENED_REPORTING_YEAR,
    CATEGORY_HEADCOUNT,
    EXPECTED_ORG_CODE,
    EXPECTED_YEAR,
    SUBMISSION_ROWS,
    WORKBOOK_SUITE,
    number,
    parsed_date,
)
from ingest.tables import FILE_YEAR, SOURCE_FILE


def _rule(
    expectation: type[gxe.Expectation], rule: str, message: str, reported: str | None, **kwargs
) -> gxe.Expectation:
    """One rule: `expectation(**kwargs)` with the rule id, message and `reported`, the
    column the ledger names (None for a rule about a whole row or sheet), in its meta."""
    return expectation(meta={"rule": rule, "message": message, "column": reported}, **kwargs)


def _listed(values: tuple[str, ...]) -> str:
    return ", ".join(values)


# Building blocks shared by several suites.


def required(column: str, reported_as: str | None = None) -> gxe.Expectation:
    name = reported_as or column
    return _rule(
        gxe.ExpectColumnValuesToNotBeNull,
        f"{name}_not_null",
        f"{name} is required but empty.",
        name,
        column=column,
    )


def in_set(column: str, values: tuple[str, ...], rule: str | None = None) -> gxe.Expectation:
    return _rule(
        gxe.ExpectColumnValuesToBeInSet,
        rule or f"{column}_in_set",
        f"{column} must be one of: {_listed(values)}.",
        column,
        column=column,
        value_set=list(values),
    )


def count(column: str) -> list[gxe.Expectation]:
    return [
        required(column),
        _rule(
            gxe.ExpectColumnValuesToMatchRegex,
            f"{column}_non_negative_integer",
            f"{column} must be a whole number of 0 or more, written in digits only.",
            column,
            column=column,
            regex=contract.NON_NEGATIVE_INTEGER_REGEX,
        ),
    ]


def date(column: str, fmt: str, written: str) -> gxe.Expectation:
    return _rule(
        gxe.ExpectColumnValuesToMatchStrftimeFormat,
        f"{column}_valid_date",
        f"{column} must be a real calendar date written {written}.",
        column,
        column=column,
        strftime_format=fmt,
    )


def iso_date(column: str) -> gxe.Expectation:
    return date(column, contract.ISO_DATE_FORMAT, "YYYY-MM-DD")


def ethnic_category() -> list[gxe.Expectation]:
    return [
        required("ethnic_category"),
        in_set("ethnic_category", contract.ETHNIC_CATEGORIES),
    ]


def unique_within_file(
    columns: tuple[str, ...], rule: str, message: str, column: str | None = None
) -> gxe.Expectation:
    return _rule(
        gxe.ExpectCompoundColumnsToBeUnique,
        rule,
        message,
        column,
        column_list=[SOURCE_FILE, *columns],
        ignore_row_if="any_value_is_missing",
    )


def one_row_per_category(sheet: str) -> gxe.Expectation:
    return unique_within_file(
        ("ethnic_category",),
        "ethnic_category_unique",
        f"ethnic_category appears more than once in the {sheet} sheet.",
        "ethnic_category",
    )


def matches_year(column: str, rule: str, where: str) -> gxe.Expectation:
    return _rule(
        gxe.ExpectColumnPairValuesToBeEqual,
        rule,
        f"{column} must equal the year in {where}.",
        column,
        column_A=column,
        column_B=EXPECTED_YEAR,
        ignore_row_if="either_value_is_missing",
    )


def not_above(column: str, limit_column: str, rule: str, message: str) -> gxe.Expectation:
    """`column` (as a number) is at most `limit_column` on the same row. Rows where either
    is not a number are left to the rules that check the numbers themselves."""
    return _rule(
        gxe.ExpectColumnPairValuesAToBeGreaterThanB,
        rule,
        message,
        column,
        column_A=limit_column,
        column_B=number(column),
        or_equal=True,
        ignore_row_if="either_value_is_missing",
    )


def not_before(later: str, earlier: str, rule: str, message: str) -> gxe.Expectation:
    return _rule(
        gxe.ExpectColumnPairValuesAToBeGreaterThanB,
        rule,
        message,
        later,
        column_A=parsed_date(later),
        column_B=parsed_date(earlier),
        or_equal=True,
        ignore_row_if="either_value_is_missing",
    )


def given_when(column: str, flag: str, rule: str, message: str) -> gxe.Expectation:
    return _rule(
        gxe.ExpectColumnValuesToNotBeNull,
        rule,
        message,
        column,
        column=column,
        row_condition=Column(flag) == "Y",
    )


def empty_unless(column: str, flag: str, rule: str, message: str) -> gxe.Expectation:
    return _rule(
        gxe.ExpectColumnValuesToBeNull,
        rule,
        message,
        column,
        column=column,
        row_condition=Column(flag) == "N",
    )


# The suites.


# etr.csv is read as ODS publishes it (input contract 1.1): only an empty or repeated
# organisation code makes the file unusable. A row that fails one of the rules marked
# UNATTRIBUTABLE instead cannot be attributed: it stays in the run, is listed with a
# warning and is never expected.


def _ref_etr() -> list[gxe.Expectation]:
    # ODS column positions, as the reasons name them for a person holding the file.
    written = {
        "org_name": "name (column 2)",
        "region_code": "national grouping (column 3)",
        "open_date": "open date (column 11)",
        "close_date": "close date (column 12)",
    }

    def unattributable(expectation: type[gxe.Expectation], rule: str, problem: str, reported: str, **kwargs):
        meta = {"rule": rule, "message": f"the {written[reported]} {problem}", "column": reported}
        return expectation(meta={**meta, "effect": UNATTRIBUTABLE}, **kwargs)

    def given(column: str) -> gxe.Expectation:
        return unattributable(gxe.ExpectColumnValuesToNotBeNull, f"{column}_not_null", "is empty", column, column=column)

    def etr_date(column: str) -> gxe.Expectation:
        return unattributable(
            gxe.ExpectColumnValuesToMatchStrftimeFormat,
            f"{column}_valid_date",
            "is not a real calendar date written YYYYMMDD",
            column,
            column=column,
            strftime_format=contract.ETR_DATE_FORMAT,
        )

    return [
        required("org_code"),
        _rule(
            gxe.ExpectColumnValuesToBeUnique,
            "org_code_unique",
            "org_code appears more than once in etr.csv.",
            "org_code",
            column="org_code",
        ),
        given("org_name"),
        given("region_code"),
        given("open_date"),
        etr_date("open_date"),
        etr_date("close_date"),
        unattributable(
            gxe.ExpectColumnPairValuesAToBeGreaterThanB,
            "close_date_not_before_open_date",
            f"is before the {written['open_date']}",
            "close_date",
            column_A=parsed_date("close_date"),
            column_B=parsed_date("open_date"),
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
    ]


def _ref_regions() -> list[gxe.Expectation]:
    return [
        required("region_code"),
        _rule(
            gxe.ExpectColumnValuesToBeUnique,
            "region_code_unique",
            "region_code appears more than once in regions.csv.",
            "region_code",
            column="region_code",
        ),
        required("region_name"),
    ]


def _ref_trust_types() -> list[gxe.Expectation]:
    return [
        required("org_code"),
        _rule(
            gxe.ExpectColumnValuesToBeUnique,
            "org_code_unique",
            "org_code appears more than once in trust_types.csv.",
            "org_code",
            column="org_code",
        ),
        required("trust_type"),
        in_set("trust_type", contract.TRUST_TYPES),
    ]


def _ref_successors() -> list[gxe.Expectation]:
    return [
        required("old_org_code"),
        _rule(
            gxe.ExpectColumnValuesToBeUnique,
            "old_org_code_unique",
            "old_org_code has more than one successor.",
            "old_org_code",
            column="old_org_code",
        ),
        required("new_org_code"),
        required("effective_date"),
        iso_date("effective_date"),
    ]


def _wres_workbooks() -> list[gxe.Expectation]:
    expectation = _rule(
        gxe.ExpectColumnValuesToBeInSet,
        "submission_one_row",
        "The submission sheet must have exactly one data row.",
        None,
        column=SUBMISSION_ROWS,
        value_set=[1],
    )
    expectation.meta["sheet"] = "submission"  # the frame has a row per workbook, not sheet row
    return [expectation]


def _wres_submission() -> list[gxe.Expectation]:
    return [
        required("org_code"),
        _rule(
            gxe.ExpectColumnPairValuesToBeEqual,
            "org_code_matches_file_name",
            "org_code must equal the organisation code in the file name.",
            "org_code",
            column_A="org_code",
            column_B=EXPECTED_ORG_CODE,
            ignore_row_if="either_value_is_missing",
        ),
        _rule(
            gxe.ExpectColumnValuesToBeInSet,
            "org_code_in_etr",
            "org_code is not an organisation in etr.csv.",
            "org_code",
            column="org_code",
            value_set={"$PARAMETER": "etr_org_codes"},
        ),
        _rule(
            gxe.ExpectColumnValuesToNotBeInSet,
            "org_code_in_scope",
            "org_code is outside England in etr.csv (its national grouping is not a region in "
            "regions.csv), so the pipeline does not monitor it.",
            "org_code",
            column="org_code",
            value_set={"$PARAMETER": "out_of_scope_org_codes"},
        ),
        _rule(
            gxe.ExpectColumnValuesToNotBeInSet,
            "org_code_attributable",
            "org_code's row in etr.csv cannot be attributed (an empty name, national grouping or "
            "open date, or a bad date; see the data-quality report), so no return is expected from it.",
            "org_code",
            column="org_code",
            value_set={"$PARAMETER": "unattributable_org_codes"},
        ),
        required("reporting_year"),
        matches_year("reporting_year", "reporting_year_matches_file_name", "the file name"),
        required("submission_date"),
        iso_date("submission_date"),
    ]


def _wres_workforce() -> list[gxe.Expectation]:
    return [
        required("staff_group"),
        in_set("staff_group", contract.STAFF_GROUPS),
        required("band"),
        _rule(
            gxe.ExpectColumnValuesToBeInSet,
            "band_valid_for_agenda_for_change",
            "band must be an Agenda for Change band (Under Band 1, Band 1 to Band 9, VSM) "
            "for Clinical and Non-clinical staff.",
            "band",
            column="band",
            value_set=list(contract.AGENDA_FOR_CHANGE_BANDS),
            row_condition=Column("staff_group").is_in(contract.AGENDA_FOR_CHANGE_STAFF_GROUPS),
        ),
        _rule(
            gxe.ExpectColumnValuesToBeInSet,
            "band_valid_for_medical_and_dental",
            f"band must be one of {_listed(contract.MEDICAL_GRADES)} for Medical and dental staff.",
            "band",
            column="band",
            value_set=list(contract.MEDICAL_GRADES),
            row_condition=Column("staff_group") == contract.MEDICAL_STAFF_GROUP,
        ),
        *ethnic_category(),
        *count("headcount"),
        unique_within_file(
            ("staff_group", "band", "ethnic_category"),
            "staff_group_band_ethnic_category_unique",
            "The same staff_group, band and ethnic_category appear on more than one row.",
        ),
    ]


def _wres_recruitment() -> list[gxe.Expectation]:
    return [
        *ethnic_category(),
        one_row_per_category("recruitment"),
        *count("shortlisted"),
        *count("appointed"),
        not_above(
            "appointed",
            number("shortlisted"),
            "appointed_not_above_shortlisted",
            "appointed is greater than shortlisted.",
        ),
    ]


def _category_count(sheet: str, column: str) -> list[gxe.Expectation]:
    return [
        *ethnic_category(),
        one_row_per_category(sheet),
        *count(column),
        not_above(
            column,
            CATEGORY_HEADCOUNT,
            f"{column}_not_above_headcount",
            f"{column} is greater than the workbook's total workforce headcount for this "
            "ethnic category.",
        ),
    ]


def _wres_board() -> list[gxe.Expectation]:
    return [
        *ethnic_category(),
        required("executive"),
        in_set("executive", contract.YES_NO),
        required("voting"),
        in_set("voting", contract.YES_NO),
        # Board members are counted by category and by executive/voting role, so a category
        # appears on up to four rows, once for each combination.
        unique_within_file(
            ("ethnic_category", "executive", "voting"),
            "ethnic_category_executive_voting_unique",
            "The same ethnic_category, executive and voting appear on more than one row.",
        ),
        *count("members"),
    ]


def _survey_responses() -> list[gxe.Expectation]:
    def item(column: str, scale: tuple[str, ...]) -> gxe.Expectation:
        return _rule(
            gxe.ExpectColumnValuesToBeInSet,
            f"{column}_in_scale",
            f"{column} must be one of {_listed(scale)}, or empty when not answered.",
            column,
            column=column,
            value_set=list(scale),
        )

    return [
        required("survey_year"),
        matches_year("survey_year", "survey_year_matches_folder", "the folder name"),
        required("org_code"),
        required("respondent_id"),
        unique_within_file(
            ("respondent_id",),
            "respondent_id_unique",
            "respondent_id appears more than once in the file.",
            "respondent_id",
        ),
        *ethnic_category(),
        item("q_hba_public", contract.HBA_SCALE),
        item("q_hba_manager", contract.HBA_SCALE),
        item("q_hba_colleagues", contract.HBA_SCALE),
        item("q_equal_opps", contract.EQUAL_OPPS_SCALE),
        item("q_discrim_mgr_colleague", contract.DISCRIMINATION_SCALE),
    ]


def _concerns_cases() -> list[gxe.Expectation]:
    return [
        required("case_ref"),
        # Unique across every year's extract: a case belongs to one reporting year only.
        _rule(
            gxe.ExpectColumnValuesToBeUnique,
            "case_ref_unique",
            "case_ref appears more than once (in this extract or another year's).",
            "case_ref",
            column="case_ref",
        ),
        # The pseudonym stands in for practitioner_id, the column a supplier knows.
        required("practitioner_pseudonym", reported_as="practitioner_id"),
        required("profession"),
        in_set("profession", contract.PROFESSIONS),
        *ethnic_category(),
        required("place_of_first_qualification"),
        in_set("place_of_first_qualification", contract.PLACES_OF_QUALIFICATION),
        required("gender"),
        in_set("gender", contract.GENDERS),
        required("age_band"),
        in_set("age_band", contract.AGE_BANDS),
        required("org_code"),
        required("region_code"),
        required("case_opened_date"),
        iso_date("case_opened_date"),
        _rule(
            gxe.ExpectColumnPairValuesToBeEqual,
            "case_opened_date_in_reporting_year",
            "case_opened_date is outside the reporting year of the folder "
            "(1 April of the year before to 31 March).",
            "case_opened_date",
            column_A=CASE_OPENED_REPORTING_YEAR,
            column_B=FILE_YEAR,
            ignore_row_if="either_value_is_missing",
        ),
        iso_date("case_closed_date"),
        not_before(
            "case_closed_date",
            "case_opened_date",
            "case_closed_date_not_before_opened",
            "case_closed_date is before case_opened_date.",
        ),
        required("concern_types"),
        _rule(
            gxe.ExpectColumnValuesToMatchRegex,
            "concern_types_subset",
            "concern_types must be one or more of "
            f"{_listed(contract.CONCERN_TYPES)}, separated by ';', none repeated.",
            "concern_types",
            column="concern_types",
            regex=contract.CONCERN_TYPES_REGEX,
        ),
        required("excluded"),
        in_set("excluded", contract.YES_NO),
        iso_date("exclusion_start_date"),
        iso_date("exclusion_end_date"),
        given_when(
            "exclusion_start_date",
            "excluded",
            "exclusion_start_date_when_excluded",
            "exclusion_start_date is required when excluded is Y.",
        ),
        empty_unless(
            "exclusion_start_date",
            "excluded",
            "exclusion_start_date_only_when_excluded",
            "exclusion_start_date must be empty when excluded is N.",
        ),
        empty_unless(
            "exclusion_end_date",
            "excluded",
            "exclusion_end_date_only_when_excluded",
            "exclusion_end_date must be empty when excluded is N.",
        ),
        not_before(
            "exclusion_end_date",
            "exclusion_start_date",
            "exclusion_end_date_not_before_start",
            "exclusion_end_date is before exclusion_start_date.",
        ),
        required("assessment_referred"),
        in_set("assessment_referred", contract.YES_NO),
        in_set("assessment_outcome", contract.ASSESSMENT_OUTCOMES),
        given_when(
            "assessment_outcome",
            "assessment_referred",
            "assessment_outcome_when_referred",
            "assessment_outcome is required when assessment_referred is Y.",
        ),
        empty_unless(
            "assessment_outcome",
            "assessment_referred",
            "assessment_outcome_only_when_referred",
            "assessment_outcome must be empty when assessment_referred is N.",
        ),
    ]


def _concerns_population() -> list[gxe.Expectation]:
    return [
        required("reporting_year"),
        matches_year("reporting_year", "reporting_year_matches_folder", "the folder name"),
        required("profession"),
        in_set("profession", contract.PROFESSIONS),
        required("region_code"),
        *ethnic_category(),
        required("place_of_first_qualification"),
        in_set("place_of_first_qualification", contract.PLACES_OF_QUALIFICATION),
        # Denominators: one count per group, or rates would double-count.
        unique_within_file(
            ("profession", "region_code", "ethnic_category", "place_of_first_qualification"),
            "population_group_unique",
            "The same profession, region_code, ethnic_category and place_of_first_qualification "
            "appear on more than one row.",
        ),
        *count("practitioners"),
    ]


SUITES = {
    "ref_etr": _ref_etr,
    "ref_regions": _ref_regions,
    "ref_trust_types": _ref_trust_types,
    "ref_successors": _ref_successors,
    WORKBOOK_SUITE: _wres_workbooks,
    "wres_submission": _wres_submission,
    "wres_workforce": _wres_workforce,
    "wres_recruitment": _wres_recruitment,
    "wres_disciplinary": lambda: _category_count("disciplinary", "entered_formal_disciplinary"),
    "wres_training": lambda: _category_count("training", "accessed_non_mandatory_training"),
    "wres_board": _wres_board,
    "survey_responses": _survey_responses,
    "concerns_cases": _concerns_cases,
    "concerns_population": _concerns_population,
}
