"""Cross-file plausibility checks on the validated zone. They warn; they never quarantine.

Each compares figures that come from different places and can disagree for good reasons
(non-executive board members are not staff; register counts and case extracts are drawn
at different times), so a person should look, but the files stay in the run.
"""

from __future__ import annotations

import pandas as pd

from expectations.zones import read_parquet, validated_path
from ingest.config import Paths
from ingest.tables import FILE_YEAR, SOURCE_FILE

WARNING_COLUMNS = ["check", "source_file", "reporting_year", "message"]
CONCERNS_GROUP = ["profession", "region_code", "ethnic_category", "place_of_first_qualification"]
_COLUMNS_READ = {
    "wres_board": [SOURCE_FILE, FILE_YEAR, "members"],
    "wres_workforce": [SOURCE_FILE, "headcount"],
    "concerns_cases": [SOURCE_FILE, FILE_YEAR, *CONCERNS_GROUP],
    "concerns_population": ["reporting_year", *CONCERNS_GROUP, "practitioners"],
}


def cross_file_warnings(paths: Paths) -> pd.DataFrame:
    """Every warning as (check, source_file, reporting_year, message), from the validated zone."""
    frames = {
        name: read_parquet(validated_path(paths, name), columns)
        for name, columns in _COLUMNS_READ.items()
    }
    warnings = pd.concat(
        [board_above_headcount(frames), concerns_above_population(frames)], ignore_index=True
    )
    return warnings.sort_values(WARNING_COLUMNS, kind="stable").reset_index(drop=True)


def board_above_headcount(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """A workbook whose board has more members than the trust has staff."""
    board = frames["wres_board"].groupby([SOURCE_FILE, FILE_YEAR])["members"].sum()
    staff = frames["wres_workforce"].groupby(SOURCE_FILE)["headcount"].sum()
    totals = board.rename("members").reset_index()
    totals["headcount"] = totals[SOURCE_FILE].map(staff).fillna(0).astype("int64")
    above = totals[totals["members"] > totals["headcount"]]
    return pd.DataFrame(
        {
            "check": "board_members_above_headcount",
            "source_file": above[SOURCE_FILE].to_numpy(),
            "reporting_year": above[FILE_YEAR].to_numpy(),
            "message": [
                f"The board sheet counts {m} members, more than the workforce sheet's total "
                f"headcount of {h}."
                for m, h in zip(above["members"], above["headcount"], strict=True)
            ],
        },
        columns=WARNING_COLUMNS,
    )


def concerns_above_population(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Concerns cases above the practitioner population of their group, and case years
    with no population at all (their rates cannot be computed)."""
    cases, population = frames["concerns_cases"], frames["concerns_population"]
    practitioners = population.groupby(["reporting_year", *CONCERNS_GROUP])["practitioners"].sum()
    opened = (
        cases.groupby([SOURCE_FILE, FILE_YEAR, *CONCERNS_GROUP])
        .size()
        .rename("cases")
        .reset_index()
    )
    has_population = opened[FILE_YEAR].isin(population["reporting_year"])
    group_keys = pd.MultiIndex.from_frame(opened[[FILE_YEAR, *CONCERNS_GROUP]])
    opened["practitioners"] = practitioners.reindex(group_keys).fillna(0).astype("int64").to_numpy()
    above = opened[has_population & (opened["cases"] > opened["practitioners"])]
    without = opened[~has_population].drop_duplicates(SOURCE_FILE)
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "check": "concerns_cases_above_population",
                    "source_file": above[SOURCE_FILE].to_numpy(),
                    "reporting_year": above[FILE_YEAR].to_numpy(),
                    "message": [
                        # The count itself is not quoted: the report is published, and small
                        # concerns counts are disclosive below national level.
                        f"More cases than practitioners in the population file "
                        f"for {row.profession}, region {row.region_code}, "
                        f"ethnic category {row.ethnic_category}, place of first qualification "
                        f"{row.place_of_first_qualification}."
                        for row in above.itertuples()
                    ],
                },
                columns=WARNING_COLUMNS,
            ),
            pd.DataFrame(
                {
                    "check": "concerns_population_missing",
                    "source_file": without[SOURCE_FILE].to_numpy(),
                    "reporting_year": without[FILE_YEAR].to_numpy(),
                    "message": "No practitioner population was loaded for this reporting year, "
                    "so its concerns rates cannot be computed.",
                },
                columns=WARNING_COLUMNS,
            ),
        ],
        ignore_index=True,
    )
