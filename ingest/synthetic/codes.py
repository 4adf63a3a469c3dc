"""The input contract's vocabularies, as the generator needs them.

Everything here is copied from the input contract (`inputs.md`), so that the generator writes
exactly the values the pipeline accepts. Arrays are ordered once, here, and every model in
the package indexes them in this order.
"""

from __future__ import annotations

import numpy as np

# NHS Data Dictionary ethnic categories (2001 census codes), in contract order.
ETHNIC_CATEGORIES = ("A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "M", "N", "P", "R", "S", "Z", "99")

# Broad group of each category. "White" and "Unknown" are groups too, so that models can
# index one array of per-group effects.
GROUPS = ("White", "Asian", "Black", "Mixed", "Other", "Unknown")
BME_GROUPS = ("Asian", "Black", "Mixed", "Other")
_GROUP_OF = {
    **dict.fromkeys("ABC", "White"),
    **dict.fromkeys("DEFG", "Mixed"),
    **dict.fromkeys("HJKL", "Asian"),
    **dict.fromkeys("MNP", "Black"),
    **dict.fromkeys("RS", "Other"),
    "Z": "Unknown",
    "99": "Unknown",
}
GROUP_OF_CATEGORY = np.array([GROUPS.index(_GROUP_OF[c]) for c in ETHNIC_CATEGORIES])
WHITE = np.array([_GROUP_OF[c] == "White" for c in ETHNIC_CATEGORIES])
UNKNOWN = np.array([_GROUP_OF[c] == "Unknown" for c in ETHNIC_CATEGORIES])
BME = ~(WHITE | UNKNOWN)

REGIONS = {
    "Y56": "London",
    "Y58": "South West",
    "Y59": "South East",
    "Y60": "Midlands",
    "Y61": "East of England",
    "Y62": "North West",
    "Y63": "North East and Yorkshire",
}
REGION_CODES = tuple(REGIONS)

TRUST_TYPES = ("acute", "mental health", "community", "ambulance")

STAFF_GROUPS = ("Clinical", "Non-clinical", "Medical and dental")
AFC_BANDS = (
    "Under Band 1",
    *(f"Band {n}" for n in range(1, 8)),
    "Band 8a",
    "Band 8b",
    "Band 8c",
    "Band 8d",
    "Band 9",
    "VSM",
)
MEDICAL_BANDS = ("Consultant", "Non-consultant career grade", "Trainee grade", "Other")

# The workforce sheet's (staff_group, band) cells, in the order a return lists them.
WORKFORCE_CELLS = tuple(
    [(group, band) for group in STAFF_GROUPS[:2] for band in AFC_BANDS]
    + [(STAFF_GROUPS[2], band) for band in MEDICAL_BANDS]
)
CELL_STAFF_GROUP = np.array([STAFF_GROUPS.index(group) for group, _ in WORKFORCE_CELLS])

PROFESSIONS = ("Doctor", "Dentist", "Pharmacist")
QUALIFICATIONS = ("UK", "EEA", "Outside EEA", "Unknown")
GENDERS = ("Female", "Male", "Other", "Unknown")
AGE_BANDS = ("Under 35", "35-44", "45-54", "55-64", "65 and over", "Unknown")
CONCERN_TYPES = ("clinical", "behaviour", "health", "governance", "other")
ASSESSMENT_OUTCOMES = ("Expected level", "Below expected level", "Pending")
