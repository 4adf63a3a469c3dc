"""NHS Staff Survey: one respondent-level file per survey year, staff_survey/<S>/responses.*.

Survey year S runs in the autumn and feeds WRES reporting year S+1, so respondents are
drawn from the trust's expected workforce of year S+1: about 600,000 respondents
nationally at scale 1 and 210 trusts, each trust in proportion to its size. Answers follow
trends.py: BME staff report more harassment from colleagues and more discrimination, and
less often believe in equal opportunities; harassment from the public is about the same.
Every item has some non-response (an empty value).

The file format varies from year to year, to exercise every reader the contract allows.
It depends on the survey year alone (a seven-year cycle), see SURVEY_FORMATS.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ingest.synthetic import files, trends
from ingest.synthetic.codes import ETHNIC_CATEGORIES, GROUP_OF_CATEGORY
from ingest.synthetic.nation import Nation
from ingest.synthetic.streams import stream
from ingest.synthetic.workforce import NATIONAL_MEAN_HEADCOUNT

RESPONDENTS_PER_TRUST = 600_000 / 210  # at scale 1, for a trust of average size
PREFER_NOT_TO_SAY = 0.04  # extra share answering Z, beyond the workforce's own not-stated

ITEMS = ("q_hba_public", "q_hba_manager", "q_hba_colleagues", "q_equal_opps", "q_discrim_mgr_colleague")
NON_RESPONSE = dict(zip(ITEMS, (0.07, 0.04, 0.04, 0.03, 0.05), strict=True))
# How often, among those harassed at least once: 2 1-2 times, 3 3-5, 4 6-10, 5 more than 10.
HARASSMENT_FREQUENCY = (0.55, 0.25, 0.10, 0.10)
# Among those harassed by staff: by a manager only, by colleagues only, by both.
HARASSED_BY = (0.30, 0.45, 0.25)
EQUAL_OPPS_NO_SHARE = 0.4  # of those not answering Yes; the rest Don't know
HBA_PUBLIC_BY_TYPE = {"acute": 0.0, "mental health": 0.35, "community": -0.2, "ambulance": 0.7}

# The questionnaire's own column names in the "renamed" years, listed in column_map.csv.
QUESTION_NUMBERS = dict(zip(ITEMS, ("Q14a", "Q14b", "Q14c", "Q15", "Q16b"), strict=True))

# Survey years 2018, 2019, ... take these formats in turn, repeating every seven years:
# 2018 csv, 2019 csv with BOM and CRLF, 2020 renamed columns + column_map.csv, 2021 csv,
# 2022 gzip csv, 2023 parquet, 2024 csv.
SURVEY_FORMATS = ("csv", "csv_bom_crlf", "renamed", "csv", "csv_gzip", "parquet", "csv")


def survey_format(survey_year: int) -> str:
    return SURVEY_FORMATS[(survey_year - 2018) % len(SURVEY_FORMATS)]


def write_survey_year(nation: Nation, expected: np.ndarray, survey_year: int, landing: Path) -> tuple[list[Path], int]:
    responses = _responses(nation, expected, survey_year)
    folder = landing / "staff_survey" / str(survey_year)
    match survey_format(survey_year):
        case "csv":
            paths = [folder / "responses.csv"]
            files.write_csv(responses, paths[0])
        case "csv_bom_crlf":
            paths = [folder / "responses.csv"]
            files.write_csv(responses, paths[0], bom=True, crlf=True)
        case "csv_gzip":
            paths = [folder / "responses.csv.gz"]
            files.write_csv(responses, paths[0], compress=True)
        case "parquet":
            paths = [folder / "responses.parquet"]
            files.write_parquet(responses, paths[0])
        case "renamed":
            paths = [folder / "responses.csv", folder / "column_map.csv"]
            files.write_csv(responses.rename(columns=QUESTION_NUMBERS), paths[0])
            column_map = pd.DataFrame(
                {"source_column": list(QUESTION_NUMBERS.values()), "canonical_column": list(QUESTION_NUMBERS)}
            )
            files.write_csv(column_map, paths[1])
    return paths, len(responses)


def _responses(nation: Nation, expected: np.ndarray, survey_year: int) -> pd.DataFrame:
    rng = stream(nation.seed, "survey", survey_year)
    year = survey_year + 1  # the WRES year this survey feeds
    trusts = nation.trusts
    workforce = expected[:, nation.years.index(year)].sum(axis=1)  # (trust, category)
    size = workforce.sum(axis=1)
    respondents = rng.poisson(
        nation.scale * RESPONDENTS_PER_TRUST * size / NATIONAL_MEAN_HEADCOUNT * rng.lognormal(0.0, 0.15, len(size))
    )
    shares = workforce / np.maximum(size, 1e-9)[:, None] * (1 - PREFER_NOT_TO_SAY)
    shares[:, ETHNIC_CATEGORIES.index("Z")] += PREFER_NOT_TO_SAY
    shares[size == 0] = 1 / len(ETHNIC_CATEGORIES)  # closed trusts: no respondents anyway
    counts = rng.multinomial(respondents, shares).ravel()

    trust = np.repeat(np.repeat(np.arange(len(trusts)), len(ETHNIC_CATEGORIES)), counts)
    category = np.repeat(np.tile(np.arange(len(ETHNIC_CATEGORIES)), len(trusts)), counts)
    order = np.lexsort((rng.random(len(trust)), trust))  # by trust, in no order within it
    trust, category = trust[order], category[order]
    answers = _answers(rng, nation, trust, GROUP_OF_CATEGORY[category], year)

    return pd.DataFrame(
        {
            "survey_year": np.full(len(trust), survey_year, dtype=np.int64),
            "org_code": trusts["org_code"].to_numpy()[trust],
            "respondent_id": _respondent_ids(len(trust), survey_year),
            "ethnic_category": np.array(ETHNIC_CATEGORIES)[category],
            **answers,
        }
    )


def _answers(
    rng: np.random.Generator, nation: Nation, trust: np.ndarray, group: np.ndarray, year: int
) -> dict[str, pd.arrays.IntegerArray]:
    """Each item's answer per respondent, as nullable integers (empty = not answered)."""
    count = len(trust)
    trusts = nation.trusts
    # How strongly the national gaps show in each trust (equitable trusts: half), and each
    # trust's own climate, item by item.
    strength = (0.5 + 0.5 * trusts["equity_survey"].to_numpy())[trust]
    climate = rng.normal(0.0, 0.15, (len(trusts), 4))[trust]
    public_by_type = trusts["trust_type"].map(HBA_PUBLIC_BY_TYPE).to_numpy()[trust]

    def chance(white: trends.Trend, log_odds: np.ndarray, item: int, gap: float = 1.0, shift=0.0) -> np.ndarray:
        base = np.log(white.at(year) / (1 - white.at(year)))
        logit = base + gap * strength * log_odds[group] + climate[:, item] + shift
        return rng.random(count) < 1 / (1 + np.exp(-logit))

    def frequency() -> np.ndarray:
        return 2 + rng.choice(len(HARASSMENT_FREQUENCY), count, p=HARASSMENT_FREQUENCY)

    public = np.where(
        chance(trends.HBA_PUBLIC_WHITE, trends.HBA_PUBLIC_LOG_ODDS, 0, shift=public_by_type), frequency(), 1
    )
    by_staff = chance(trends.HBA_STAFF_WHITE, trends.HBA_STAFF_LOG_ODDS, 1)
    who = rng.choice(len(HARASSED_BY), count, p=HARASSED_BY)  # 0 manager, 1 colleagues, 2 both
    manager = np.where(by_staff & (who != 1), frequency(), 1)
    colleagues = np.where(by_staff & (who != 0), frequency(), 1)
    equal_opps = np.where(
        chance(trends.EQUAL_OPPS_WHITE, trends.EQUAL_OPPS_LOG_ODDS, 2, gap=trends.EQUAL_OPPS_GAP.at(year)),
        1,
        np.where(rng.random(count) < EQUAL_OPPS_NO_SHARE, 2, 3),
    )
    discrimination = np.where(
        chance(trends.DISCRIMINATION_WHITE, trends.DISCRIMINATION_LOG_ODDS, 3, gap=trends.DISCRIMINATION_GAP.at(year)),
        1,
        2,
    )
    values = dict(zip(ITEMS, (public, manager, colleagues, equal_opps, discrimination), strict=True))
    return {
        item: pd.arrays.IntegerArray(answer.astype(np.int64), rng.random(count) < NON_RESPONSE[item])
        for item, answer in values.items()
    }


def _respondent_ids(count: int, survey_year: int) -> np.ndarray:
    """Opaque ids, unique within the file: the row number scrambled by a bijection of
    32-bit numbers (an odd multiplier, then a mask that differs by year)."""
    mask = np.uint64(survey_year * 0x85EBCA6B % 2**32)
    scrambled = (np.arange(count, dtype=np.uint64) * np.uint64(0x9E3779B1) % np.uint64(2**32)) ^ mask
    digits = np.frombuffer(scrambled.astype(">u4").tobytes().hex().encode(), dtype="S8").astype(str)
    return np.char.add("RSP", digits)
