"""The Student t quantiles of the direction of travel (metrics.md, Trends), computed in the
dbt Python model int_trends__t_quantiles, checked against scipy.stats and published values.

A dbt unit test cannot run a Python model, so this loads the model's own file and tests its
functions: the figures published are the ones these functions return.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml
from scipy.stats import t as student_t

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"
MODEL_FILE = DBT_PROJECT_DIR / "models" / "intermediate" / "trends" / "int_trends__t_quantiles.py"


def _load_model_module():
    spec = importlib.util.spec_from_file_location("int_trends__t_quantiles", MODEL_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


quantiles_model = _load_model_module()
t_quantile = quantiles_model.t_quantile
confidence_level = quantiles_model.confidence_level


def test_the_configured_z_stands_for_a_95_percent_level():
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    assert confidence_level(project["vars"]["ci_z"]) == 0.95


@pytest.mark.parametrize("df", range(1, 31))
def test_t_quantile_is_scipy_t_ppf(df):
    assert t_quantile(0.95, df) == student_t.ppf(0.975, df)
    assert t_quantile(0.99, df) == pytest.approx(student_t.ppf(0.995, df), rel=1e-14)


@pytest.mark.parametrize(
    ("df", "published"),
    [(1, 12.7062047), (2, 4.30265273), (3, 3.18244631), (10, 2.22813885), (30, 2.04227246)],
)
def test_t_quantile_matches_published_tables(df, published):
    assert t_quantile(0.95, df) == pytest.approx(published, abs=5e-8)


@pytest.mark.parametrize("bad", [0, -1, 1.5])
def test_t_quantile_needs_whole_positive_degrees_of_freedom(bad):
    with pytest.raises(ValueError):
        t_quantile(0.95, bad)


def test_the_window_gives_one_quantile_per_possible_degrees_of_freedom():
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    window, minimum = project["vars"]["trend_window_years"], project["vars"]["trend_minimum_years"]
    assert (window, minimum) == (5, 3)  # metrics.md: Y-4 ... Y, at least 3 years

    class _Config(dict):
        def __call__(self, **kwargs):  # dbt.config(materialized=...)
            return None

    class _Dbt:
        config = _Config(ci_z=project["vars"]["ci_z"], trend_window_years=window)

    frame = quantiles_model.model(_Dbt(), None)
    assert frame["degrees_of_freedom"].tolist() == [1, 2, 3]
    assert frame["confidence_level"].tolist() == [0.95] * 3
    assert frame["t_quantile"].tolist() == [student_t.ppf(0.975, df) for df in (1, 2, 3)]
