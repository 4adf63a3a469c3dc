"""The reports' frame helpers (exports/reports/headlines.py) pick the same rows, with the
same values, as the plain pandas filters they replace: the pages depend on it byte for byte."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from exports.reports.headlines import HEADLINES, for_picking, headline_filter


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
