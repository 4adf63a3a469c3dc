"""An independent recomputation of `equity_metrics` (region and national rows) for one
reporting year, straight from the landing files, written from the specification alone.

Nothing here imports the project: no dbt model, warehouse, raw or validated zone, ingest or
expectations code. Landing files are read with pandas (xlsx with engine="calamine"), and the
arithmetic is written out from metrics.md and inputs.md:

- Wilson score interval for percentages, Katz log interval for relative likelihoods (RL),
  exact Poisson (Garwood) limits with scipy.stats.chi2 for rates per 1,000, z = 1.96;
- regional and national values from pooled counts, never averages of trust values;
- the equity band 0.80 <= RL <= 1.25 (inclusive) is `within`;
- disclosure control: staff survey minimum base 11 at every level, concerns counts 1-7
  suppressed and others rounded to the nearest 5 below national level (values computed from
  the rounded counts), concerns median minimum 8 at every level, secondary suppression.

Where the specification is silent, the choice made here is marked "CHOICE:" in a comment,
and follows the dbt project's documented choice where it has made one.

The result is one pandas DataFrame with the contract's key columns and the compared
columns; `expected_equity_metrics(landing, year)` is the entry point.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from functools import cached_property
from pathlib import Path

import pandas as pd
from scipy.stats import chi2

# --- Constants of metrics.md (Conventions, Disclosure control) ----------------------------

Z = 1.96
BAND_LOWER, BAND_UPPER = Fraction("0.80"), Fraction("1.25")
SURVEY_MINIMUM_BASE = 11
CONCERNS_SUPPRESS_MIN, CONCERNS_SUPPRESS_MAX, CONCERNS_ROUNDING_BASE = 1, 7, 5
MEDIAN_MINIMUM_COUNT = 8
ENGLAND = "E92000001"

KEY = ["metric_id", "geography_level", "geography_code", "breakdown", "group", "comparison"]
COUNT_COLUMNS = ["numerator_a", "denominator_a", "numerator_b", "denominator_b"]
FLOAT_COLUMNS = ["value", "ci_lower", "ci_upper"]
OTHER_COLUMNS = ["equity_band", "significant", "suppressed", "trusts_contributing", "trusts_expected"]
COLUMNS = KEY + FLOAT_COLUMNS + COUNT_COLUMNS + OTHER_COLUMNS

# --- Vocabularies of inputs.md ------------------------------------------------------------

ETHNIC_GROUP = {
    **dict.fromkeys("ABC", "White"),
    **dict.fromkeys("DEFGHJKLMNPRS", "BME"),
    "Z": "Unknown",
    "99": "Unknown",
}
BROAD_GROUP = {
    **dict.fromkeys("ABC", "White"),
    **dict.fromkeys("DEFG", "Mixed"),
    **dict.fromkeys("HJKL", "Asian"),
    **dict.fromkeys("MNP", "Black"),
    **dict.fromkeys("RS", "Other"),
    "Z": "Unknown",
    "99": "Unknown",
}
BROAD_BME_GROUPS = ("Asian", "Black", "Mixed", "Other")
ETHNIC_GROUPS = ("White", "BME", "Unknown", *BROAD_BME_GROUPS)
QUALIFICATION_GROUPS = ("UK", "IMG", "EEA", "Outside EEA")
PROFESSIONS = ("Doctor", "Dentist", "Pharmacist")

AFC_BANDS = ("Under Band 1", *(f"Band {n}" for n in range(1, 8)), "Band 8a", "Band 8b", "Band 8c", "Band 8d",
             "Band 9", "VSM")  # fmt: skip
STAFF_GROUP_BANDS = {
    "Clinical": AFC_BANDS,
    "Non-clinical": AFC_BANDS,
    "Medical and dental": ("Consultant", "Non-consultant career grade", "Trainee grade", "Other"),
}

# WRES comparisons: official pair first, then each broad group against White, with the group
# of interest where the official definition puts it (metrics.md, "Beyond the official pair").
WHITE_FIRST = [("White", "BME")] + [("White", g) for g in BROAD_BME_GROUPS]
WHITE_SECOND = [("BME", "White")] + [(g, "White") for g in BROAD_BME_GROUPS]
CONCERNS_RL = [("BME", "White")] + [(g, "White") for g in BROAD_BME_GROUPS] + [("IMG", "UK")]


# --- Statistics, from the formulas in metrics.md -----------------------------------------


def wilson(x: int, n: int) -> tuple[float | None, float | None]:
    """Wilson score interval of x / n on the 0-100 scale; null when n is 0."""
    if not n:
        return None, None
    p = x / n
    centre = p + Z * Z / (2 * n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    scale = 1 + Z * Z / n
    return max(0.0, 100 * (centre - half) / scale), min(100.0, 100 * (centre + half) / scale)


def garwood_per_1000(x: int, n: int) -> tuple[float | None, float | None]:
    """Exact Poisson (Garwood) 95% limits on the count x, per 1,000 of the denominator n."""
    if not n:
        return None, None
    lower = chi2.ppf(0.025, 2 * x) / 2 if x > 0 else 0.0
    upper = chi2.ppf(0.975, 2 * (x + 1)) / 2
    return 1000 * lower / n, 1000 * upper / n


def relative_likelihood(a, n1, c, n2) -> dict:
    """Value, Katz interval, equity band and significance of RL = (a / n1) / (c / n2)."""
    out = dict(value=None, ci_lower=None, ci_upper=None, equity_band=None, significant=None)
    if not n1 or not n2 or not c:  # a rate undefined, or the reference rate 0
        return out
    exact = Fraction(a, n1) / Fraction(c, n2)
    out["value"] = (a / n1) / (c / n2)
    # The band on the exact value, so that an RL of exactly 1.25 is `within`.
    out["equity_band"] = "adverse" if exact > BAND_UPPER else "favourable" if exact < BAND_LOWER else "within"
    if a > 0:
        se = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
        lower, upper = math.exp(math.log(out["value"]) - Z * se), math.exp(math.log(out["value"]) + Z * se)
        out.update(ci_lower=lower, ci_upper=upper, significant=lower > 1 or upper < 1)
    return out


def percentage(x, n) -> dict:
    lower, upper = wilson(x, n)
    return dict(value=100 * x / n if n else None, ci_lower=lower, ci_upper=upper)


def round_to_base(count: int) -> int:
    return CONCERNS_ROUNDING_BASE * math.floor(count / CONCERNS_ROUNDING_BASE + 0.5)


def secondary_suppression(counts: dict, suppressed: set, totals: list[list], name, total_cells: list | None = None) -> set:
    """metrics.md, Secondary suppression: within each total, when exactly one part is
    suppressed, the smallest unsuppressed non-zero part (ties broken by name) is suppressed
    too, repeated until no total has exactly one suppressed part.

    CHOICE (the spec does not order the work): in rounds, each round looking at every total
    as it stood at the start of the round, so that the result does not depend on the order
    in which totals are visited. "Smallest" compares the true counts.
    total_cells (method 1.1, survey): for each total, the cell publishing the total itself,
    or None; when hidden it counts as one more hidden figure of its total, but it is never
    picked.
    """
    suppressed = set(suppressed)
    total_cells = total_cells or [None] * len(totals)
    while True:
        picks = set()
        for parts, total in zip(totals, total_cells):
            hidden = sum(part in suppressed for part in parts) + (total is not None and total in suppressed)
            if hidden != 1:
                continue
            candidates = [p for p in parts if p not in suppressed and counts.get(p, 0) != 0]
            if candidates:
                picks.add(min(candidates, key=lambda p: (counts.get(p, 0), name(p))))
        if not picks:
            return suppressed
        suppressed |= picks


# --- Reading landing files ---------------------------------------------------------------


def _canonical(name) -> str:
    return str(name).strip().lower()


def _cell(value) -> str | None:
    """A cell as the text a person typed: 99 not 99.0, trimmed, None when empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.rename(columns=_canonical)
    return pd.DataFrame({c: [_cell(v) for v in frame[c].astype(object)] for c in frame.columns}, dtype=object)


def _files(folder: Path, pattern: str) -> list[Path]:
    """Files of `folder` whose name matches `pattern` case-insensitively."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and re.fullmatch(pattern, p.name, re.IGNORECASE))


def _year_folder(root: Path, year: int) -> Path:
    return root / str(year)


def read_csv_text(path: Path, **kwargs) -> pd.DataFrame:
    """Every column as trimmed text; empty fields are None. BOM and CRLF are handled."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", **kwargs)
    return _text_frame(frame)


@dataclass(frozen=True)
class Trust:
    org_code: str
    region_code: str
    open_date: date | None
    close_date: date | None

    def open_during(self, year: int) -> bool:
        """Open at any time in reporting year Y, 1 April Y-1 to 31 March Y (inputs.md)."""
        start, end = date(year - 1, 4, 1), date(year, 3, 31)
        opened = self.open_date is None or self.open_date <= end
        return opened and (self.close_date is None or self.close_date >= start)


def _yyyymmdd(text: str | None) -> date | None:
    return date(int(text[:4]), int(text[4:6]), int(text[6:8])) if text else None


def _iso(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


class Landing:
    """The landing folder, read once per table."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._wres: dict[int, dict] = {}

    # reference --------------------------------------------------------------------------

    @cached_property
    def trusts(self) -> dict[str, Trust]:
        # etr.csv: no header; column 1 organisation code, 3 region, 11 open, 12 close date.
        etr = pd.read_csv(self.root / "reference" / "etr.csv", header=None, dtype=str, keep_default_na=False,
                          encoding="utf-8-sig")  # fmt: skip
        etr = etr.apply(lambda column: column.str.strip())
        # Contract 1.1: only a trust in scope is monitored: its national grouping is a region
        # of regions.csv, and it has a name and an open date (the sample's extra ODS rows).
        in_scope = etr[2].isin(self.regions) & (etr[1] != "") & (etr[10] != "")
        return {
            row[0]: Trust(row[0], row[2], _yyyymmdd(row[10]), _yyyymmdd(row[11]))
            for row in etr[in_scope].itertuples(index=False, name=None)
        }

    @cached_property
    def regions(self) -> list[str]:
        return sorted(read_csv_text(self.root / "reference" / "regions.csv")["region_code"])

    def trusts_expected(self, year: int) -> set[str]:
        return {code for code, trust in self.trusts.items() if trust.open_during(year)}

    # WRES -------------------------------------------------------------------------------

    def wres_workbooks(self, year: int) -> dict[str, Path]:
        folder = _year_folder(self.root / "wres", year)
        found = {}
        for path in _files(folder, rf"[A-Z0-9]+_wres_{year}\.xlsx"):
            found[path.name.split("_")[0].upper()] = path
        return found

    def wres(self, year: int) -> dict[str, dict[str, pd.DataFrame]]:
        """Every WRES return of the year: org_code -> sheet name -> text frame."""
        if year not in self._wres:
            returns = {}
            for org, path in self.wres_workbooks(year).items():
                sheets = pd.read_excel(path, sheet_name=None, engine="calamine", dtype=object)
                sheets = {_canonical(name): _text_frame(frame) for name, frame in sheets.items()}
                submission = sheets["submission"]
                assert list(submission["org_code"]) == [org], f"{path}: submission org_code disagrees with its name"
                assert int(submission["reporting_year"].iat[0]) == year, f"{path}: reporting_year disagrees"
                returns[org] = sheets
            self._wres[year] = returns
        return self._wres[year]

    # staff survey -----------------------------------------------------------------------

    SURVEY_ITEMS = ("q_hba_public", "q_hba_manager", "q_hba_colleagues", "q_equal_opps", "q_discrim_mgr_colleague")

    def survey(self, survey_year: int) -> pd.DataFrame:
        """Respondent rows of one survey year: org_code, ethnic_category and the five items
        as nullable integers (empty = not answered)."""
        folder = _year_folder(self.root / "staff_survey", survey_year)
        files = _files(folder, r"responses\.(csv|csv\.gz|parquet)")
        assert len(files) == 1, f"expected exactly one responses file in {folder}, found {files}"
        path = files[0]
        if path.name.lower().endswith(".parquet"):
            frame = _text_frame(pd.read_parquet(path))
        else:
            frame = read_csv_text(path, compression="gzip" if path.name.lower().endswith(".gz") else None)
        maps = _files(folder, r"column_map\.csv")
        if maps:
            mapping = read_csv_text(maps[0])
            frame = frame.rename(columns={
                _canonical(s): _canonical(c) for s, c in zip(mapping["source_column"], mapping["canonical_column"])
            })  # fmt: skip
        out = frame[["org_code", "ethnic_category"]].copy()
        for item in self.SURVEY_ITEMS:
            out[item] = pd.array([None if v is None else int(v) for v in frame[item]], dtype="Int64")
        return out

    # concerns ---------------------------------------------------------------------------

    @cached_property
    def concerns_cases(self) -> pd.DataFrame:
        """Every case of every year's extract, with parsed dates."""
        folders = sorted(p for p in (self.root / "concerns").iterdir() if p.is_dir())
        frames = [read_csv_text(path) for folder in folders for path in _files(folder, r"cases\.csv")]
        cases = pd.concat(frames, ignore_index=True)
        assert cases["case_ref"].is_unique, "a case appears in two extracts"
        for column in ("case_opened_date", "exclusion_start_date", "exclusion_end_date"):
            cases[column] = [_iso(v) for v in cases[column]]
        return cases

    @cached_property
    def concerns_regions(self) -> list[str]:
        """Decision 51: the regions of regions.csv that appear in the concerns data of any year
        (regions.csv may list a retired code with no concerns data, as the sample's Y57)."""
        seen = set(self.concerns_cases["region_code"])
        for folder in (p for p in (self.root / "concerns").iterdir() if p.is_dir()):
            for path in _files(folder, r"practitioner_population\.csv"):
                seen |= set(read_csv_text(path)["region_code"])
        return [region for region in self.regions if region in seen]

    def practitioner_population(self, year: int) -> pd.DataFrame:
        (path,) = _files(_year_folder(self.root / "concerns", year), r"practitioner_population\.csv")
        population = read_csv_text(path)
        population = population[population["reporting_year"].astype(int) == year].copy()
        population["practitioners"] = population["practitioners"].astype(int)
        return population


# --- Geographies -------------------------------------------------------------------------


def geographies_of_trust(trust: Trust) -> list[tuple[str, str]]:
    """The published area levels a trust counts towards: its etr region and England."""
    return [("region", trust.region_code), ("national", ENGLAND)]


@dataclass
class Pool:
    """Counts summed over the trusts pooled into one geography."""

    counts: dict  # (measure, group) -> int
    trusts_contributing: int
    trusts_expected: int

    def get(self, measure: str, group: str) -> int:
        return self.counts.get((measure, group), 0)


def _row(metric_id, level, code, breakdown="all", group=None, comparison=None, **values) -> dict:
    row = dict.fromkeys(COLUMNS)
    row.update(metric_id=metric_id, geography_level=level, geography_code=code, breakdown=breakdown, group=group,
               comparison=comparison, suppressed=False)  # fmt: skip
    row.update(values)
    return row


def _wres_pools(landing: Landing, year: int, trusts: Iterable[str], counts_of_trust) -> dict[tuple[str, str], Pool]:
    """Pooled counts of every region and England for WRES year `year`.

    `trusts` are the trusts to pool (those with a valid return); `counts_of_trust(org)` gives a
    trust's {(measure, group): count}. Regions are those of the trusts expected or pooled.
    """
    expected = landing.trusts_expected(year)
    pooled = set(trusts)
    pools: dict[tuple[str, str], Pool] = {}
    for org in sorted(expected | pooled):
        for geography in geographies_of_trust(landing.trusts[org]):
            pool = pools.setdefault(geography, Pool({}, 0, 0))
            pool.trusts_expected += org in expected
            if org in pooled:
                pool.trusts_contributing += 1
                for key, n in counts_of_trust(org).items():
                    pool.counts[key] = pool.counts.get(key, 0) + n
    return pools


def _int(value: str | None) -> int:
    return int(value) if value is not None else 0


def _wres_trust_counts(sheets: dict[str, pd.DataFrame]) -> dict:
    """One return's counts per (measure, group), groups White/BME/Unknown and broad groups.
    A category missing from a sheet counts as zero (inputs.md)."""
    counts: dict = {}

    def add(measure: str, category: str, n: int) -> None:
        for group in {ETHNIC_GROUP[category], BROAD_GROUP[category]}:
            counts[(measure, group)] = counts.get((measure, group), 0) + n
        counts[(measure, "All")] = counts.get((measure, "All"), 0) + n

    for row in sheets["workforce"].itertuples(index=False):
        n = _int(row.headcount)
        add("headcount", row.ethnic_category, n)
        add(f"headcount|staff_group={row.staff_group}", row.ethnic_category, n)
        add(f"headcount|staff_group={row.staff_group};band={row.band}", row.ethnic_category, n)
    for row in sheets["recruitment"].itertuples(index=False):
        add("shortlisted", row.ethnic_category, _int(row.shortlisted))
        add("appointed", row.ethnic_category, _int(row.appointed))
    for row in sheets["disciplinary"].itertuples(index=False):
        add("disciplinary", row.ethnic_category, _int(row.entered_formal_disciplinary))
    for row in sheets["training"].itertuples(index=False):
        add("training", row.ethnic_category, _int(row.accessed_non_mandatory_training))
    for row in sheets["board"].itertuples(index=False):
        if row.voting == "Y":
            add("board_voting", row.ethnic_category, _int(row.members))
        if row.executive == "Y":
            add("board_executive", row.ethnic_category, _int(row.members))
    return counts


# --- WRES indicators 1-4 and 9 -----------------------------------------------------------


def _rl_rows(metric_id, pools, numerator, denominator, comparisons) -> list[dict]:
    rows = []
    for (level, code), pool in sorted(pools.items()):
        for interest, reference in comparisons:
            base = dict(trusts_contributing=pool.trusts_contributing, trusts_expected=pool.trusts_expected)
            if pool.trusts_contributing == 0:  # no trust to pool: null counts and value
                rows.append(_row(metric_id, level, code, comparison=f"{interest} vs {reference}", **base))
                continue
            a, n1 = pool.get(numerator, interest), pool.get(denominator, interest)
            c, n2 = pool.get(numerator, reference), pool.get(denominator, reference)
            rows.append(_row(
                metric_id, level, code, comparison=f"{interest} vs {reference}",
                numerator_a=a, denominator_a=n1, numerator_b=c, denominator_b=n2,
                **relative_likelihood(a, n1, c, n2), **base,
            ))  # fmt: skip
    return rows


def wres_rows(landing: Landing, year: int) -> list[dict]:
    returns = landing.wres(year)
    counts = {org: _wres_trust_counts(sheets) for org, sheets in returns.items()}
    pools = _wres_pools(landing, year, counts, counts.get)
    rows = []

    # Indicator 1: each group's share of headcount, Unknown in the denominator (Wilson CI).
    breakdowns = ["all"] + [f"staff_group={g}" for g in STAFF_GROUP_BANDS] + [
        f"staff_group={g};band={b}" for g, bands in STAFF_GROUP_BANDS.items() for b in bands
    ]
    for (level, code), pool in sorted(pools.items()):
        base = dict(trusts_contributing=pool.trusts_contributing, trusts_expected=pool.trusts_expected)
        for breakdown in breakdowns:
            measure = "headcount" if breakdown == "all" else f"headcount|{breakdown}"
            for group in ETHNIC_GROUPS:
                if pool.trusts_contributing == 0:
                    rows.append(_row("wres1_pct_headcount", level, code, breakdown, group, **base))
                    continue
                x, n = pool.get(measure, group), pool.get(measure, "All")
                rows.append(_row("wres1_pct_headcount", level, code, breakdown, group,
                                 numerator_a=x, denominator_a=n, **percentage(x, n), **base))  # fmt: skip

    rows += _rl_rows("wres2_rl_appointed", pools, "appointed", "shortlisted", WHITE_FIRST)
    # Indicators 3 and 4 use the whole workforce headcount of each group.
    rows += _rl_rows("wres3_rl_disciplinary", pools, "disciplinary", "headcount", WHITE_SECOND)
    rows += _rl_rows("wres4_rl_training", pools, "training", "headcount", WHITE_FIRST)

    # Two-year WRES 3: counts of Y-1 and Y summed, over the trusts with valid returns in both
    # years. CHOICE (spec silent), as dbt documents (int_wres__pooled_counts_2yr): the
    # geographies and trusts_expected are those of year Y.
    previous = landing.wres(year - 1)
    both = sorted(set(returns) & set(previous))
    two_year = {}
    for org in both:
        merged = dict(counts[org])
        for key, n in _wres_trust_counts(previous[org]).items():
            merged[key] = merged.get(key, 0) + n
        two_year[org] = merged
    pools_2yr = _wres_pools(landing, year, both, two_year.get)
    rows += _rl_rows("wres3_rl_disciplinary_2yr", pools_2yr, "disciplinary", "headcount", WHITE_SECOND)

    # Indicator 9: BME % of voting (executive) board members minus BME % of the workforce,
    # in percentage points, Unknown in both denominators; no CI.
    # numerator_a / denominator_a are the board counts (BME members / all such members), as
    # dbt documents (macro board_gap_rows). numerator_b / denominator_b stay null: the
    # contract defines them as "the reference group's counts for an RL; null otherwise".
    for metric_id, measure in (("wres9_board_voting_gap_pp", "board_voting"),
                               ("wres9_board_exec_gap_pp", "board_executive")):  # fmt: skip
        for (level, code), pool in sorted(pools.items()):
            base = dict(trusts_contributing=pool.trusts_contributing, trusts_expected=pool.trusts_expected)
            if pool.trusts_contributing == 0:
                rows.append(_row(metric_id, level, code, group="BME", **base))
                continue
            board_bme, board_all = pool.get(measure, "BME"), pool.get(measure, "All")
            staff_bme, staff_all = pool.get("headcount", "BME"), pool.get("headcount", "All")
            gap = 100 * board_bme / board_all - 100 * staff_bme / staff_all if board_all and staff_all else None
            rows.append(_row(metric_id, level, code, group="BME", value=gap,
                             numerator_a=board_bme, denominator_a=board_all, **base))  # fmt: skip
    return rows


# --- WRES indicators 5-8 (staff survey year Y-1) -----------------------------------------

SURVEY_METRICS = ("wres5_pct_hba_public", "wres6_pct_hba_staff", "wres7_pct_equal_opps", "wres8_pct_discrimination")
SURVEY_GROUPS = ("White", "BME", *BROAD_BME_GROUPS)


def _survey_answers(responses: pd.DataFrame) -> dict[str, tuple[pd.Series, pd.Series]]:
    """Per indicator: (answered, positive) booleans per respondent."""
    public = responses["q_hba_public"]
    manager, colleagues = responses["q_hba_manager"], responses["q_hba_colleagues"]
    equal_opps, discrimination = responses["q_equal_opps"], responses["q_discrim_mgr_colleague"]
    staff_answered = manager.notna() | colleagues.notna()
    staff_positive = (manager.fillna(0) >= 2) | (colleagues.fillna(0) >= 2)
    return {
        "wres5_pct_hba_public": (public.notna(), public.fillna(0) >= 2),
        "wres6_pct_hba_staff": (staff_answered, staff_answered & staff_positive),
        # Don't know (3) is in the denominator.
        "wres7_pct_equal_opps": (equal_opps.notna(), equal_opps.fillna(0) == 1),
        "wres8_pct_discrimination": (discrimination.notna(), discrimination.fillna(0) == 1),
    }


def survey_rows(landing: Landing, year: int) -> list[dict]:
    """Indicators 5-8 for reporting year Y from survey year Y-1.

    CHOICE (spec silent), as dbt documents (int_staff_survey__pooled_counts): a trust
    contributes when the survey file has at least one of its respondents; trusts_expected is
    the trusts expected in reporting year Y.
    """
    responses = landing.survey(year - 1)
    unknown_orgs = set(responses["org_code"]) - set(landing.trusts)
    assert not unknown_orgs, f"survey respondents of trusts not in etr.csv: {sorted(unknown_orgs)}"
    region = responses["org_code"].map({code: t.region_code for code, t in landing.trusts.items()})
    ethnic = responses["ethnic_category"].map(ETHNIC_GROUP)
    broad = responses["ethnic_category"].map(BROAD_GROUP)
    assert ethnic.notna().all(), "survey ethnic category outside the contract"
    expected = landing.trusts_expected(year)

    geographies = {("national", ENGLAND): pd.Series(True, index=responses.index)}
    for code in sorted(set(region) | {landing.trusts[org].region_code for org in expected}):
        geographies[("region", code)] = region == code

    rows = []
    for metric_id, (answered, positive) in _survey_answers(responses).items():
        # Respondents answering (n) and answering positively (x) per geography and group;
        # "Unknown" and "All" are parts and totals of the secondary-suppression hierarchy.
        cells: dict = {}
        for geography, inside in geographies.items():
            for group in (*ETHNIC_GROUPS, "All"):
                member = inside & ((ethnic == group) | (broad == group) | (group == "All"))
                cells[(geography, group)] = (int((member & answered).sum()), int((member & positive).sum()))
        # Minimum base at every level: fewer than 11 answering is suppressed. CHOICE, as
        # documented by dbt (int_staff_survey__controlled_counts): a group with nobody
        # answering is undefined, not suppressed (nothing is withheld; metrics.md, Edge cases).
        suppressed = {cell for cell, (n, _) in cells.items() if 0 < n < SURVEY_MINIMUM_BASE}
        # Secondary suppression below national level only (disclosure control does not apply
        # at national level, except the minimum base): BME = Asian + Black + Mixed + Other and
        # All = White + BME + Unknown, on respondent counts; method 1.1 adds England = the sum
        # of the regions per group, and a published total's own cell (BME, England) counts.
        # The 1.1 region and lineage totals pick trusts only, and no trust figure changes
        # whether a region's is hidden, so the region and England rows need no trust cells.
        totals, total_cells = [], []
        regions = [geography for geography in geographies if geography[0] == "region"]
        for geography in regions:
            totals.append([(geography, g) for g in BROAD_BME_GROUPS])
            total_cells.append((geography, "BME"))
            totals.append([(geography, g) for g in ("White", "BME", "Unknown")])
            total_cells.append(None)  # All is not a published survey group
        for group in ETHNIC_GROUPS:
            totals.append([(geography, group) for geography in regions])
            total_cells.append((("national", ENGLAND), group))
        suppressed = secondary_suppression({k: v[0] for k, v in cells.items()}, suppressed, totals,
                                           lambda c: (c[1], c[0][1]), total_cells)  # fmt: skip

        for geography, inside in geographies.items():
            level, code = geography
            orgs = set(responses.loc[inside, "org_code"])
            in_area = {org for org in expected if ("region", landing.trusts[org].region_code) == geography}
            base = dict(
                trusts_contributing=len(orgs),
                trusts_expected=len(expected if level == "national" else in_area),
            )
            for group in SURVEY_GROUPS:
                n, x = cells[(geography, group)]
                if (geography, group) in suppressed:
                    rows.append(_row(metric_id, level, code, group=group, suppressed=True, **base))
                else:
                    rows.append(_row(metric_id, level, code, group=group, numerator_a=x, denominator_a=n,
                                     **percentage(x, n), **base))  # fmt: skip
    return rows


# --- Concerns ----------------------------------------------------------------------------

CONCERNS_COUNTS = ("cases", "exclusions", "assessed_expected", "assessed", "exclusions_ended")
# Group cells of a concerns count. "All" and qualification "Unknown" are not published as
# rows but are parts and totals of the secondary-suppression hierarchy.
UNKNOWN_QUALIFICATION = "Unknown qualification"
CONCERNS_CELL_GROUPS = (*ETHNIC_GROUPS, *QUALIFICATION_GROUPS, UNKNOWN_QUALIFICATION, "All")


def _case_groups(case) -> set[str]:
    groups = {ETHNIC_GROUP[case.ethnic_category], BROAD_GROUP[case.ethnic_category], "All"}
    qualification = case.place_of_first_qualification
    groups.add(UNKNOWN_QUALIFICATION if qualification == "Unknown" else qualification)
    if qualification in ("EEA", "Outside EEA"):
        groups.add("IMG")
    return groups


def _in_year(day: date | None, year: int) -> bool:
    return day is not None and date(year - 1, 4, 1) <= day <= date(year, 3, 31)


@dataclass
class ConcernsCounts:
    """True counts per (count, geography, profession, group), with the region cells that
    disclosure control suppresses, and the exclusion lengths behind the medians."""

    counts: dict
    suppressed: set
    days: dict  # (geography, profession, group) -> list of exclusion lengths ending in Y

    def published(self, count: str, geography, profession: str, group: str) -> int | None:
        """The count as published: national as is, region rounded to 5 (None if suppressed)."""
        key = (count, geography, profession, group)
        n = self.counts.get(key, 0)
        if geography[0] == "national":
            return n
        return None if key in self.suppressed else round_to_base(n)


def concerns_counts(landing: Landing, year: int) -> ConcernsCounts:
    cases = landing.concerns_cases
    geographies = [("national", ENGLAND)] + [("region", r) for r in landing.concerns_regions]
    counts: dict = {}
    days: dict = {}
    for case in cases.itertuples(index=False):
        opened = _in_year(case.case_opened_date, year)  # the case belongs to the year it opened
        excluded = case.excluded == "Y"
        ended = excluded and _in_year(case.exclusion_end_date, year)
        measures = {
            "cases": opened,
            "exclusions": opened and excluded,
            "assessed_expected": opened and case.assessment_outcome == "Expected level",
            "assessed": opened and case.assessment_outcome in ("Expected level", "Below expected level"),
            "exclusions_ended": ended,
        }
        # CHOICE: a case's region is the region_code of the extract (concerns are national
        # extracts, not trust returns, so etr.csv does not place them); dbt does the same
        # (int_concerns__group_facts).
        for geography in (("national", ENGLAND), ("region", case.region_code)):
            for profession in (case.profession, "All"):
                for group in _case_groups(case):
                    for measure, counted in measures.items():
                        if counted:
                            key = (measure, geography, profession, group)
                            counts[key] = counts.get(key, 0) + 1
                    if ended:
                        length = (case.exclusion_end_date - case.exclusion_start_date).days
                        days.setdefault((geography, profession, group), []).append(length)

    # Primary suppression of region counts 1-7; none at national level.
    suppressed = {
        key for key, n in counts.items()
        if key[1][0] == "region" and CONCERNS_SUPPRESS_MIN <= n <= CONCERNS_SUPPRESS_MAX
    }  # fmt: skip
    # Secondary suppression (metrics.md), for each count separately, on every region cell.
    # CHOICE: every cell of the hierarchy takes part, including those not published as rows
    # ("All", qualification "Unknown"), because they are still totals and parts.
    totals = []
    professions = (*PROFESSIONS, "All")
    regions = [g for g in geographies if g[0] == "region"]
    for measure in CONCERNS_COUNTS:
        for geography in regions:
            for profession in professions:
                cell = lambda group: (measure, geography, profession, group)  # noqa: E731
                totals.append([cell(g) for g in BROAD_BME_GROUPS])  # BME = Asian + Black + Mixed + Other
                totals.append([cell(g) for g in ("White", "BME", "Unknown")])  # All = White + BME + Unknown
                totals.append([cell(g) for g in ("EEA", "Outside EEA")])  # IMG = EEA + Outside EEA
                totals.append([cell(g) for g in ("UK", "IMG", UNKNOWN_QUALIFICATION)])  # All = UK + IMG + Unknown
            for group in CONCERNS_CELL_GROUPS:  # All professions = Doctor + Dentist + Pharmacist
                totals.append([(measure, geography, p, group) for p in PROFESSIONS])
        for profession in professions:  # England = the sum of the regions
            for group in CONCERNS_CELL_GROUPS:
                totals.append([(measure, r, profession, group) for r in regions])

    suppressed = secondary_suppression(counts, suppressed, totals, _part_name)
    return ConcernsCounts(counts, suppressed, days)


def _part_name(cell) -> str:
    """Tie-break name of a part: within any total only one of group, profession and region
    varies, so ordering on the tuple (group, profession, region) orders on that name."""
    _, (_, region), profession, group = cell
    group = "Unknown" if group == UNKNOWN_QUALIFICATION else group
    return f"{group}\x00{profession}\x00{region}"


def _population_cells(population: pd.DataFrame) -> dict:
    cells: dict = {}
    for row in population.itertuples(index=False):
        groups = _case_groups(row)
        for geography in (("national", ENGLAND), ("region", row.region_code)):
            for profession in (row.profession, "All"):
                for group in groups:
                    key = (geography, profession, group)
                    cells[key] = cells.get(key, 0) + row.practitioners
    return cells


def concerns_rows(landing: Landing, year: int) -> list[dict]:
    """Concerns rows at region and national level. CHOICE (spec silent), as the dbt README
    documents: trusts_contributing and trusts_expected are null (a national extract, not
    trust returns). Per-profession rows are computed for every
    metric; the RLs, the percentage and the median are compared per profession only when
    the published table has such rows (they are optional in the spec)."""
    counts = concerns_counts(landing, year)
    population = _population_cells(landing.practitioner_population(year))
    geographies = [("national", ENGLAND)] + [("region", r) for r in landing.concerns_regions]
    professions = [("all", "All")] + [(f"profession={p}", p) for p in PROFESSIONS]
    rows = []

    def is_suppressed(count, geography, profession, group) -> bool:
        return counts.published(count, geography, profession, group) is None

    for level, code in geographies:
        geography = (level, code)
        for breakdown, profession in professions:
            # Rates per 1,000 practitioners (Garwood), every ethnic group and qualification.
            for group in (*ETHNIC_GROUPS, *QUALIFICATION_GROUPS):
                if is_suppressed("cases", geography, profession, group):
                    rows.append(_row("concerns_rate_per_1000", level, code, breakdown, group, suppressed=True))
                    continue
                x = counts.published("cases", geography, profession, group)
                n = population.get((geography, profession, group), 0)
                lower, upper = garwood_per_1000(x, n)
                rows.append(_row("concerns_rate_per_1000", level, code, breakdown, group,
                                 value=1000 * x / n if n else None, ci_lower=lower, ci_upper=upper,
                                 numerator_a=x, denominator_a=n))  # fmt: skip

            # RLs: referral on population rates, exclusion among cases.
            for metric_id, numerator, denominator in (
                ("concerns_rl_referral", "cases", None),
                ("concerns_rl_exclusion", "exclusions", "cases"),
            ):
                for interest, reference in CONCERNS_RL:
                    comparison = f"{interest} vs {reference}"
                    used = [(numerator, interest), (numerator, reference)]
                    if denominator:
                        used += [(denominator, interest), (denominator, reference)]
                    if any(is_suppressed(c, geography, profession, g) for c, g in used):
                        rows.append(_row(metric_id, level, code, breakdown, comparison=comparison, suppressed=True))
                        continue

                    def n_of(group):
                        if denominator is None:
                            return population.get((geography, profession, group), 0)
                        return counts.published(denominator, geography, profession, group)

                    a = counts.published(numerator, geography, profession, interest)
                    c = counts.published(numerator, geography, profession, reference)
                    n1, n2 = n_of(interest), n_of(reference)
                    rows.append(_row(metric_id, level, code, breakdown, comparison=comparison,
                                     numerator_a=a, denominator_a=n1, numerator_b=c, denominator_b=n2,
                                     **relative_likelihood(a, n1, c, n2)))  # fmt: skip

            # % of assessments (Expected or Below) at Expected level, by place of qualification.
            for group in QUALIFICATION_GROUPS:
                metric_id = "concerns_pct_assessed_expected"
                if is_suppressed("assessed_expected", geography, profession, group) or is_suppressed(
                    "assessed", geography, profession, group
                ):
                    rows.append(_row(metric_id, level, code, breakdown, group, suppressed=True))
                    continue
                x = counts.published("assessed_expected", geography, profession, group)
                n = counts.published("assessed", geography, profession, group)
                rows.append(_row(metric_id, level, code, breakdown, group, numerator_a=x, denominator_a=n,
                                 **percentage(x, n)))  # fmt: skip

            # Median exclusion days: exclusions whose end date falls in Y, whatever year their
            # case opened. CHOICES where the spec is silent, as documented in dbt
            # (int_metric__concerns_median_exclusion_days): groups as in the metric_definitions
            # seed (ethnic groups without Unknown, and qualifications); the number of
            # exclusions is published in numerator_a; 1-7 exclusions are suppressed at every
            # level (the median rule), while 0 is undefined (null value, count 0, not
            # suppressed: nothing is withheld, metrics.md Edge cases). An even number of
            # lengths takes the mean of the two middle ones (the usual median).
            for group in ("White", "BME", *BROAD_BME_GROUPS, *QUALIFICATION_GROUPS):
                metric_id = "concerns_median_exclusion_days"
                n_true = counts.counts.get(("exclusions_ended", geography, profession, group), 0)
                if 0 < n_true < MEDIAN_MINIMUM_COUNT or is_suppressed("exclusions_ended", geography, profession, group):
                    rows.append(_row(metric_id, level, code, breakdown, group, suppressed=True))
                    continue
                lengths = counts.days.get((geography, profession, group), [])
                rows.append(_row(metric_id, level, code, breakdown, group,
                                 value=float(statistics.median(lengths)) if lengths else None,
                                 numerator_a=counts.published("exclusions_ended", geography, profession, group)))
    return rows


# --- Entry point -------------------------------------------------------------------------

OPTIONAL_PROFESSION_ROWS = {
    "concerns_rl_referral", "concerns_rl_exclusion", "concerns_pct_assessed_expected",
    "concerns_median_exclusion_days",
}  # fmt: skip
METRIC_IDS = (
    "wres1_pct_headcount", "wres2_rl_appointed", "wres3_rl_disciplinary", "wres3_rl_disciplinary_2yr",
    "wres4_rl_training", *SURVEY_METRICS, "wres9_board_voting_gap_pp", "wres9_board_exec_gap_pp",
    "concerns_rate_per_1000", "concerns_rl_referral", "concerns_rl_exclusion", "concerns_pct_assessed_expected",
    "concerns_median_exclusion_days",
)  # fmt: skip


def expected_equity_metrics(landing: Path, year: int) -> pd.DataFrame:
    """Every region and national row of equity_metrics for `year`, recomputed from landing."""
    source = Landing(landing)
    rows = wres_rows(source, year) + survey_rows(source, year) + concerns_rows(source, year)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    assert not frame.duplicated(KEY).any()
    return frame.astype(
        {**dict.fromkeys(FLOAT_COLUMNS, "Float64"), **dict.fromkeys(COUNT_COLUMNS, "Int64"),
         "trusts_contributing": "Int64", "trusts_expected": "Int64", "significant": "boolean", "suppressed": "bool"}
    )
