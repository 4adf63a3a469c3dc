"""The frames GX validates: raw-zone text plus the helper columns some rules need.

A rule that compares a value with another column, another sheet or the file's name still
runs as a GX expectation; Python only puts what it compares against on the same row.
Helper columns start with "_" and never reach the validated zone.

Raw text columns are handed to GX as categoricals (read from the raw zone as Arrow
dictionaries): GX copies the whole frame for each expectation (to drop nulls or unexpected
rows), and copying integer codes instead of strings makes a national survey table validate
about twice as fast.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

import numpy as np
import pandas as pd

from expectations.contract import date_format
from ingest.tables import FILE_ORG_CODE, FILE_YEAR, SOURCE_FILE, SOURCE_ROW, TABLES

# Helper columns referenced by the suites.
EXPECTED_ORG_CODE = "_expected_org_code"  # WRES file-name organisation code, upper case
EXPECTED_YEAR = "_expected_year"  # folder year as text, to compare with a year column
CATEGORY_HEADCOUNT = "_category_headcount"  # workbook's total headcount for the category
CASE_OPENED_REPORTING_YEAR = "_case_opened_reporting_year"  # year ending 31 March

# The workbook-level frame: one row per WRES workbook accepted by ingest.
WORKBOOK_SUITE = "wres_workbooks"
SUBMISSION_ROWS = "submission_rows"


def number(column: str) -> str:
    """Helper column holding `column` as a number (NaN when it is not one)."""
    return f"_{column}_number"


def parsed_date(column: str) -> str:
    """Helper column holding `column` as a date (NaT when empty or invalid)."""
    return f"_{column}_parsed"


def parse_dates(text: pd.Series, fmt: str) -> pd.Series:
    """Dates read with `datetime.strptime`, the parser behind GX's strftime expectation,
    so that validation and the validated-zone cast always agree. NaT where not a date."""

    def parse(value: str) -> datetime | None:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            return None

    lookup = {value: parse(value) for value in text.dropna().unique()}
    return pd.to_datetime(text.map(lookup).astype("object"))


def validation_frame(table: str, raw: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The table's contract columns and source file, plus its helper columns, as read from
    the raw zone (expectations/zones.py): categoricals, but for identifiers and dates,
    which stay plain text (GX's strftime check cannot negate a categorical result)."""
    columns = [*TABLES[table].columns, SOURCE_FILE]
    frame = raw[table][columns]
    helpers = _HELPERS.get(table)
    return frame.assign(**helpers(raw)) if helpers else frame


def workbook_frame(wres_files: list[str], submission: pd.DataFrame) -> pd.DataFrame:
    """One row per WRES workbook with the number of data rows in its submission sheet:
    a sheet with no rows has nothing for a row-level rule to fail on."""
    counts = submission[SOURCE_FILE].value_counts()
    return pd.DataFrame(
        {
            SOURCE_FILE: wres_files,
            SOURCE_ROW: pd.array([None] * len(wres_files), dtype="Int64"),
            SUBMISSION_ROWS: counts.reindex(wres_files, fill_value=0).to_numpy(),
        }
    )


def _as_number(text: pd.Series) -> pd.Series:
    """`text` as numbers, NaN where not one. A categorical is converted once per category,
    with the result pandas gives for the text itself (int64 only when every value is one)."""
    if not isinstance(text.dtype, pd.CategoricalDtype):
        return pd.to_numeric(text, errors="coerce")
    numbers = pd.to_numeric(pd.Series(text.cat.categories), errors="coerce").to_numpy()
    codes = text.cat.codes.to_numpy()
    if not len(numbers):
        return pd.Series(np.nan, index=text.index, dtype="float64" if len(text) else "int64")
    values = numbers[codes]
    if (codes == -1).any() or numbers.dtype.kind == "f":
        values = np.where(codes == -1, np.nan, values.astype("float64"))
    return pd.Series(values, index=text.index)


def _year_text(years: pd.Series) -> pd.Series:
    return years.astype("Int64").astype("str")


def _submission(raw: Mapping[str, pd.DataFrame]) -> dict[str, pd.Series]:
    rows = raw["wres_submission"]
    return {
        EXPECTED_ORG_CODE: rows[FILE_ORG_CODE].str.upper(),
        EXPECTED_YEAR: _year_text(rows[FILE_YEAR]),
    }


def _recruitment(raw: Mapping[str, pd.DataFrame]) -> dict[str, pd.Series]:
    rows = raw["wres_recruitment"]
    return {number(c): _as_number(rows[c]) for c in ("shortlisted", "appointed")}


def _category_counts(table: str, count: str) -> Callable[[Mapping[str, pd.DataFrame]], dict]:
    """Disciplinary and training counts beside the workbook's total headcount for the same
    ethnic category. A category missing from the workforce sheet has a headcount of zero."""

    def helpers(raw: Mapping[str, pd.DataFrame]) -> dict[str, pd.Series]:
        rows, workforce = raw[table], raw["wres_workforce"]
        keys = [SOURCE_FILE, "ethnic_category"]
        totals = _as_number(workforce["headcount"]).groupby([workforce[k] for k in keys]).sum()
        headcount = pd.Series(
            totals.reindex(pd.MultiIndex.from_frame(rows[keys])).to_numpy(), index=rows.index
        )
        # A row without a category is left to its own rule, not reported as above headcount.
        headcount = headcount.mask(headcount.isna() & rows["ethnic_category"].notna(), 0)
        return {CATEGORY_HEADCOUNT: headcount, number(count): _as_number(rows[count])}

    return helpers


def _folder_year(table: str) -> Callable[[Mapping[str, pd.DataFrame]], dict]:
    def helpers(raw: Mapping[str, pd.DataFrame]) -> dict[str, pd.Series]:
        return {EXPECTED_YEAR: _year_text(raw[table][FILE_YEAR])}

    return helpers


def _etr(raw: Mapping[str, pd.DataFrame]) -> dict[str, pd.Series]:
    rows = raw["ref_etr"]
    return {parsed_date(c): parse_dates(rows[c], date_format("ref_etr")) for c in ("open_date", "close_date")}


def _cases(raw: Mapping[str, pd.DataFrame]) -> dict[str, pd.Series]:
    rows = raw["concerns_cases"]
    dates = {
        parsed_date(c): parse_dates(rows[c], date_format("concerns_cases"))
        for c in (
            "case_opened_date",
            "case_closed_date",
            "exclusion_start_date",
            "exclusion_end_date",
        )
    }
    opened = dates[parsed_date("case_opened_date")]
    # The reporting year ending 31 March Y runs from 1 April Y-1.
    opened_year = opened.dt.year + (opened.dt.month >= 4)
    return {**dates, CASE_OPENED_REPORTING_YEAR: opened_year, FILE_YEAR: rows[FILE_YEAR]}


_HELPERS: dict[str, Callable[[Mapping[str, pd.DataFrame]], dict[str, pd.Series]]] = {
    "ref_etr": _etr,
    "wres_submission": _submission,
    "wres_recruitment": _recruitment,
    "wres_disciplinary": _category_counts("wres_disciplinary", "entered_formal_disciplinary"),
    "wres_training": _category_counts("wres_training", "accessed_non_mandatory_training"),
    "survey_responses": _folder_year("survey_responses"),
    "concerns_population": _folder_year("concerns_population"),
    "concerns_cases": _cases,
}
