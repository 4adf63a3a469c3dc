"""Exact Poisson (Garwood) confidence limits for every published concerns case count.

metrics.md, Conventions: rates per 1,000 get exact Poisson limits on the count, divided by
the denominator. For an observed count x and confidence level 1 - alpha:

    lower = chi2.ppf(alpha / 2, 2x) / 2          (0 when x = 0)
    upper = chi2.ppf(1 - alpha / 2, 2x + 2) / 2

DuckDB SQL has no chi-square quantile, so this model computes the limits on the count, one
row per distinct count that int_concerns__published_counts publishes, and
int_metric__concerns_rate_per_1000 divides them by the practitioners. Because it reads the
published counts, a regional limit is the limit of the rounded count, and a suppressed count
has none.

The confidence level is the one var('ci_z') stands for, 2*Phi(z) - 1, to 4 decimal places:
z = 1.96 gives 0.9500 (alpha / 2 = 0.025 exactly, the textbook Garwood interval), so the
rates' intervals follow the same configuration as every other interval.

The quantiles come from scipy.special (chdtri, the inverse of the chi-square survival
function, so chi2.ppf(p, k) = chdtri(k, 1 - p); ndtr, the normal CDF): the same routines
scipy.stats uses, without the seconds it takes to import scipy.stats.
tests/test_poisson_limits.py checks `garwood_limits` and `confidence_level` against
scipy.stats (chi2, poisson) and published values.
"""

from __future__ import annotations

import math

# Decimal places kept of the level a z stands for (1.96 -> 0.950004 -> 0.95).
LEVEL_DECIMALS = 4


def confidence_level(z: float) -> float:
    """The two-sided confidence level of a normal z, rounded to LEVEL_DECIMALS places."""
    from scipy.special import ndtr

    return round(2.0 * float(ndtr(z)) - 1.0, LEVEL_DECIMALS)


def garwood_limits(observed: int, level: float) -> tuple[float, float]:
    """Exact (Garwood) limits of the mean of a Poisson count `observed` at `level`."""
    from scipy.special import chdtri

    if observed < 0 or observed != int(observed):
        raise ValueError(f"a count must be a whole number >= 0, not {observed!r}")
    if not 0.0 < level < 1.0:
        raise ValueError(f"the confidence level must be between 0 and 1, not {level!r}")
    tail = (1.0 - level) / 2.0
    # lower: chi2.ppf(tail, 2x) / 2, the value with 1 - tail above it;
    # upper: chi2.ppf(1 - tail, 2x + 2) / 2, the value with tail above it
    lower = 0.0 if observed == 0 else float(chdtri(2 * observed, 1.0 - tail)) / 2.0
    upper = float(chdtri(2 * observed + 2, tail)) / 2.0
    if not (math.isfinite(lower) and math.isfinite(upper)):
        raise ValueError(f"no finite limits for count {observed} at level {level}")
    return lower, upper


def model(dbt, session):
    import pandas as pd

    level = confidence_level(float(dbt.config.get("ci_z")))
    published = dbt.ref("int_concerns__published_counts")
    observed = sorted(
        {int(count) for (count,) in published.project("cases").distinct().fetchall() if count is not None}
    )
    limits = [garwood_limits(count, level) for count in observed]
    return pd.DataFrame(
        {
            "observed_count": pd.Series(observed, dtype="int64"),
            "confidence_level": pd.Series([level] * len(observed), dtype="float64"),
            "lower_limit": pd.Series([lower for lower, _ in limits], dtype="float64"),
            "upper_limit": pd.Series([upper for _, upper in limits], dtype="float64"),
        }
    )
