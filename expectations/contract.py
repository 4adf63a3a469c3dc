"""Allowed values and formats from the input contract (inputs.md, version 1).

The suites (`suites.py`) check raw text against these, and the validated zone casts that
text with the same formats, so a value that passes validation always casts.
"""

from __future__ import annotations

# NHS Data Dictionary ethnic category (2001 census codes); Z not stated, 99 not known.
ETHNIC_CATEGORIES = (*"ABCDEFGHJKLMNPRS", "Z", "99")

STAFF_GROUPS = ("Clinical", "Non-clinical", "Medical and dental")
# Agenda for Change bands apply to Clinical and Non-clinical staff; medical grades to
# Medical and dental staff.
AGENDA_FOR_CHANGE_STAFF_GROUPS = ("Clinical", "Non-clinical")
MEDICAL_STAFF_GROUP = "Medical and dental"
AGENDA_FOR_CHANGE_BANDS = (
    "Under Band 1",
    *(f"Band {n}" for n in range(1, 8)),
    "Band 8a",
    "Band 8b",
    "Band 8c",
    "Band 8d",
    "Band 9",
    "VSM",
)
MEDICAL_GRADES = ("Consultant", "Non-consultant career grade", "Trainee grade", "Other")

YES_NO = ("Y", "N")

# Staff survey item scales, coded as text; an empty cell means "not answered".
HBA_SCALE = ("1", "2", "3", "4", "5")  # Never ... More than 10 times
EQUAL_OPPS_SCALE = ("1", "2", "3")  # Yes, No, Don't know
DISCRIMINATION_SCALE = ("1", "2")  # Yes, No

PROFESSIONS = ("Doctor", "Dentist", "Pharmacist")
PLACES_OF_QUALIFICATION = ("UK", "EEA", "Outside EEA", "Unknown")
GENDERS = ("Female", "Male", "Other", "Unknown")
AGE_BANDS = ("Under 35", "35-44", "45-54", "55-64", "65 and over", "Unknown")
ASSESSMENT_OUTCOMES = ("Expected level", "Below expected level", "Pending")
CONCERN_TYPES = ("clinical", "behaviour", "health", "governance", "other")
TRUST_TYPES = ("acute", "mental health", "community", "ambulance")

# A count: digits only. At most 18 of them, so that every accepted value fits in int64.
NON_NEGATIVE_INTEGER_REGEX = r"^[0-9]{1,18}$"

_CONCERN_TYPE = "(?:" + "|".join(CONCERN_TYPES) + ")"
# One or more concern types separated by ";". The lookaheads reject a type named twice
# (a subset has no repeats); they avoid capture groups, which pandas warns about.
_NO_REPEATS = "".join(rf"(?!.*\b{t}\b.*\b{t}\b)" for t in CONCERN_TYPES)
CONCERN_TYPES_REGEX = rf"^{_NO_REPEATS}{_CONCERN_TYPE}(?:;{_CONCERN_TYPE})*$"

ISO_DATE_FORMAT = "%Y-%m-%d"
ETR_DATE_FORMAT = "%Y%m%d"  # ODS extracts write dates as YYYYMMDD
DATE_FORMATS = {"ref_etr": ETR_DATE_FORMAT}  # every other table uses ISO dates


def date_format(table: str) -> str:
    return DATE_FORMATS.get(table, ISO_DATE_FORMAT)


# etr.csv and regions.csv are required: any failure in regions.csv, or one that makes etr.csv
# unusable, stops the run (expectations/etr_scope.py says which etr rules only mark a row).
# Regions come first because etr's national groupings are scoped against them.
REQUIRED_REFERENCE_FILES = {"ref_regions": "reference/regions.csv", "ref_etr": "reference/etr.csv"}
