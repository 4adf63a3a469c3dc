"""The reports' frame helpers (exports/reports/headlines.py) pick the same rows, with the
same values, as the plain pandas filters they replace: the pages depend on it byte for byte."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from exports.reports.headlines import HEADLINES, for_picking, headline_rows


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


def test_headline_rows_of_some_levels_are_a_level_filter_then_headline_rows() -> None:
    metrics = _metrics()
    for levels in (["national", "region"], ["national", "trust"], ["region"]):
        expected = headline_rows(metrics[metrics["geography_level"].isin(levels)])
        pd.testing.assert_frame_equal(headline_rows(metrics, levels), expected)  # index labels too
    assert list(headline_rows(metrics, ["region"])["geography_code"]) == ["R1"]


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
