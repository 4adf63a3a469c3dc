"""Funnel-plot control limits for a trust's relative likelihood (RL) against its size.

Method (stated in the national report too). A trust's RL compares the rate of the group of
interest (a events among n1 people) with the reference group's (c among n2). Its 95% CI in
`equity_metrics` uses the Katz standard error of ln RL:

    SE(ln RL) = sqrt(1/a − 1/n1 + 1/c − 1/n2)

For the funnel, the standard error is written as a function of the trust's size alone,
n = n1 + n2 (the denominator: White and BME shortlisted applicants for WRES 2, White and
BME headcount for WRES 3 and 4). Under the null hypothesis that the trust is like England
- the same RL θ0, the same share of the group of interest p1 = N1 / (N1 + N2) and the same
rates r1 = A / N1 and r2 = C / N2 as England's pooled counts - the expected counts are
a = n·p1·r1, n1 = n·p1, c = n·p2·r2, n2 = n·p2 (p2 = 1 − p1), so

    SE(n) = k / sqrt(n),   k² = (1 − r1) / (p1·r1) + (1 − r2) / (p2·r2)

and the control limits are exp(ln θ0 ± z·k / sqrt(n)) with z = 1.96 (95%) and
z = 3.09 (99.8%). This is the usual normal approximation for a ratio on the log scale
(Spiegelhalter, "Funnel plots for comparing institutional performance", Stat Med 2005). It
is an approximation: a trust whose mix of groups differs much from England's has a true
standard error a little different from k/√n, and for very small n the normal approximation
is rough, so the limits are drawn only from the smallest trust's size upwards.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# Two-sided normal quantiles. 95%: 1.96, as every 95% CI of the release (metrics.md), so a
# trust like England has England's CI as its 95% limits. 99.8%: the 0.999 quantile.
Z_95 = 1.96
Z_998 = 3.090232306167813
LIMITS = (("95%", Z_95), ("99.8%", Z_998))


@dataclass(frozen=True)
class FunnelBasis:
    """England's RL and the spread k of ln RL at size 1 (SE(n) = k / sqrt(n))."""

    england_rl: float
    k: float

    def limits(self, size: float, z: float) -> tuple[float, float]:
        """The (lower, upper) control limits for a trust of this size."""
        half_width = z * self.k / math.sqrt(size)
        centre = math.log(self.england_rl)
        return math.exp(centre - half_width), math.exp(centre + half_width)

    def position(self, rl: float, size: float) -> str:
        """Where a trust's RL falls: inside the 95% limits, between 95% and 99.8%, or beyond."""
        lower_95, upper_95 = self.limits(size, Z_95)
        lower_998, upper_998 = self.limits(size, Z_998)
        if rl > upper_998:
            return "above 99.8% limit"
        if rl > upper_95:
            return "above 95% limit"
        if rl < lower_998:
            return "below 99.8% limit"
        if rl < lower_95:
            return "below 95% limit"
        return "within 95% limits"


def funnel_basis(a: float, n1: float, c: float, n2: float) -> FunnelBasis | None:
    """The basis from England's pooled counts; None when an RL or its spread is undefined."""
    if min(n1, n2) <= 0 or a <= 0 or c <= 0 or a > n1 or c > n2:
        return None
    r1, r2 = a / n1, c / n2
    p1 = n1 / (n1 + n2)
    p2 = 1 - p1
    k = math.sqrt((1 - r1) / (p1 * r1) + (1 - r2) / (p2 * r2))
    return FunnelBasis(england_rl=r1 / r2, k=k)


def limit_curve(basis: FunnelBasis, sizes: Sequence[float], z: float) -> tuple[list[float], list[float]]:
    """Lower and upper limits along the given sizes."""
    pairs = [basis.limits(size, z) for size in sizes]
    return [lower for lower, _ in pairs], [upper for _, upper in pairs]


def size_grid(smallest: float, largest: float, points: int = 120) -> list[float]:
    """Sizes evenly spaced on a log scale, so the curve is smooth where it bends most."""
    smallest, largest = max(1.0, smallest), max(largest, smallest + 1)
    step = (math.log(largest) - math.log(smallest)) / (points - 1)
    return [math.exp(math.log(smallest) + index * step) for index in range(points)]
