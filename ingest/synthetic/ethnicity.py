"""From group shares to the 18 ethnic categories.

Models decide shares the way a person reasons about a population (how many are BME, which
broad groups, how many did not state) and this module turns them into category shares.
"""

from __future__ import annotations

import numpy as np

from ingest.synthetic.codes import BME_GROUPS, ETHNIC_CATEGORIES

# How each broad group splits into its categories (fixed, national).
_WITHIN_BME = {
    "Asian": {"H": 0.45, "J": 0.12, "K": 0.05, "L": 0.38},
    "Black": {"M": 0.18, "N": 0.75, "P": 0.07},
    "Mixed": {"D": 0.30, "E": 0.15, "F": 0.25, "G": 0.30},
    "Other": {"R": 0.15, "S": 0.85},
}
_UNKNOWN_SPLIT = {"Z": 0.6, "99": 0.4}


def _embed(rows: list[dict[str, float]]) -> np.ndarray:
    matrix = np.zeros((len(rows), len(ETHNIC_CATEGORIES)))
    for i, shares in enumerate(rows):
        for category, share in shares.items():
            matrix[i, ETHNIC_CATEGORIES.index(category)] = share
    return matrix


_WHITE_TO_CATEGORIES = np.eye(3, len(ETHNIC_CATEGORIES))  # A, B, C come first
_BME_TO_CATEGORIES = _embed([_WITHIN_BME[group] for group in BME_GROUPS])
_UNKNOWN_TO_CATEGORIES = _embed([_UNKNOWN_SPLIT])[0]


def category_shares(
    white_mix: np.ndarray, bme_mix: np.ndarray, bme_share: np.ndarray, unknown_share: np.ndarray
) -> np.ndarray:
    """Shares over ETHNIC_CATEGORIES (last axis), summing to 1.

    white_mix (..., 3) splits White into A, B, C; bme_mix (..., 4) splits BME into
    BME_GROUPS; bme_share is BME's share of those with a stated ethnicity; unknown_share is
    the share not stated. Leading axes broadcast.
    """
    known = 1.0 - np.asarray(unknown_share)[..., None]
    bme = np.asarray(bme_share)[..., None]
    return (
        known * (1.0 - bme) * (white_mix @ _WHITE_TO_CATEGORIES)
        + known * bme * (bme_mix @ _BME_TO_CATEGORIES)
        + (1.0 - known) * _UNKNOWN_TO_CATEGORIES
    )
