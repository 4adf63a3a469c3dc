"""WRES returns: one workbook per trust and reporting year, wres/<Y>/<ORG>_wres_<Y>.xlsx.

Counts are drawn from the expected workforce (workforce.py). Each trust's relative
likelihoods are the national targets (trends.py) raised to the trust's equity factor, so
most trusts sit near England, a few are equitable and a few are far worse. Each workbook
has the contract's six sheets, header in row 1. As in a real return, workforce, recruitment
and training list every category (zeros included), while disciplinary and board list only
the categories with someone in them, so "missing means zero" is exercised. Ethnic category
99 is typed as a number, as a person typing it into Excel would leave it.

Some returns arrive after 31 August (late), and the trust-years in nation.missing_returns
have no workbook at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np

from ingest.synthetic import files, trends
from ingest.synthetic.codes import BME, ETHNIC_CATEGORIES, GROUP_OF_CATEGORY, WHITE, WORKFORCE_CELLS
from ingest.synthetic.ethnicity import category_shares
from ingest.synthetic.nation import Nation
from ingest.synthetic.streams import stream
from ingest.synthetic.workforce import region_mixes

LATE_SHARE = trends.Trend(0.12, 0.05)  # returns submitted after 31 August
# Board seats by (executive, voting): executive directors with and without a vote,
# non-executives (chair and NEDs) and associate non-executives.
BOARD_CELLS = (("Y", "Y"), ("N", "Y"), ("Y", "N"), ("N", "N"))
BOARD_SEATS = ((5, 1.0), (6, 1.2), (1, 1.2), (0, 0.6))  # minimum + Poisson(mean)
BOARD_UNKNOWN_SHARE = 0.03
# Sheet values typed as numbers where a person would type a number.
_CATEGORY_CELLS = [int(c) if c.isdigit() else c for c in ETHNIC_CATEGORIES]
_WORKFORCE_KEYS = [(group, band, category) for group, band in WORKFORCE_CELLS for category in _CATEGORY_CELLS]


@dataclass(frozen=True)
class WresYear:
    """One reporting year's draws for every trust (first axis: trust)."""

    headcount: np.ndarray  # (trust, workforce cell, category)
    shortlisted: np.ndarray  # (trust, category), and so on
    appointed: np.ndarray
    disciplinary: np.ndarray
    training: np.ndarray
    board: np.ndarray  # (trust, BOARD_CELLS, category)
    submitted: list[date]


def write_wres_year(nation: Nation, expected: np.ndarray, year: int, landing: Path) -> tuple[list[Path], int]:
    """Write every workbook for reporting year `year`; return the paths and data rows."""
    draws = draw_wres_year(nation, expected, year)
    paths, rows = [], 0
    for t in np.flatnonzero(nation.open_in(year)):
        org = nation.trusts["org_code"].iat[t]
        if (org, year) in nation.missing_returns:
            continue
        sheets = _sheets(draws, t, org, year)
        path = landing / "wres" / str(year) / f"{org}_wres_{year}.xlsx"
        files.write_workbook(path, sheets, created=datetime.combine(draws.submitted[t], datetime.min.time()))
        paths.append(path)
        rows += sum(len(sheet_rows) for _, sheet_rows in sheets.values())
    return paths, rows


def draw_wres_year(nation: Nation, expected: np.ndarray, year: int) -> WresYear:
    rng = stream(nation.seed, "wres", year)
    headcount = rng.poisson(expected[:, nation.years.index(year)] * nation.scale)
    staff = headcount.sum(axis=1)  # (trust, category)
    shortlisted, appointed = _recruitment(rng, nation, staff, year)
    return WresYear(
        headcount=headcount,
        shortlisted=shortlisted,
        appointed=appointed,
        disciplinary=_disciplinary(rng, nation, staff, year),
        training=_training(rng, nation, staff, year),
        board=_board(rng, nation, staff, year),
        submitted=_submission_dates(rng, len(staff), year),
    )


def _sheets(draws: WresYear, t: int, org: str, year: int) -> dict[str, tuple[tuple[str, ...], list[tuple]]]:
    """The six sheets of trust t's workbook: header and rows."""
    return {
        "submission": (("org_code", "reporting_year", "submission_date"), [(org, year, draws.submitted[t])]),
        "workforce": (
            ("staff_group", "band", "ethnic_category", "headcount"),
            [(*key, n) for key, n in zip(_WORKFORCE_KEYS, draws.headcount[t].ravel().tolist(), strict=True)],
        ),
        "recruitment": (
            ("ethnic_category", "shortlisted", "appointed"),
            list(zip(_CATEGORY_CELLS, draws.shortlisted[t].tolist(), draws.appointed[t].tolist(), strict=True)),
        ),
        "disciplinary": (
            ("ethnic_category", "entered_formal_disciplinary"),
            [(c, n) for c, n in zip(_CATEGORY_CELLS, draws.disciplinary[t].tolist(), strict=True) if n],
        ),
        "training": (
            ("ethnic_category", "accessed_non_mandatory_training"),
            list(zip(_CATEGORY_CELLS, draws.training[t].tolist(), strict=True)),
        ),
        "board": (
            ("ethnic_category", "executive", "voting", "members"),
            [
                (category, executive, voting, n)
                for (executive, voting), members in zip(BOARD_CELLS, draws.board[t].tolist(), strict=True)
                for category, n in zip(_CATEGORY_CELLS, members, strict=True)
                if n
            ],
        ),
    }


def _log_rl(rng: np.random.Generator, target: float, equity: np.ndarray, exponents: np.ndarray) -> np.ndarray:
    """Each trust's log relative likelihood for each ethnic category against White,
    (trust, category): the national target raised to the trust's equity factor, a little
    noise from year to year, and each broad group at its own distance (exponents)."""
    bme = np.log(target) * equity + rng.normal(0.0, 0.08, len(equity))
    return bme[:, None] * exponents[GROUP_OF_CATEGORY][None, :]


def _recruitment(rng: np.random.Generator, nation: Nation, staff: np.ndarray, year: int) -> tuple[np.ndarray, ...]:
    """Shortlisted and appointed, (trust, category). White shortlisted applicants are
    appointed more often than BME ones."""
    pool = (staff + 0.5) * np.where(BME, trends.BME_SHORTLISTING_ODDS, 1.0)  # +0.5: no category is impossible
    pool = pool / pool.sum(axis=1, keepdims=True)
    shortlisted = rng.poisson(trends.SHORTLISTED_PER_HEAD * staff.sum(axis=1, keepdims=True) * pool)
    white_rate = trends.WHITE_APPOINTMENT_RATE * rng.lognormal(0.0, 0.15, len(staff))
    log_rl = _log_rl(
        rng, trends.APPOINTED_RL.at(year), nation.trusts["equity_appointed"].to_numpy(), trends.APPOINTED_GROUP_EXPONENT
    )
    rate = np.clip(white_rate[:, None] / np.exp(log_rl), 0.0, 0.95)
    return shortlisted, rng.binomial(shortlisted, rate)


def _disciplinary(rng: np.random.Generator, nation: Nation, staff: np.ndarray, year: int) -> np.ndarray:
    """Staff entering the formal disciplinary process, (trust, category): BME staff more
    often. Ambulance services run more formal processes."""
    ambulance = nation.trusts["trust_type"].eq("ambulance").to_numpy()
    white_rate = trends.WHITE_DISCIPLINARY_RATE * rng.lognormal(0.0, 0.3, len(staff)) * np.where(ambulance, 1.8, 1.0)
    log_rl = _log_rl(
        rng,
        trends.DISCIPLINARY_RL.at(year),
        nation.trusts["equity_disciplinary"].to_numpy(),
        trends.DISCIPLINARY_GROUP_EXPONENT,
    )
    return rng.binomial(staff, np.clip(white_rate[:, None] * np.exp(log_rl), 0.0, 1.0))


def _training(rng: np.random.Generator, nation: Nation, staff: np.ndarray, year: int) -> np.ndarray:
    """Staff accessing non-mandatory training, (trust, category): White staff more often."""
    white_rate = np.clip(trends.WHITE_TRAINING_RATE * rng.lognormal(0.0, 0.2, len(staff)), 0.0, 0.85)
    log_rl = _log_rl(
        rng, trends.TRAINING_RL.at(year), nation.trusts["equity_training"].to_numpy(), trends.TRAINING_GROUP_EXPONENT
    )
    return rng.binomial(staff, np.clip(white_rate[:, None] / np.exp(log_rl), 0.0, 1.0))


def _board(rng: np.random.Generator, nation: Nation, staff: np.ndarray, year: int) -> np.ndarray:
    """Board members, (trust, BOARD_CELLS, category). BME people hold a smaller share of
    seats than of the workforce, executive seats especially; boards do not scale."""
    trusts = nation.trusts
    minimum, extra = np.array(BOARD_SEATS).T
    seats = minimum.astype(int) + rng.poisson(extra, (len(trusts), len(BOARD_CELLS)))

    # Boards recruit from wider pools than the local workforce: half local, half national.
    bme, known = staff[:, BME].sum(axis=1), staff[:, BME].sum(axis=1) + staff[:, WHITE].sum(axis=1)
    bme_share = 0.5 * bme / np.maximum(known, 1) + 0.5 * bme.sum() / known.sum()
    equity = trusts["equity_board"].to_numpy()
    voting_ratio = trends.BOARD_VOTING_RATIO.at(year) ** equity
    executive_ratio = trends.BOARD_EXECUTIVE_RATIO.at(year) ** equity
    executive = np.array([e == "Y" for e, _ in BOARD_CELLS])
    voting = np.array([v == "Y" for _, v in BOARD_CELLS])
    ratio = np.where(executive[None, :], executive_ratio[:, None], voting_ratio[:, None])
    bme_seat_share = np.clip(bme_share[:, None] * ratio, 0.0, 0.9)
    bme_seat_share[trusts["no_bme_voting"].to_numpy()[:, None] & voting[None, :]] = 0.0

    white_mix, bme_mix = region_mixes(nation)
    shares = category_shares(white_mix[:, None, :], bme_mix[:, None, :], bme_seat_share, BOARD_UNKNOWN_SHARE)
    return rng.multinomial(seats, shares)


def _submission_dates(rng: np.random.Generator, count: int, year: int) -> list[date]:
    """On time: June to 31 August of the year. Late: September to November."""
    late = rng.random(count) < LATE_SHARE.at(year)
    start = np.where(late, np.datetime64(f"{year}-09-01"), np.datetime64(f"{year}-06-01"))
    days = start + rng.integers(0, np.where(late, 91, 92)).astype("timedelta64[D]")
    return days.astype(date).tolist()
