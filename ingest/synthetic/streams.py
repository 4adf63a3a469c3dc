"""Independent, seeded random streams: one per part of the nation and year.

Each part (the nation itself, WRES for one year, the survey for one year, ...) draws from
its own numpy Generator keyed by (seed, part, year). Changing how one part draws therefore
never shifts another part's numbers, and a year's draws do not depend on which other years
are generated.
"""

from __future__ import annotations

import numpy as np

_PARTS = {"nation": 1, "wres": 2, "survey": 3, "concerns": 4, "practitioner_ids": 5}


def stream(seed: int, part: str, year: int = 0) -> np.random.Generator:
    return np.random.default_rng([seed, _PARTS[part], year])
