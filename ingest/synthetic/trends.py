"""The inequities built into the fictional nation, and how they move over the years.

Every metric in `metrics.md` has something to find. National targets are given for 2019
and 2025 and interpolated linearly in between (held flat outside), so a reporting year has
the same target whatever range of years is generated. Trusts scatter around the targets
(see `nation.py`: most trusts near them, some equitable, a few far worse), and each broad
group sits at its own distance from White.

| metric | built in (2019 -> 2025) | direction |
|---|---|---|
| wres2 appointed, White vs BME | RL 1.62 -> 1.40 | improving |
| wres3 disciplinary, BME vs White | RL 1.40 -> 1.20 | improving |
| wres4 training, White vs BME | RL 1.04 -> 1.17 | worsening |
| wres5 harassment from the public | BME about equal to White | flat |
| wres6 harassment from staff | BME about 5 points above White | flat |
| wres7 equal opportunities | BME well below White, gap narrowing | improving |
| wres8 discrimination | BME 2-3x White, gap widening | worsening |
| wres9 board gaps | BME share of voting seats 0.50 -> 0.85 of the workforce's | improving |
| concerns referral | BME and IMG about 1.5-2x White and UK graduates | slowly improving |
| concerns exclusion | Black practitioners excluded about 2x as often as White | worsening |
| concerns assessment | IMGs less often at expected level | flat |
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ingest.synthetic.codes import GROUPS, QUALIFICATIONS

FIRST_ANCHOR, LAST_ANCHOR = 2019, 2025


@dataclass(frozen=True)
class Trend:
    """A value that moves linearly from `start` (2019) to `end` (2025)."""

    start: float
    end: float

    def at(self, year: int) -> float:
        t = min(max((year - FIRST_ANCHOR) / (LAST_ANCHOR - FIRST_ANCHOR), 0.0), 1.0)
        return self.start + t * (self.end - self.start)


def per_group(**effects: float) -> np.ndarray:
    """An array over codes.GROUPS; groups not named get 0 (White is the reference)."""
    return np.array([effects.get(group, 0.0) for group in GROUPS])


# --- WRES indicators 2-4: national relative likelihoods, oriented as in metrics.md -------
APPOINTED_RL = Trend(1.62, 1.40)
DISCIPLINARY_RL = Trend(1.40, 1.20)
TRAINING_RL = Trend(1.04, 1.17)

# Each broad group's log-RL as a multiple of BME's. Weighted by the nation's BME mix
# (about half Asian, a quarter Black) these average 1, so the BME RL hits the target.
APPOINTED_GROUP_EXPONENT = per_group(Asian=0.95, Black=1.25, Mixed=0.6, Other=0.9, Unknown=0.5)
DISCIPLINARY_GROUP_EXPONENT = per_group(Asian=0.7, Black=1.6, Mixed=0.9, Other=0.9, Unknown=0.0)
TRAINING_GROUP_EXPONENT = per_group(Asian=1.0, Black=1.2, Mixed=0.5, Other=0.8, Unknown=0.5)

# Baseline White rates, before each trust's own level.
WHITE_APPOINTMENT_RATE = 0.24  # appointed per shortlisted
WHITE_DISCIPLINARY_RATE = 0.008  # entered formal disciplinary per head a year
WHITE_TRAINING_RATE = 0.45  # accessed non-mandatory training per head a year
SHORTLISTED_PER_HEAD = 0.55  # shortlisted applicants a year per member of staff
BME_SHORTLISTING_ODDS = 1.8  # BME applicants are over-represented among those shortlisted

# --- WRES indicator 9: BME share of board seats / BME share of the workforce ------------
BOARD_VOTING_RATIO = Trend(0.50, 0.85)
BOARD_EXECUTIVE_RATIO = Trend(0.35, 0.75)

# --- Staff survey (WRES 5-8): White's rate, and each group's log-odds against White -----
# `*_GAP` scales every group's log-odds, so a gap can narrow or widen over the years.
HBA_PUBLIC_WHITE = Trend(0.28, 0.26)
HBA_PUBLIC_LOG_ODDS = per_group(Asian=-0.08, Black=0.06, Mixed=0.08, Other=0.0, Unknown=0.0)
HBA_STAFF_WHITE = Trend(0.24, 0.21)
HBA_STAFF_LOG_ODDS = per_group(Asian=0.22, Black=0.38, Mixed=0.30, Other=0.25, Unknown=0.15)
EQUAL_OPPS_WHITE = Trend(0.57, 0.56)
EQUAL_OPPS_LOG_ODDS = per_group(Asian=-0.45, Black=-0.80, Mixed=-0.35, Other=-0.50, Unknown=-0.25)
EQUAL_OPPS_GAP = Trend(1.0, 0.75)
DISCRIMINATION_WHITE = Trend(0.065, 0.07)
DISCRIMINATION_LOG_ODDS = per_group(Asian=0.95, Black=1.20, Mixed=0.80, Other=1.00, Unknown=0.5)
DISCRIMINATION_GAP = Trend(0.85, 1.2)

# --- Concerns -------------------------------------------------------------------------
# Referral rate multipliers. BME practitioners are more often IMGs, so the published BME
# vs White RL is larger than the ethnicity multiplier alone (about 1.5-1.8 overall).
REFERRAL_GROUP = per_group(White=1.0, Asian=1.25, Black=1.7, Mixed=1.15, Other=1.3, Unknown=1.0)
REFERRAL_GROUP_STRENGTH = Trend(1.1, 0.9)  # exponent on REFERRAL_GROUP: slowly improving
REFERRAL_QUALIFICATION = dict(zip(QUALIFICATIONS, (1.0, 1.4, 1.75, 1.2), strict=True))
EXCLUSION_RATE_WHITE = 0.07  # share of cases with a formal exclusion
EXCLUSION_GROUP = per_group(White=1.0, Asian=1.1, Mixed=1.05, Other=1.15, Unknown=1.0)
EXCLUSION_BLACK = Trend(1.6, 2.2)  # worsening
EXCLUSION_QUALIFICATION = dict(zip(QUALIFICATIONS, (1.0, 1.05, 1.15, 1.0), strict=True))
# Among decided assessments, the share at the expected level.
ASSESSED_EXPECTED = dict(zip(QUALIFICATIONS, (0.74, 0.60, 0.50, 0.65), strict=True))
