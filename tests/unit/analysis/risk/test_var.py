"""VaR and ES, four ways: hand-worked figures, and scipy/numpy recomputations on real data.

Tolerances: closed forms recomputed here agree to rel=1e-9; the Cornish-Fisher ES is checked
against numerical integration (rel=1e-6); Monte Carlo against the closed form it samples
(rel=2e-2 with 200,000 paths: the standard error of a 5 % quantile is about 0.3 %).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from workbench.analysis import price_returns
from workbench.analysis.risk import (
    cornish_fisher_var,
    historical_var,
    monte_carlo_var,
    parametric_var,
    value_at_risk,
    var_table,
)
from workbench.core.errors import DataError, ValidationError

pytestmark = pytest.mark.requirement("ANA-03")

TEN = pd.Series([-0.05, -0.03, -0.01, 0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06])


@pytest.fixture(scope="module")
def jpm(close: pd.DataFrame) -> pd.Series:
    return price_returns(close["JPM"])


def test_historical_hand_worked() -> None:
    # 10 % quantile: 0.9 of the way from -0.05 to -0.03 (linear interpolation) = -0.032
    result = historical_var(TEN, confidence=0.90)
    assert result.var == pytest.approx(0.032, rel=1e-12)
    assert result.expected_shortfall == pytest.approx(0.05, rel=1e-12)  # only -0.05 is beyond
    assert result.observations == 10


def test_historical_multi_period_uses_overlapping_compounded_windows(jpm: pd.Series) -> None:
    r = jpm.to_numpy()
    windows = (1 + r[:-4]) * (1 + r[1:-3]) * (1 + r[2:-2]) * (1 + r[3:-1]) * (1 + r[4:]) - 1
    cutoff = np.quantile(windows, 0.01)
    result = historical_var(jpm, confidence=0.99, horizon=5)
    assert result.var == pytest.approx(-cutoff, rel=1e-9)
    assert result.expected_shortfall == pytest.approx(-windows[windows <= cutoff].mean(), 1e-9)


def test_parametric_hand_worked() -> None:
    returns = pd.Series([0.01, -0.01] * 50)  # mean 0, sample std 0.01 * sqrt(100/99)
    std = 0.01 * math.sqrt(100 / 99)
    result = parametric_var(returns, confidence=0.95, horizon=4)
    assert result.var == pytest.approx(1.6448536269514722 * std * 2, rel=1e-12)
    # ES of a Gaussian: pdf(z) / (1 - c) = 2.0627128 standard deviations at 95 %
    assert result.expected_shortfall == pytest.approx(2.0627128075074 * std * 2, rel=1e-9)


def test_parametric_on_real_data(jpm: pd.Series) -> None:
    r = jpm.to_numpy()
    mean, std = r.mean(), r.std(ddof=1)
    result = parametric_var(jpm, confidence=0.99, horizon=10)
    assert result.var == pytest.approx(
        -10 * mean + stats.norm.ppf(0.99) * std * math.sqrt(10), 1e-9
    )


def test_cornish_fisher_on_real_data(jpm: pd.Series) -> None:
    r = jpm.to_numpy()
    mean, std = r.mean(), r.std(ddof=1)
    n = len(r)
    centred = r - mean
    m2, m3, m4 = (centred**2).mean(), (centred**3).mean(), (centred**4).mean()
    # the bias-corrected sample skewness and excess kurtosis, written out
    s = math.sqrt(n * (n - 1)) / (n - 2) * m3 / m2**1.5
    k = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * (m4 / m2**2 - 3) + 6)

    def expanded(z: float) -> float:
        return z + (z**2 - 1) * s / 6 + (z**3 - 3 * z) * k / 24 - (2 * z**3 - 5 * z) * s**2 / 36

    result = cornish_fisher_var(jpm, confidence=0.99)
    assert result.var == pytest.approx(-(mean + expanded(stats.norm.ppf(0.01)) * std), rel=1e-9)
    tail_mean = integrate.quad(lambda p: expanded(stats.norm.ppf(p)), 0, 0.01)[0] / 0.01
    assert result.expected_shortfall == pytest.approx(-(mean + tail_mean * std), rel=1e-6)
    # fat tails: the expansion sits beyond the Gaussian at 99 %
    assert result.var > parametric_var(jpm, confidence=0.99).var


def test_monte_carlo_samples_the_fitted_gaussian(jpm: pd.Series) -> None:
    result = monte_carlo_var(jpm, confidence=0.95, simulations=200_000, seed=11)
    closed = parametric_var(jpm, confidence=0.95)
    assert result.var == pytest.approx(closed.var, rel=2e-2)
    assert result.expected_shortfall == pytest.approx(closed.expected_shortfall, rel=2e-2)


def test_monte_carlo_is_reproducible_by_seed(jpm: pd.Series) -> None:
    first = monte_carlo_var(jpm, horizon=5, simulations=20_000, seed=3)
    again = monte_carlo_var(jpm, horizon=5, simulations=20_000, seed=3)
    other = monte_carlo_var(jpm, horizon=5, simulations=20_000, seed=4)
    assert first == again and first.var != other.var


def test_monte_carlo_bootstrap_resamples_history(jpm: pd.Series) -> None:
    result = monte_carlo_var(jpm, simulations=200_000, distribution="bootstrap", seed=1)
    assert result.var == pytest.approx(historical_var(jpm).var, rel=3e-2)


def test_money_figures_and_table(jpm: pd.Series) -> None:
    result = value_at_risk(jpm, method="parametric", value=1_000_000)
    assert result.var_amount == pytest.approx(result.var * 1_000_000)
    json.dumps(result.to_dict())
    table = var_table(jpm, confidences=(0.95, 0.99), value=1e6)
    assert len(table) == 8
    assert (table["var"] > 0).all()
    assert (table["expected_shortfall"] >= table["var"]).all()


def test_bad_input() -> None:
    with pytest.raises(ValidationError, match="strictly between 0 and 1"):
        historical_var(TEN, confidence=95)
    with pytest.raises(ValidationError, match="horizon must be an integer"):
        historical_var(TEN, horizon=0)
    with pytest.raises(DataError, match="at least 2 observations"):
        parametric_var(pd.Series([0.01]))
    with pytest.raises(DataError, match="needs at least 11 returns"):
        historical_var(TEN, horizon=10)
    with pytest.raises(ValidationError, match="unknown VaR method"):
        value_at_risk(TEN, method="delta")  # type: ignore[arg-type]
    with pytest.raises(DataError, match="is empty"):
        historical_var(pd.Series([np.nan, np.nan]))


def test_a_series_that_never_moves() -> None:
    flat = pd.Series([0.001] * 10)
    # no dispersion: every method says the loss is minus the (positive) return
    for method in ("historical", "parametric", "cornish_fisher", "monte_carlo"):
        assert value_at_risk(flat, method=method).var == pytest.approx(-0.001)
