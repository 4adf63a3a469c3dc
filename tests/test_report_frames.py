"""The reports' frame helpers (exports/reports/headlines.py) pick the same rows, with the
same values, as the plain pandas filters they replace: the pages depend on it byte for byte."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from exports.reports.headlines import HEADLINES, for_picking, headline_filter, rows_of


def _metrics() -> pd.DataFrame:
    headline = HEADLINES[0]
    rows = []
    for level, code in (("national", "E"), ("region", "R1"), ("trust", "T1"), ("trust", "T2")):
        for metric_id, breakdown in ((headline.metric_id, "all"), (headline.metric_id, "age"), ("not_a_headline", "all")):
            rows.append({"metric_id": metric_id, "geography_level": level, "geography_code": code,
                         "breakdown": breakdown, "group": headline.group, "comparison": headline.comparison,
                         "value": 1.5, "note": None if code == "T1" else f"note {code}", "reporting_year": 2025})
    return pd.DataFrame(rows).astype({"metric_id": "str", "geography_level": "str", "geography_code": "str",
                                      "breakdown": "str", "note": "str"})


def _selected(frame: pd.DataFrame, where: dict) -> pd.DataFrame:
    """ReleaseData.table's `where` as a pandas filter: a set is any of its values, else equality."""
    selected = pd.Series(True, index=frame.index)
    for column, wanted in where.items():
        selected &= frame[column].isin(wanted) if isinstance(wanted, set) else frame[column] == wanted
    return frame[selected]


def test_the_headline_filter_selects_headline_metrics_breakdown_all_at_the_levels_asked() -> None:
    metrics = _metrics()
    assert list(_selected(metrics, headline_filter(["region"]))["geography_code"]) == ["R1"]
    assert list(_selected(metrics, headline_filter(["national", "trust"]))["geography_code"]) == ["E", "T1", "T2"]
    every_level = _selected(metrics, headline_filter())
    assert list(every_level["geography_code"]) == ["E", "R1", "T1", "T2"]
    assert set(every_level["metric_id"]) == {HEADLINES[0].metric_id} and set(every_level["breakdown"]) == {"all"}
    assert _selected(metrics, headline_filter(metric_ids=["not_a_headline"]))["breakdown"].eq("all").all()


def test_a_frame_for_picking_keeps_its_values_order_and_missing_values() -> None:
    metrics = _metrics()
    picked = for_picking(metrics)
    assert list(picked.index) == list(metrics.index)
    for column in metrics.columns:
        assert isinstance(picked[column].dtype, type(metrics[column].dtype))
        for before, after in zip(metrics[column], picked[column], strict=True):
            assert type(before) is type(after)
            assert (isinstance(before, float) and math.isnan(before) and math.isnan(after)) or before == after
    # Picking rows gives the same rows and text either way, missing text still NaN.
    mask = (picked["geography_level"] == "trust") & (picked["breakdown"] == "all")
    assert list(picked[mask]["note"].fillna("-")) == list(metrics[mask.to_numpy()]["note"].fillna("-"))
    assert picked["note"].isna().sum() == metrics["note"].isna().sum() > 0
    assert picked["note"].dtype.na_value is np.nan


def test_a_frame_without_arrow_text_is_returned_as_it_is() -> None:
    frame = pd.DataFrame({"value": [1.0, 2.0]})
    assert for_picking(frame) is frame


def _same(left, right) -> bool:
    if left is right:
        return True
    return type(left) is type(right) and (
        (isinstance(left, float) and math.isnan(left) and math.isnan(right)) or bool(left == right))


def test_rows_of_gives_the_rows_itertuples_gives() -> None:
    metrics = _metrics()
    frame = pd.concat([metrics, for_picking(metrics)[["note"]].rename(columns={"note": "picked note"})], axis=1)
    frame["count"] = range(len(frame))
    frame["flag"] = [index % 2 == 0 for index in range(len(frame))]
    frame["maybe"] = pd.array([None if index % 3 else 1 for index in range(len(frame))], dtype="Int64")
    frame["yes no"] = pd.array([None if index % 4 else True for index in range(len(frame))], dtype="boolean")
    frame["value"] = [math.nan if index % 5 == 0 else index / 3 for index in range(len(frame))]
    frame.index = [10 * index for index in range(len(frame))]
    plain = frame.drop(columns=["maybe", "yes no"])  # numpy and text columns only: the fast way
    for selection in (frame, plain, plain.iloc[2:7], plain.iloc[:0], plain[["value"]], plain[[]], frame.iloc[1:3]):
        for index in (False, True):
            expected = list(selection.itertuples(index=index))
            found = rows_of(selection, index=index)
            assert [row._fields for row in found] == [row._fields for row in expected]
            for got, want in zip(found, expected, strict=True):
                assert all(_same(a, b) for a, b in zip(got, want, strict=True)), (got, want)
            assert len(found) == len(expected)
