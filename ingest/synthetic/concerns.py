"""Practitioner concerns: concerns/<Y>/cases.csv and concerns/<Y>/practitioner_population.csv.

The population is the register of doctors, dentists and pharmacists by region, ethnic
category and place of first qualification (about 300k, 45k and 60k at scale 1, growing
2% a year). Cases are drawn from it: about 1,000 a year at scale 1, whatever the number
of trusts. BME practitioners and international medical graduates (IMGs) are referred more
often, Black practitioners are excluded more often, and IMGs are less often assessed at
the expected level (trends.py).

Each year's extract is a snapshot taken at the end of the reporting year, so every date in
it falls inside the year: an exclusion or a case still running on 31 March has no end date.
Practitioner ids are fictional seven-digit registration numbers starting with 9, unique
across the whole run: fictional people, no real register uses that range.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from ingest.synthetic import files, trends
from ingest.synthetic.codes import (
    AGE_BANDS,
    CONCERN_TYPES,
    ETHNIC_CATEGORIES,
    GENDERS,
    GROUP_OF_CATEGORY,
    GROUPS,
    PROFESSIONS,
    QUALIFICATIONS,
    REGION_CODES,
)
from ingest.synthetic.ethnicity import category_shares
from ingest.synthetic.nation import REGION_PROFILES, Nation
from ingest.synthetic.streams import stream

CASES_PER_YEAR = 1_000  # at scale 1, in 2022
PRACTITIONERS = dict(zip(PROFESSIONS, (300_000, 45_000, 60_000), strict=True))  # at scale 1, in 2022
GROWTH = 0.02  # a year, cases and practitioners alike
REGION_SHARE = dict(zip(REGION_CODES, (0.19, 0.10, 0.16, 0.17, 0.10, 0.14, 0.14), strict=True))

# By profession, over QUALIFICATIONS (UK, EEA, Outside EEA, Unknown).
QUALIFICATION_MIX = {
    "Doctor": (0.62, 0.09, 0.28, 0.01),
    "Dentist": (0.70, 0.17, 0.12, 0.01),
    "Pharmacist": (0.80, 0.07, 0.12, 0.01),
}
BME_SHARE = {  # among those with a stated ethnicity
    "Doctor": (0.36, 0.12, 0.88, 0.5),
    "Dentist": (0.38, 0.10, 0.85, 0.5),
    "Pharmacist": (0.52, 0.12, 0.88, 0.5),
}
# By place of first qualification.
UNKNOWN_ETHNICITY = (0.05, 0.07, 0.06, 0.35)
WHITE_MIX = ((0.88, 0.03, 0.09), (0.02, 0.25, 0.73), (0.25, 0.02, 0.73), (0.60, 0.05, 0.35))  # A, B, C
BME_MIX = ((0.62, 0.15, 0.10, 0.13), (0.35, 0.15, 0.25, 0.25), (0.62, 0.20, 0.03, 0.15), (0.5, 0.2, 0.1, 0.2))

# Case-level models.
REFERRAL_BY_PROFESSION = dict(zip(PROFESSIONS, (1.0, 1.9, 0.55), strict=True))  # relative rates
EXCLUSION_BY_PROFESSION = dict(zip(PROFESSIONS, (1.0, 0.5, 0.6), strict=True))
REFERRED_BY_TRUST = dict(zip(PROFESSIONS, (0.80, 0.25, 0.30), strict=True))  # the rest by practices
CONCERN_TYPE_SHARE = (0.62, 0.38, 0.10, 0.12, 0.05)
GENDER_SHARE = (0.31, 0.67, 0.003, 0.017)
AGE_SHARE = (0.08, 0.26, 0.33, 0.25, 0.06, 0.02)
CASE_DAYS = (150, 0.8)  # median and log-sigma of a case's length
EXCLUSION_DAYS = (80, 0.7)
ASSESSMENT_REFERRAL = (0.10, 0.10)  # base chance, plus this for a clinical concern
PENDING = (0.8, 0.3)  # chance an open case's assessment is pending: opened in the last 120 days, or earlier
PRACTICES_PER_REGION = 40  # GP, dental and pharmacy codes per region

_COLUMNS = (
    "case_ref", "practitioner_id", "profession", "ethnic_category", "place_of_first_qualification", "gender",
    "age_band", "org_code", "region_code", "case_opened_date", "case_closed_date", "concern_types", "excluded",
    "exclusion_start_date", "exclusion_end_date", "assessment_referred", "assessment_outcome",
)  # fmt: skip


def write_concerns(nation: Nation, weights: np.ndarray, landing: Path) -> tuple[list[Path], int]:
    """Write both files for every reporting year. `weights` (trust, year) says how likely a
    trust is to be the referring organisation (its headcount; zero once closed)."""
    practices = _practice_codes(stream(nation.seed, "concerns"))
    yearly = []
    for i, year in enumerate(nation.years):
        rng = stream(nation.seed, "concerns", year)
        population = _population(rng, nation.scale, year)
        yearly.append((year, population, _cases(rng, nation, population, weights[:, i], practices, year)))

    # Registration numbers are drawn once for the whole run, so no two cases share one.
    total = sum(len(cases) for _, _, cases in yearly)
    ids = iter(9_000_000 + stream(nation.seed, "practitioner_ids").choice(1_000_000, total, replace=False))
    paths, rows = [], 0
    for year, population, cases in yearly:
        cases.insert(1, "practitioner_id", [str(next(ids)) for _ in range(len(cases))])
        folder = landing / "concerns" / str(year)
        files.write_csv(cases[list(_COLUMNS)], folder / "cases.csv")
        files.write_csv(population, folder / "practitioner_population.csv")
        paths += [folder / "cases.csv", folder / "practitioner_population.csv"]
        rows += len(cases) + len(population)
    return paths, rows


def _population(rng: np.random.Generator, scale: float, year: int) -> pd.DataFrame:
    """Register counts by profession x region x ethnic category x place of qualification."""
    growth = (1 + GROWTH) ** (year - 2022)
    region_log_odds = np.array(
        [np.log(REGION_PROFILES[r].bme_share_2019 / (1 - REGION_PROFILES[r].bme_share_2019)) for r in REGION_CODES]
    )
    region_log_odds = 0.6 * (region_log_odds - region_log_odds.mean())  # practitioners vary less than staff
    frames = []
    for profession in PROFESSIONS:
        bme_log_odds = np.log(np.array(BME_SHARE[profession]) / (1 - np.array(BME_SHARE[profession])))
        bme = 1 / (1 + np.exp(-(bme_log_odds[None, :] + region_log_odds[:, None])))  # (region, qualification)
        shares = category_shares(
            np.array(WHITE_MIX)[None, :, :], np.array(BME_MIX)[None, :, :], bme, np.array(UNKNOWN_ETHNICITY)[None, :]
        )  # (region, qualification, category)
        expected = (
            scale
            * growth
            * PRACTITIONERS[profession]
            * np.array([REGION_SHARE[r] for r in REGION_CODES])[:, None, None]
            * np.array(QUALIFICATION_MIX[profession])[None, :, None]
            * shares
        )
        region, qualification, category = np.indices(expected.shape).reshape(3, -1)
        frames.append(
            pd.DataFrame(
                {
                    "reporting_year": year,
                    "profession": profession,
                    "region_code": np.array(REGION_CODES)[region],
                    "ethnic_category": np.array(ETHNIC_CATEGORIES)[category],
                    "place_of_first_qualification": np.array(QUALIFICATIONS)[qualification],
                    "practitioners": rng.poisson(expected.ravel()),
                }
            )
        )
    population = pd.concat(frames, ignore_index=True)
    return population[population["practitioners"] > 0].reset_index(drop=True)


def _cases(
    rng: np.random.Generator,
    nation: Nation,
    population: pd.DataFrame,
    trust_weights: np.ndarray,
    practices: dict[str, dict[str, np.ndarray]],
    year: int,
) -> pd.DataFrame:
    """One row per case opened in the year, drawn from the population's cells."""
    relative = (
        population["profession"].map(REFERRAL_BY_PROFESSION).to_numpy()
        * trends.REFERRAL_GROUP[_groups(population)] ** trends.REFERRAL_GROUP_STRENGTH.at(year)
        * population["place_of_first_qualification"].map(trends.REFERRAL_QUALIFICATION).to_numpy()
    )
    practitioners = population["practitioners"].to_numpy()
    target = CASES_PER_YEAR * nation.scale * (1 + GROWTH) ** (year - 2022)
    per_cell = rng.poisson(practitioners * relative * target / (practitioners * relative).sum())
    cases = population.loc[np.repeat(population.index, per_cell)].reset_index(drop=True)
    count = len(cases)
    qualification = cases["place_of_first_qualification"]

    start, end = np.datetime64(date(year - 1, 4, 1)), np.datetime64(date(year, 3, 31))
    opened = start + rng.integers(0, (end - start).astype(int) + 1, count).astype("timedelta64[D]")
    closed = opened + _days(rng, CASE_DAYS, count)

    exclusion_by_group = trends.EXCLUSION_GROUP.copy()
    exclusion_by_group[GROUPS.index("Black")] = trends.EXCLUSION_BLACK.at(year)
    exclusion_rate = (
        trends.EXCLUSION_RATE_WHITE
        * exclusion_by_group[_groups(cases)]
        * qualification.map(trends.EXCLUSION_QUALIFICATION).to_numpy()
        * cases["profession"].map(EXCLUSION_BY_PROFESSION).to_numpy()
    )
    excluded = rng.random(count) < exclusion_rate
    exclusion_start = np.minimum(opened + rng.integers(0, 30, count).astype("timedelta64[D]"), end)
    exclusion_end = exclusion_start + _days(rng, EXCLUSION_DAYS, count)
    # A case stays open while its practitioner is excluded.
    closed = np.where(excluded, np.maximum(closed, exclusion_end), closed)

    types = rng.random((count, len(CONCERN_TYPES))) < CONCERN_TYPE_SHARE
    types[~types.any(axis=1), 0] = True  # every case has at least one concern: clinical
    referred = rng.random(count) < ASSESSMENT_REFERRAL[0] + ASSESSMENT_REFERRAL[1] * types[:, 0]
    # Only a case still open can be waiting for its assessment.
    recent = (end - opened).astype(int) < 120
    pending = (closed > end) & (rng.random(count) < np.where(recent, *PENDING))
    expected_level = rng.random(count) < qualification.map(trends.ASSESSED_EXPECTED).to_numpy()
    outcome = np.where(pending, "Pending", np.where(expected_level, "Expected level", "Below expected level"))

    cases = cases.assign(
        gender=np.array(GENDERS)[rng.choice(len(GENDERS), count, p=GENDER_SHARE)],
        age_band=np.array(AGE_BANDS)[rng.choice(len(AGE_BANDS), count, p=AGE_SHARE)],
        org_code=_referrers(rng, nation, cases, trust_weights, practices),
        case_opened_date=_iso(opened, True),
        case_closed_date=_iso(closed, closed <= end),  # after the snapshot: still open
        concern_types=[";".join(np.array(CONCERN_TYPES)[row]) for row in types],
        excluded=np.where(excluded, "Y", "N"),
        exclusion_start_date=_iso(exclusion_start, excluded),
        exclusion_end_date=_iso(exclusion_end, excluded & (exclusion_end <= end)),
        assessment_referred=np.where(referred, "Y", "N"),
        assessment_outcome=np.where(referred, outcome, ""),
        opened=opened,
    )
    cases = cases.sort_values("opened", kind="stable", ignore_index=True)
    cases.insert(0, "case_ref", [f"PPA{year}-{n:05d}" for n in range(1, count + 1)])
    return cases.drop(columns=["opened", "reporting_year", "practitioners"])


def _groups(frame: pd.DataFrame) -> np.ndarray:
    """Index into codes.GROUPS of each row's ethnic category."""
    return GROUP_OF_CATEGORY[frame["ethnic_category"].map(ETHNIC_CATEGORIES.index).to_numpy()]


def _days(rng: np.random.Generator, median_sigma: tuple[float, float], count: int) -> np.ndarray:
    median, sigma = median_sigma
    return np.ceil(rng.lognormal(np.log(median), sigma, count)).astype("timedelta64[D]")


def _iso(days: np.ndarray, present: np.ndarray | bool) -> np.ndarray:
    """ISO dates where `present`, else empty."""
    return np.where(present, np.datetime_as_string(days, unit="D"), "")


def _practice_codes(rng: np.random.Generator) -> dict[str, dict[str, np.ndarray]]:
    """Fictional ODS-style codes of the organisations outside trusts that refer
    practitioners, per region and profession: GP practices (a letter and five digits),
    dental practices (V and five digits) and pharmacies (F and four characters)."""
    codes: dict[str, dict[str, np.ndarray]] = {}
    for i, region in enumerate(REGION_CODES):
        practice_numbers = np.char.zfill(rng.choice(10_000, (2, PRACTICES_PER_REGION), replace=False).astype(str), 4)
        pharmacy_numbers = np.char.zfill(rng.choice(1_000, PRACTICES_PER_REGION, replace=False).astype(str), 3)
        codes[region] = {
            "Doctor": np.char.add(f"{'ABCDEFG'[i]}9", practice_numbers[0]),
            "Dentist": np.char.add("V9", practice_numbers[1]),
            "Pharmacist": np.char.add(f"F{'HJKLMNP'[i]}", pharmacy_numbers),
        }
    return codes


def _referrers(
    rng: np.random.Generator,
    nation: Nation,
    cases: pd.DataFrame,
    trust_weights: np.ndarray,
    practices: dict[str, dict[str, np.ndarray]],
) -> np.ndarray:
    """The referring organisation: mostly a trust of the case's region (weighted by size,
    so a closed trust refers nothing), otherwise a practice."""
    org = np.empty(len(cases), dtype=object)
    by_trust = rng.random(len(cases)) < cases["profession"].map(REFERRED_BY_TRUST).to_numpy()
    trust_codes = nation.trusts["org_code"].to_numpy()
    for region in REGION_CODES:
        in_region = nation.trusts["region_code"].eq(region).to_numpy()
        weights = trust_weights * in_region
        rows = cases["region_code"].eq(region).to_numpy()
        trust_rows = np.flatnonzero(rows & by_trust)
        org[trust_rows] = rng.choice(trust_codes, len(trust_rows), p=weights / weights.sum())
        for profession, codes in practices[region].items():
            practice_rows = np.flatnonzero(rows & ~by_trust & cases["profession"].eq(profession).to_numpy())
            org[practice_rows] = rng.choice(codes, len(practice_rows))
    return org
