"""What the profiles read, indexed once: the release's published tables as lookups by key.

210 trust pages each look up a few hundred figures, so the tables are turned into
dictionaries once (a pandas filter per look-up would take minutes). Everything comes from the
release's parquet through ReleaseData, as a reader would read it, never the warehouse: a
profile cannot show a figure the release withholds.

Keys are (geography_code, metric_id, group, comparison, reporting_year), breakdown `all`;
geography codes of trusts, regions and England never collide.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from exports.reports.headlines import HEADLINES, NATIONAL_CODE, Headline, headline_filter
from exports.reports.release_data import MissingData, ReleaseData

METRIC_COLUMNS = [
    "metric_id", "reporting_year", "geography_level", "geography_code", "breakdown", "group", "comparison",
    "value", "ci_lower", "ci_upper", "equity_band", "significant", "suppressed", "note",
]
KEY_COLUMNS = ["geography_code", "metric_id", "group", "comparison", "reporting_year"]
SERIES_COLUMNS = KEY_COLUMNS  # the key of a figure, its year last
UNKNOWN_TYPES = {"", "unknown"}


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain dicts, a missing value as None (through arrow: NaN and NA become null)."""
    return pa.Table.from_pandas(frame, preserve_index=False).to_pylist()


def _by_key(frame: pd.DataFrame) -> dict[tuple, dict]:
    """Rows as plain dicts by their key (KEY_COLUMNS)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    keys = zip(*(table.column(column).to_pylist() for column in KEY_COLUMNS), strict=True)
    return dict(zip(keys, table.to_pylist(), strict=True))


def _values_by_year(frame: pd.DataFrame) -> dict[tuple, dict[int, object]]:
    """(geography_code, metric_id, group, comparison) → {year: value}. Earlier years are read
    only by the trend lines, for their values: a row dict per figure would grow with the years."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    found: dict[tuple, dict[int, object]] = defaultdict(dict)
    columns = [_python_values(table.column(name)) for name in SERIES_COLUMNS]
    values = table.column("value").to_pylist()
    for code, metric_id, group, comparison, year, value in zip(*columns, values, strict=True):
        found[(code, metric_id, group, comparison)][year] = value
    return dict(found)


def _python_values(column: pa.ChunkedArray) -> list:
    """A column's values as Python objects, text as one str object per distinct value (taken
    from the column's dictionary by a numpy take), not one per row."""
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return column.to_pylist()
    encoded = pc.dictionary_encode(column, null_encoding="encode").combine_chunks()
    texts = np.array(encoded.dictionary.to_pylist(), dtype=object)
    return texts[encoded.indices.to_numpy(zero_copy_only=False)].tolist()


@dataclass(frozen=True)
class Spread:
    """The published values of a set of trusts for one figure: what a spine or a peer group shows."""

    values: tuple[float, ...]  # sorted

    @property
    def count(self) -> int:
        return len(self.values)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @cached_property
    def quartiles(self) -> tuple[float, float]:
        if self.count < 4:
            return self.values[0], self.values[-1]
        q1, _, q3 = statistics.quantiles(self.values, n=4, method="inclusive")
        return q1, q3


class ProfileData:
    """The release's tables for the profiles of one reporting year."""

    def __init__(self, data: ReleaseData) -> None:
        self.data = data
        self.year = data.reporting_year
        # The reporting year's figures as row dicts; every year's as values only (trend lines).
        metrics = data.table("equity_metrics", METRIC_COLUMNS, where={**headline_filter(), "reporting_year": self.year})
        self.figures = _by_key(metrics[METRIC_COLUMNS])
        series = data.table("equity_metrics", [*SERIES_COLUMNS, "geography_level", "value"], where=headline_filter())
        self.years = sorted({int(year) for year in series["reporting_year"].dropna()})
        self._regions_with_figures = set(series.loc[series["geography_level"] == "region", "geography_code"])
        self._values = _values_by_year(series)
        del metrics, series
        self.benchmarks = self._lookup("equity_benchmarks", ["benchmark"]) or {}
        trends = self._lookup("equity_trends", ["value", "direction_of_travel", "includes_predecessors"])
        self.trends = trends or {}
        self._trend_values = self._series("equity_trends") if trends is not None else {}
        self.has_benchmarks = data.has_table("equity_benchmarks")
        self.has_trends = data.has_table("equity_trends")
        # Trusts with a figure per (metric, group, comparison) in the reporting year.
        self._trust_values: dict[tuple, dict[str, float]] = defaultdict(dict)
        for row in self.figures.values():
            if row["geography_level"] == "trust" and row["reporting_year"] == self.year and row["value"] is not None:
                self._trust_values[(row["metric_id"], row["group"], row["comparison"])][row["geography_code"]] = row["value"]

    def _lookup(self, table: str, columns: list[str]) -> dict[tuple, dict] | None:
        """The reporting year's rows of a table, by key; None when the release lacks them."""
        try:
            frame = self.data.table(table, [*KEY_COLUMNS, *columns],
                                    where={**headline_filter(), "reporting_year": self.year})
        except MissingData:
            return None
        return _by_key(frame[[*KEY_COLUMNS, *columns]])

    def _series(self, table: str) -> dict[tuple, dict[int, object]]:
        try:
            return _values_by_year(self.data.table(table, [*SERIES_COLUMNS, "value"], where=headline_filter()))
        except MissingData:
            return {}

    # --- organisations ---------------------------------------------------------------

    @cached_property
    def organisations(self) -> dict[str, dict]:
        try:
            frame = self.data.table("organisations", ["org_code", "org_name", "region_code"])
        except MissingData:
            return {}
        return {row["org_code"]: row for row in _records(frame)}

    @cached_property
    def expected_trusts(self) -> list[str]:
        """The trusts expected to submit in the reporting year (submission_status, WRES), or, in
        a release without it, the trusts with rows in equity_metrics that year; by name."""
        try:
            status = self.data.table("submission_status", ["reporting_year", "source", "org_code"])
            codes = set(status.loc[(status["reporting_year"] == self.year) & (status["source"] == "wres"), "org_code"].dropna())
        except MissingData:
            codes = {row["geography_code"] for row in self.figures.values()
                     if row["geography_level"] == "trust" and row["reporting_year"] == self.year}
        return sorted(codes, key=lambda code: (self.name(code), code))

    @cached_property
    def regions(self) -> list[str]:
        codes = set(self._regions_with_figures)
        codes |= {self.region_of(code) for code in self.expected_trusts} - {None}
        return sorted(codes, key=lambda code: (self.region_name(code), code))

    def name(self, code: str) -> str:
        return (self.organisations.get(code) or {}).get("org_name") or code

    def region_of(self, code: str) -> str | None:
        return (self.organisations.get(code) or {}).get("region_code")

    def region_name(self, code: str | None) -> str:
        return self.data.region_names.get(code) or code or "region not known"

    def trust_type(self, code: str) -> str | None:
        kind = (self.organisations.get(code) or {}).get("trust_type")
        return None if kind is None or str(kind).strip().lower() in UNKNOWN_TYPES else str(kind)

    def predecessors(self, code: str) -> list[dict]:
        """Organisations whose successor is this trust (organisations.successor_org_code)."""
        found = [row for row in self.organisations.values() if row.get("successor_org_code") == code]
        return sorted(found, key=lambda row: (str(row.get("close_date") or ""), row["org_code"]))

    # --- figures ---------------------------------------------------------------------

    def figure(self, code: str, headline: Headline, *, group=..., comparison=..., year: int | None = None) -> dict | None:
        key = (code, headline.metric_id, headline.group if group is ... else group,
               headline.comparison if comparison is ... else comparison)
        return _row_or_value(self.figures, self._values, key, year or self.year, self.year)

    def benchmark(self, code: str, headline: Headline, *, group=..., comparison=...) -> str | None:
        key = (code, headline.metric_id, headline.group if group is ... else group,
               headline.comparison if comparison is ... else comparison, self.year)
        return (self.benchmarks.get(key) or {}).get("benchmark")

    def trend(self, code: str, headline: Headline, year: int | None = None) -> dict | None:
        key = (code, headline.metric_id, headline.group, headline.comparison)
        return _row_or_value(self.trends, self._trend_values, key, year or self.year, self.year)

    def national(self, headline: Headline, **which) -> dict | None:
        return self.figure(NATIONAL_CODE, headline, **which)

    def yearly_values(self, code: str, headline: Headline) -> dict[int, object]:
        """The figure's value in each year of the release (None where it has none). Kept:
        England's and a region's lines are drawn on the page of every trust they contain."""
        key = (code, headline)
        if key not in self._yearly:
            self._yearly[key] = {year: (self.figure(code, headline, year=year) or {}).get("value") for year in self.years}
        return self._yearly[key]

    def trust_values(self, headline: Headline, *, group=..., comparison=...) -> dict[str, float]:
        """Trust code → published value in the reporting year, for every trust with one."""
        return self._trust_values.get((headline.metric_id, headline.group if group is ... else group,
                                       headline.comparison if comparison is ... else comparison), {})

    def spread(self, headline: Headline, kind: str | None = None) -> Spread | None:
        """The spread of all trusts' values, or (with `kind`) of the open trusts of that type."""
        key = (headline, kind)
        if key not in self._spreads:
            codes = None if kind is None else {code for code in self.expected_trusts if self.trust_type(code) == kind}
            values = self.trust_values(headline)
            picked = sorted(value for code, value in values.items() if codes is None or code in codes)
            if headline.measure.is_ratio:
                picked = [value for value in picked if value > 0]
            self._spreads[key] = Spread(tuple(picked)) if picked else None
        return self._spreads[key]

    @cached_property
    def _yearly(self) -> dict:
        return {}

    @cached_property
    def _spreads(self) -> dict:
        return {}

    @cached_property
    def _ranks(self) -> dict[tuple, tuple[dict[str, int], int]]:
        return {}

    def rank(self, code: str, headline: Headline) -> tuple[int, int] | None:
        """(n, N): the trust's place among all trusts with a value, by equity distance; 1 is
        nearest equity and equal distances share a rank (1, 2, 2, 4)."""
        key = (headline.metric_id, headline.group, headline.comparison)
        if key not in self._ranks:
            distances = {c: headline.distance(v) for c, v in self.trust_values(headline).items()}
            distances = {c: d for c, d in distances.items() if d is not None}
            ordered = sorted(distances.values())
            ranks = {}
            for c, d in distances.items():
                # 1 + how many are strictly nearer equity: ties share the best rank.
                low, high = 0, len(ordered)
                while low < high:
                    middle = (low + high) // 2
                    if ordered[middle] < d:
                        low = middle + 1
                    else:
                        high = middle
                ranks[c] = low + 1
            self._ranks[key] = (ranks, len(ordered))
        ranks, total = self._ranks[key]
        return (ranks[code], total) if code in ranks else None

    def peers(self, kind: str) -> list[str]:
        """The open trusts of a type: those expected in the reporting year."""
        return [code for code in self.expected_trusts if self.trust_type(code) == kind]

    # --- other tables ------------------------------------------------------------------

    def table_rows(self, table: str, columns: list[str], **equal) -> list[dict]:
        """Rows of a small table (submission_status, unknown_ethnicity, suppression_log) by value."""
        frames = self._small_tables
        if table not in frames:
            try:
                frames[table] = _records(self.data.table(table, columns))
            except MissingData:
                frames[table] = None
        rows = frames[table]
        if rows is None:
            return []
        index_key = (table, tuple(sorted(equal)))
        if index_key not in self._indexes:
            index = defaultdict(list)
            for row in rows:
                index[tuple(row.get(column) for column in sorted(equal))].append(row)
            self._indexes[index_key] = index
        return self._indexes[index_key].get(tuple(equal[column] for column in sorted(equal)), [])

    def has_table(self, table: str) -> bool:
        return self.data.has_table(table)

    @cached_property
    def _small_tables(self) -> dict:
        return {}

    @cached_property
    def _indexes(self) -> dict:
        return {}


def _row_or_value(rows: dict[tuple, dict], values: dict[tuple, dict[int, object]], key: tuple, year: int,
                  reporting_year: int) -> dict | None:
    """The reporting year's row of a figure, or for another year its value alone ({"value": v})."""
    if year == reporting_year:
        return rows.get((*key, year))
    by_year = values.get(key)
    return {"value": by_year[year]} if by_year is not None and year in by_year else None
