"""Each trust's expected workforce by year, staff group, band and ethnic category.

The WRES returns count this workforce and the staff survey samples it, so a trust's survey
looks like its staff. BME staff are over-represented in Band 5 nursing and among doctors,
and under-represented from Band 7 upwards, as in the NHS. The workforce grows a little
more diverse every year, and the merged trust's staff move to its successor.
"""

from __future__ import annotations

import numpy as np

from ingest.synthetic.codes import CELL_STAFF_GROUP, REGION_CODES, STAFF_GROUPS
from ingest.synthetic.ethnicity import category_shares
from ingest.synthetic.nation import REGION_PROFILES, Nation

# Mean trust headcount at 31 March 2022, scale 1: about 1.4 million staff at 210 trusts.
NATIONAL_MEAN_HEADCOUNT = 6_800
BASE_YEAR = 2022
BME_LOG_ODDS_PER_YEAR = 0.08  # the workforce grows more diverse every year
UNKNOWN_DECLINE_PER_YEAR = 0.93  # recording of ethnicity improves

STAFF_GROUP_MIX = {  # Clinical, Non-clinical, Medical and dental
    "acute": (0.55, 0.31, 0.14),
    "mental health": (0.60, 0.34, 0.06),
    "community": (0.60, 0.37, 0.03),
    "ambulance": (0.68, 0.315, 0.005),
}
# Share of each staff group in each band, and the log-odds of a member of staff in that
# band being BME rather than White, relative to the trust as a whole. Bands follow
# codes.AFC_BANDS (Under Band 1 ... VSM) and codes.MEDICAL_BANDS.
BAND_MIX = {
    "Clinical": (0.002, 0.002, 0.08, 0.14, 0.06, 0.28, 0.24, 0.13, 0.04, 0.015, 0.006, 0.003, 0.001, 0.001),
    "Non-clinical": (0.003, 0.01, 0.22, 0.22, 0.17, 0.12, 0.09, 0.07, 0.045, 0.025, 0.012, 0.007, 0.003, 0.004),
    "Medical and dental": (0.42, 0.12, 0.40, 0.06),
}
BAND_BME_LOG_ODDS = {
    "Clinical": (0.0, 0.0, 0.1, 0.0, -0.1, 0.6, 0.1, -0.3, -0.6, -0.8, -1.0, -1.1, -1.2, -1.3),
    "Non-clinical": (0.0, 0.1, 0.0, -0.1, -0.2, -0.2, -0.3, -0.4, -0.5, -0.7, -0.9, -1.0, -1.2, -1.4),
    "Medical and dental": (0.9, 1.6, 1.0, 1.2),
}


def _per_cell(table: dict[str, tuple[float, ...]]) -> np.ndarray:
    """Concatenate per-staff-group band values into one array over codes.WORKFORCE_CELLS."""
    return np.concatenate([np.array(table[group], dtype=float) for group in STAFF_GROUPS])


def region_mixes(nation: Nation) -> tuple[np.ndarray, np.ndarray]:
    """Each trust's White mix (A, B, C) and BME mix (Asian, Black, Mixed, Other)."""
    profiles = [REGION_PROFILES[REGION_CODES[r]] for r in nation.trusts["region_index"]]
    return np.array([p.white_mix for p in profiles]), np.array([p.bme_mix for p in profiles])


def expected_workforce(nation: Nation) -> np.ndarray:
    """Expected headcount, unscaled, shaped (trust, year, workforce cell, ethnic category)."""
    trusts = nation.trusts
    years = np.array(nation.years)
    growth = (1 + trusts["headcount_growth"].to_numpy()[:, None]) ** (years - BASE_YEAR)
    headcount = trusts["headcount_2022"].to_numpy()[:, None] * growth  # (trust, year)

    band_mix = _per_cell(BAND_MIX)
    band_mix = band_mix / np.bincount(CELL_STAFF_GROUP, band_mix)[CELL_STAFF_GROUP]
    group_mix = np.array([STAFF_GROUP_MIX[t] for t in trusts["trust_type"]])
    cell_mix = group_mix[:, CELL_STAFF_GROUP] * band_mix  # (trust, cell)

    log_odds = (
        trusts["bme_log_odds_2019"].to_numpy()[:, None, None]
        + BME_LOG_ODDS_PER_YEAR * (years - 2019)[None, :, None]
        + _per_cell(BAND_BME_LOG_ODDS)[None, None, :]
    )
    unknown = trusts["unknown_share_2019"].to_numpy()[:, None] * UNKNOWN_DECLINE_PER_YEAR ** (years - 2019)
    white_mix, bme_mix = region_mixes(nation)
    shares = category_shares(
        white_mix[:, None, None, :],
        bme_mix[:, None, None, :],
        1 / (1 + np.exp(-log_odds)),
        unknown[:, :, None],
    )
    expected = headcount[:, :, None, None] * cell_mix[:, None, :, None] * shares

    # After the merger the successor employs the closed trust's staff.
    merger = nation.merger
    after = years > merger.final_year
    closed, successor = nation.index_of(merger.closed), nation.index_of(merger.successor)
    expected[successor, after] += expected[closed, after]
    expected[closed, after] = 0.0
    return expected
