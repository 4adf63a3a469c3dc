"""The exact Poisson (Garwood) limits of concerns rates (metrics.md, Conventions), computed in
the dbt Python model int_concerns__poisson_limits, checked against scipy and published values.

A dbt unit test cannot run a Python model, so this loads the model's own file and tests its
functions: the figures published are the ones these functions return.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest
import yaml
from scipy.stats import chi2, poisson

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"
MODEL_FILE = DBT_PROJECT_DIR / "models" / "intermediate" / "concerns" / "int_concerns__poisson_limits.py"


def _load_model_module():
    spec = importlib.util.spec_from_file_location("int_concerns__poisson_limits", MODEL_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


limits_model = _load_model_module()
garwood_limits = limits_model.garwood_limits
confidence_level = limits_model.confidence_level


def test_the_configured_z_stands_for_a_95_percent_level():
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    assert confidence_level(project["vars"]["ci_z"]) == 0.95
    assert confidence_level(1.96) == 0.95
    assert confidence_level(2.576) == 0.99


@pytest.mark.parametrize(
    ("count", "lower", "upper"),
    [
        # published tables of exact Poisson 95% limits (e.g. the Garwood table)
        (0, 0.0, 3.689),
        (1, 0.0253, 5.572),
        (2, 0.242, 7.225),
        (5, 1.623, 11.668),
        (10, 4.795, 18.390),
        (100, 81.364, 121.627),
    ],
)
def test_hand_values(count, lower, upper):
    got_lower, got_upper = garwood_limits(count, 0.95)
    decimals = 4 if count == 1 else 3
    assert round(got_lower, decimals) == lower
    assert round(got_upper, 3) == upper


def test_zero_count_has_lower_limit_zero_and_a_closed_form_upper_limit():
    lower, upper = garwood_limits(0, 0.95)
    assert lower == 0.0
    # P(X = 0 | mu) = exp(-mu) = 0.025  ->  mu = -ln 0.025
    assert math.isclose(upper, -math.log(0.025), rel_tol=1e-12)


@pytest.mark.parametrize("count", [*range(0, 60), 99, 250, 1_000, 12_345, 250_000])
def test_limits_are_scipy_chi_square_quantiles(count):
    lower, upper = garwood_limits(count, 0.95)
    expected_lower = 0.0 if count == 0 else chi2.ppf(0.025, 2 * count) / 2
    assert math.isclose(lower, expected_lower, rel_tol=1e-12, abs_tol=0.0)
    assert math.isclose(upper, chi2.ppf(0.975, 2 * count + 2) / 2, rel_tol=1e-12)


@pytest.mark.parametrize("count", [*range(0, 40), 100, 1_000, 10_000])
def test_limits_solve_the_poisson_tail_equations(count):
    """The definition: at the lower limit P(X >= x) = 2.5%, at the upper P(X <= x) = 2.5%."""
    lower, upper = garwood_limits(count, 0.95)
    assert lower <= count <= upper
    assert math.isclose(poisson.cdf(count, upper), 0.025, rel_tol=1e-8)
    if count:
        assert math.isclose(poisson.sf(count - 1, lower), 0.025, rel_tol=1e-8)


def test_other_levels_follow_the_level():
    narrow, wide = garwood_limits(10, 0.90), garwood_limits(10, 0.99)
    middle = garwood_limits(10, 0.95)
    assert wide[0] < middle[0] < narrow[0] and narrow[1] < middle[1] < wide[1]
    assert math.isclose(narrow[1], chi2.ppf(0.95, 22) / 2, rel_tol=1e-12)


@pytest.mark.parametrize("count", [-1, 2.5])
def test_a_count_must_be_a_whole_number(count):
    with pytest.raises(ValueError):
        garwood_limits(count, 0.95)


@pytest.mark.parametrize("level", [0.0, 1.0, 95])
def test_the_level_must_be_a_probability(level):
    with pytest.raises(ValueError):
        garwood_limits(3, level)
