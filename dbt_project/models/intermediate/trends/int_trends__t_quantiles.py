"""Student t quantiles for the direction of travel (metrics.md, Trends).

The direction of travel tests the least-squares slope of the equity distance over the trend
window (Y-4 ... Y, var `trend_window_years`) with a 95% t-interval on n - 2 degrees of
freedom, where n is the number of years with data (at least var `trend_minimum_years`).
DuckDB SQL has no t quantile, so this model lists t(1 - alpha/2, df) for every df a window
can have: 1 ... trend_window_years - 2 (n = 3 ... 5 gives df = 1 ... 3).

The confidence level is the one var('ci_z') stands for, 2*Phi(z) - 1, to 4 decimal places,
as for the Poisson limits of the concerns rates: z = 1.96 gives 0.9500, so the quantiles are
the textbook t(0.975, df): 12.7062047 (df 1), 4.30265273 (df 2), 3.18244631 (df 3).

The quantile comes from scipy.special.stdtrit (the inverse of Student's t CDF), the routine
scipy.stats.t.ppf itself uses, without the seconds it takes to import scipy.stats.
tests/test_trend_t_quantiles.py checks `t_quantile` against scipy.stats.t.ppf, and the
singular test assert_trend_t_quantiles_match_published_values checks the built table.
"""

from __future__ import annotations

import math

# Decimal places kept of the level a z stands for (1.96 -> 0.950004 -> 0.95).
LEVEL_DECIMALS = 4


def confidence_level(z: float) -> float:
    """The two-sided confidence level of a normal z, rounded to LEVEL_DECIMALS places."""
    from scipy.special import ndtr

    return round(2.0 * float(ndtr(z)) - 1.0, LEVEL_DECIMALS)


def t_quantile(level: float, degrees_of_freedom: int) -> float:
    """The two-sided critical value t(1 - (1 - level) / 2, df) of Student's t."""
    from scipy.special import stdtrit

    if degrees_of_freedom < 1 or degrees_of_freedom != int(degrees_of_freedom):
        raise ValueError(f"degrees of freedom must be a whole number >= 1, not {degrees_of_freedom!r}")
    if not 0.0 < level < 1.0:
        raise ValueError(f"the confidence level must be between 0 and 1, not {level!r}")
    quantile = float(stdtrit(int(degrees_of_freedom), 1.0 - (1.0 - level) / 2.0))
    if not math.isfinite(quantile):
        raise ValueError(f"no finite t quantile for df {degrees_of_freedom} at level {level}")
    return quantile


def model(dbt, session):
    import pandas as pd

    dbt.config(materialized="table")
    level = confidence_level(float(dbt.config.get("ci_z")))
    window_years = int(dbt.config.get("trend_window_years"))
    degrees = list(range(1, window_years - 1))  # n - 2 for n = 3 ... window_years
    return pd.DataFrame(
        {
            "degrees_of_freedom": pd.Series(degrees, dtype="int64"),
            "confidence_level": pd.Series([level] * len(degrees), dtype="float64"),
            "t_quantile": pd.Series([t_quantile(level, df) for df in degrees], dtype="float64"),
        }
    )
