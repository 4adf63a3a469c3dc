"""The fictional nation: its regions, trusts, one merger, and the reference files.

Everything is invented. Place names are built from syllables; trust codes follow the ODS
trust layout (R + two characters) and ICB codes the ICB layout (Q + two characters), but
belong to no real organisation; postcodes use the area letter X, which no UK postcode
starts with; telephone numbers are in the range Ofcom keeps for drama (01632 960xxx).
The seven regions are the real NHS England regions, so region codes are real.

Each trust also carries the hidden traits that the other modules draw from: its size, its
ethnic mix, and how (in)equitable it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from ingest.synthetic import files
from ingest.synthetic.codes import REGION_CODES, REGIONS, TRUST_TYPES
from ingest.synthetic.streams import stream

MIN_TRUSTS = 8  # one per region, plus a second trust somewhere for the merger
MAX_TRUSTS = 500  # invented place names run out beyond this


@dataclass(frozen=True)
class RegionProfile:
    trust_weight: float  # share of the nation's trusts
    bme_share_2019: float  # BME share of NHS staff who stated an ethnicity, 2019
    bme_mix: tuple[float, float, float, float]  # Asian, Black, Mixed, Other
    white_mix: tuple[float, float, float]  # A, B, C
    postcode_area: str


REGION_PROFILES = {
    "Y56": RegionProfile(0.17, 0.45, (0.38, 0.38, 0.08, 0.16), (0.62, 0.05, 0.33), "XL"),
    "Y58": RegionProfile(0.10, 0.10, (0.50, 0.22, 0.12, 0.16), (0.86, 0.02, 0.12), "XW"),
    "Y59": RegionProfile(0.15, 0.17, (0.52, 0.22, 0.10, 0.16), (0.80, 0.03, 0.17), "XS"),
    "Y60": RegionProfile(0.19, 0.22, (0.62, 0.20, 0.07, 0.11), (0.86, 0.02, 0.12), "XM"),
    "Y61": RegionProfile(0.10, 0.20, (0.52, 0.25, 0.09, 0.14), (0.82, 0.03, 0.15), "XE"),
    "Y62": RegionProfile(0.14, 0.15, (0.58, 0.20, 0.08, 0.14), (0.87, 0.03, 0.10), "XN"),
    "Y63": RegionProfile(0.15, 0.12, (0.58, 0.20, 0.08, 0.14), (0.88, 0.02, 0.10), "XY"),
}


@dataclass(frozen=True)
class TypeProfile:
    share: float  # of the nation's trusts (acute takes what the others leave)
    median_headcount: float  # at 31 March 2022, before scaling
    spread: float  # sigma of log headcount
    headcount_range: tuple[float, float]
    bme_log_odds: float  # ambulance services employ far fewer BME staff


TYPE_PROFILES = {
    "acute": TypeProfile(0.63, 7000, 0.5, (2500, 20000), 0.0),
    "mental health": TypeProfile(0.24, 3800, 0.4, (1500, 9000), 0.2),
    "community": TypeProfile(0.08, 2800, 0.4, (1500, 7000), 0.0),
    "ambulance": TypeProfile(0.048, 4500, 0.3, (3000, 7500), -1.0),
}

_CODE_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O, as in ODS codes
_PREFIXES = (
    "Ash", "Bar", "Bram", "Brack", "Cal", "Chal", "Col", "Crane", "Dal", "Dun", "Eas", "Elm",
    "Fair", "Fen", "Gar", "Glen", "Hal", "Hart", "Hol", "Kel", "Kings", "Lang", "Lor", "Mar",
    "Mel", "Nor", "Oak", "Pen", "Quen", "Ral", "Rook", "Sal", "Shel", "Stan", "Thorn", "Tre",
    "Ul", "Wal", "Wey", "Wil", "Wyn", "Yar",
)  # fmt: skip
_SUFFIXES = (
    "bourne", "bridge", "brook", "bury", "caster", "combe", "dale", "den", "field", "ford",
    "gate", "ham", "hurst", "ley", "mere", "minster", "mouth", "stead", "stow", "thorpe",
    "ton", "wick", "worth", "by",
)  # fmt: skip
_NAME_PATTERNS = {
    "acute": (
        "{p} Hospitals NHS Foundation Trust",
        "{p} and {q} NHS Foundation Trust",
        "University Hospitals of {p} NHS Trust",
        "{p} Vale NHS Foundation Trust",
        "{p} General Hospital NHS Trust",
        "{p} Teaching Hospitals NHS Trust",
    ),
    "mental health": (
        "{p} Partnership NHS Foundation Trust",
        "{p} Mental Health NHS Trust",
        "{p} and {q} Mental Health NHS Foundation Trust",
        "{p} Care NHS Foundation Trust",
    ),
    "community": (
        "{p} Community Healthcare NHS Trust",
        "{p} Community Health Services NHS Trust",
        "{p} and {q} Community NHS Foundation Trust",
    ),
    "ambulance": ("{p} Ambulance Service NHS Trust", "{p} and {q} Ambulance Service NHS Foundation Trust"),
}
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # letters used in the second half of a postcode
# Indicators whose trust-level departure from England follows the trust's equity factor.
_EQUITY_METRICS = ("appointed", "disciplinary", "training", "board", "survey")


@dataclass(frozen=True)
class Merger:
    """One trust closes on 31 March of `final_year` and its successor takes over its staff."""

    closed: str
    successor: str
    final_year: int  # the last reporting year in which the closed trust is open

    @property
    def close_date(self) -> date:
        return date(self.final_year, 3, 31)

    @property
    def effective_date(self) -> date:
        return date(self.final_year, 4, 1)


@dataclass(frozen=True)
class Nation:
    """The trusts (one row each, sorted by code) and the facts every source shares."""

    trusts: pd.DataFrame
    merger: Merger
    missing_returns: frozenset[tuple[str, int]]  # (org_code, year) with no WRES workbook
    years: tuple[int, ...]  # reporting years
    scale: float
    seed: int

    def open_in(self, year: int) -> np.ndarray:
        """Trusts open at some point in reporting year `year`: those expected to report."""
        closed = self.trusts["org_code"].eq(self.merger.closed).to_numpy()
        return ~closed | (year <= self.merger.final_year)

    def index_of(self, org_code: str) -> int:
        return int(np.flatnonzero(self.trusts["org_code"].to_numpy() == org_code)[0])


def build_nation(*, trusts: int, first_year: int, last_year: int, scale: float, seed: int) -> Nation:
    """The nation's trusts and their hidden traits; the merger closes in the middle year."""
    if not MIN_TRUSTS <= trusts <= MAX_TRUSTS:
        raise ValueError(
            f"a nation has {MIN_TRUSTS} to {MAX_TRUSTS} trusts (one per region and two to merge), not {trusts}"
        )
    if last_year < first_year:
        raise ValueError(f"last year {last_year} is before first year {first_year}")
    if scale <= 0:
        raise ValueError(f"scale must be positive, not {scale}")
    rng = stream(seed, "nation")
    frame = _trusts(rng, trusts)
    merger = _merger(rng, frame, first_year + (last_year - first_year) // 2)
    frame.loc[frame["org_code"] == merger.closed, "close_date"] = merger.close_date
    years = tuple(range(first_year, last_year + 1))
    return Nation(frame, merger, _missing_returns(rng, frame, merger, years), years, scale, seed)


def _allocate(total: int, weights: np.ndarray, minimum: int) -> np.ndarray:
    """Split `total` into len(weights) counts of at least `minimum` (largest remainder)."""
    counts = np.full(len(weights), minimum)
    quotas = weights / weights.sum() * (total - counts.sum())
    counts += np.floor(quotas).astype(int)
    shortfall = total - counts.sum()
    counts[np.argsort(-(quotas - np.floor(quotas)), kind="stable")[:shortfall]] += 1
    return counts


def _type_counts(total: int) -> dict[str, int]:
    counts = {t: max(1, round(TYPE_PROFILES[t].share * total)) for t in TRUST_TYPES[1:]}
    return {"acute": total - sum(counts.values()), **counts}


def _trusts(rng: np.random.Generator, total: int) -> pd.DataFrame:
    weights = np.array([REGION_PROFILES[r].trust_weight for r in REGION_CODES])
    per_region = _allocate(total, weights, minimum=min(3, total // len(REGION_CODES)))
    region = np.repeat(np.arange(len(REGION_CODES)), per_region)

    # Ambulance services are regional: spread them over distinct regions first.
    type_counts = _type_counts(total)
    ambulance: list[int] = []
    for r in np.resize(rng.permutation(len(REGION_CODES)), type_counts["ambulance"]):
        free = np.setdiff1d(np.flatnonzero(region == r), ambulance)
        ambulance.append(int(rng.choice(free)))
    types = np.full(total, "ambulance", dtype=object)
    others = [t for t in TRUST_TYPES if t != "ambulance" for _ in range(type_counts[t])]
    types[np.setdiff1d(np.arange(total), ambulance)] = rng.permutation(np.array(others, dtype=object))

    profiles = [TYPE_PROFILES[t] for t in types]
    median = np.array([p.median_headcount for p in profiles])
    spread = np.array([p.spread for p in profiles])
    low, high = np.array([p.headcount_range for p in profiles]).T
    headcount = np.clip(median * np.exp(rng.normal(0.0, 1.0, total) * spread), low, high)

    region_bme = np.array([REGION_PROFILES[REGION_CODES[r]].bme_share_2019 for r in region])
    bme_log_odds = (
        np.log(region_bme / (1 - region_bme))
        + np.array([p.bme_log_odds for p in profiles])
        + rng.normal(0.0, 0.35, total)
    )
    unknown = np.where(rng.random(total) < 0.08, rng.uniform(0.12, 0.20, total), rng.uniform(0.02, 0.07, total))

    equity = _equity_factors(rng, total)
    # A few boards have no BME voting member at all: the least equitable trusts, and some others.
    no_bme_voting = (equity > 2.0) | (rng.random(total) < 0.02)

    codes = [f"R{code}" for code in _codes(rng, total)]
    places = _place_names(rng, 2 * total)
    frame = pd.DataFrame(
        {
            "org_code": codes,
            "org_name": [
                rng.choice(_NAME_PATTERNS[t]).format(p=places[i], q=places[total + i]) for i, t in enumerate(types)
            ],
            "region_code": [REGION_CODES[r] for r in region],
            "region_index": region,
            "icb_code": _icb_codes(rng, region),
            "trust_type": types.astype(str),
            "postcode": _postcodes(rng, region),
            "address_1": [
                f"{places[i]} {'General Hospital' if t == 'acute' else 'House'}" for i, t in enumerate(types)
            ],
            "address_2": [f"{rng.choice(_PREFIXES)}{rng.choice(('s', 'ing', 'er'))} Road" for _ in range(total)],
            "town": places[:total],
            "county": [f"{place}shire" for place in rng.choice(places[total:], total)],
            "telephone": [f"01632 960{n:03d}" for n in rng.choice(1000, total, replace=False)],
            "open_date": [date(int(y), 4, 1) for y in rng.integers(1991, 2017, total)],
            "close_date": None,
            "headcount_2022": headcount,
            "headcount_growth": rng.normal(0.02, 0.012, total),  # a year
            "bme_log_odds_2019": bme_log_odds,
            "unknown_share_2019": unknown,
            # How far each indicator departs from the national picture: the trust's culture
            # (equity) with some variation by indicator.
            **{f"equity_{m}": equity * rng.lognormal(0.0, 0.15, total) for m in _EQUITY_METRICS},
            "no_bme_voting": no_bme_voting,
        }
    )
    return frame.sort_values("org_code", ignore_index=True)


def _equity_factors(rng: np.random.Generator, total: int) -> np.ndarray:
    """Multiplier on each national log-RL and gap: about 1 for most trusts, about 0 for
    one in ten (equitable), and 2.3-2.9 for one in sixteen (an RL of 1.5 becomes 2.5+)."""
    factor = np.clip(rng.normal(1.0, 0.3, total), 0.3, None)
    order = rng.permutation(total)
    outliers, equitable = max(1, round(0.06 * total)), max(1, round(0.10 * total))
    factor[order[:outliers]] = rng.uniform(2.3, 2.9, outliers)
    factor[order[outliers : outliers + equitable]] = rng.uniform(0.0, 0.2, equitable)
    return factor


def _codes(rng: np.random.Generator, count: int) -> list[str]:
    """Distinct two-character codes."""
    chosen = rng.choice(len(_CODE_CHARACTERS) ** 2, count, replace=False)
    n = len(_CODE_CHARACTERS)
    return [_CODE_CHARACTERS[i // n] + _CODE_CHARACTERS[i % n] for i in chosen]


def _place_names(rng: np.random.Generator, count: int) -> list[str]:
    combos = [p + s for p in _PREFIXES for s in _SUFFIXES]
    return [combos[i] for i in rng.permutation(len(combos))[:count]]


def _icb_codes(rng: np.random.Generator, region: np.ndarray) -> list[str]:
    """About one ICB per five trusts, at least one per region."""
    per_region = [max(1, round(np.sum(region == r) / 5)) for r in range(len(REGION_CODES))]
    codes = iter(f"Q{code}" for code in _codes(rng, sum(per_region)))
    icbs = [[next(codes) for _ in range(k)] for k in per_region]
    return [icbs[r][rng.integers(len(icbs[r]))] for r in region]


def _postcodes(rng: np.random.Generator, region: np.ndarray) -> list[str]:
    letters = rng.choice(list(_INWARD_LETTERS), (len(region), 2))
    districts = rng.integers(1, 40, len(region))
    sectors = rng.integers(0, 10, len(region))
    return [
        f"{REGION_PROFILES[REGION_CODES[r]].postcode_area}{d} {s}{a}{b}"
        for r, d, s, (a, b) in zip(region, districts, sectors, letters, strict=True)
    ]


def _merger(rng: np.random.Generator, trusts: pd.DataFrame, final_year: int) -> Merger:
    """Two trusts of one region merge; the smaller closes. Acute pairs are preferred, and
    ambulance services, being regional, never merge."""
    candidates = trusts[trusts["trust_type"] != "ambulance"]
    for pool in (candidates[candidates["trust_type"] == "acute"], candidates, trusts):
        sizes = pool["region_code"].value_counts()
        regions = sorted(sizes.index[sizes >= 2])
        if regions:
            break
    in_region = pool[pool["region_code"] == rng.choice(regions)]
    pair = in_region.iloc[rng.choice(len(in_region), 2, replace=False)].sort_values("headcount_2022")
    return Merger(closed=pair["org_code"].iloc[0], successor=pair["org_code"].iloc[1], final_year=final_year)


def _missing_returns(
    rng: np.random.Generator, trusts: pd.DataFrame, merger: Merger, years: tuple[int, ...]
) -> frozenset[tuple[str, int]]:
    """Two trust-years with no WRES workbook at all, in two different trusts and, when
    there are two years, in two different years."""
    eligible = trusts.loc[~trusts["org_code"].isin([merger.closed, merger.successor]), "org_code"].to_numpy()
    orgs = rng.choice(eligible, 2, replace=False)
    missing_years = rng.choice(years, 2, replace=len(years) < 2)
    return frozenset((str(org), int(year)) for org, year in zip(orgs, missing_years, strict=True))


# Rows a published ODS etr.csv holds beyond the English trusts the pipeline monitors (input
# contract 1.1), with every trait of a real extract: trusts in Wales (national grouping W00),
# an English trust under a retired region code (Y57, listed in regions.csv as the README
# asks) that closed before any reporting year, a new trust published before its national
# grouping and open date, and names with commas and apostrophes. All fictional; none is
# ever expected to report, so no figure depends on them.
EXTRA_ODS_ROWS = pd.DataFrame(
    [
        ("7Z1", "Cwm Dulas NHS Trust", "W00", "Q99", "XC1 1AB", date(1999, 4, 1), None),
        ("7Z2", "Bro Tawe, Nedd and Afan NHS Trust", "W00", "Q99", "XC2 2BD", date(1999, 4, 1), date(2009, 9, 30)),
        ("7Z3", "St Elli's Hospitals NHS Trust", "W00", "Q99", "XC3 3DE", date(2009, 10, 1), None),
        ("TZ1", "St Wenna's, Holbury and Trevanion Hospitals NHS Trust", "Y57", "Q70", "XS4 4EF",
         date(1994, 4, 1), date(2014, 3, 31)),
        ("TZ2", "Marlstow and Kingsbrook University Hospitals NHS Foundation Trust", "", "", "XM5 5FG",
         None, None),
    ],
    columns=["org_code", "org_name", "region_code", "icb_code", "postcode", "open_date", "close_date"],
)  # fmt: skip
RETIRED_REGIONS = {"Y57": "South of England"}  # the NHS England region code of 2013-2018


def write_reference(nation: Nation, landing: Path) -> list[Path]:
    """reference/etr.csv (the ODS layout), regions.csv, trust_types.csv, successors.csv."""
    trusts = pd.concat([nation.trusts, EXTRA_ODS_ROWS], ignore_index=True).fillna({
        c: "" for c in ("address_1", "address_2", "town", "county", "telephone")
    })  # fmt: skip
    blank = [""] * len(trusts)
    # The 27 columns of an ODS etr.csv; the pipeline reads 1-4 and 10-12.
    etr = pd.DataFrame(
        {
            1: trusts["org_code"],
            2: trusts["org_name"],
            3: trusts["region_code"],
            4: trusts["icb_code"],
            5: trusts["address_1"],
            6: trusts["address_2"],
            7: trusts["town"],
            8: trusts["county"],
            9: blank,
            10: trusts["postcode"],
            11: [d.strftime("%Y%m%d") if d else "" for d in trusts["open_date"]],
            12: [d.strftime("%Y%m%d") if d else "" for d in trusts["close_date"]],
            **{c: blank for c in range(13, 18)},
            18: trusts["telephone"],
            **{c: blank for c in range(19, 22)},
            22: ["0"] * len(trusts),  # amended record indicator
            **{c: blank for c in range(23, 28)},
        }
    )
    reference = landing / "reference"
    written = {
        "etr.csv": (etr, dict(header=False, quote_all=True)),
        "regions.csv": (
            pd.DataFrame({"region_code": [*REGIONS, *RETIRED_REGIONS], "region_name": [*REGIONS.values(), *RETIRED_REGIONS.values()]}),
            {},
        ),
        "trust_types.csv": (nation.trusts[["org_code", "trust_type"]], {}),
        "successors.csv": (
            pd.DataFrame(
                {
                    "old_org_code": [nation.merger.closed],
                    "new_org_code": [nation.merger.successor],
                    "effective_date": [nation.merger.effective_date.isoformat()],
                }
            ),
            {},
        ),
    }
    for name, (frame, options) in written.items():
        files.write_csv(frame, reference / name, **options)
    return [reference / name for name in written]
