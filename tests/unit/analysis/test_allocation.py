"""Target weights: each method checked by its defining property, computed here in numpy (and
scipy's SLSQP as an independent solver), and every constraint respected.

Tolerances: weights to 1e-9 of their bounds; objective values to 1e-5 relative of the
independent solve; optimality (KKT) conditions and equal risk contributions to 1e-3 relative,
the accuracy the interior-point solver is run to. Assets under 0.1 % count as left out (the
solver leaves 1e-5-sized residue where the exact optimum has zero).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize
from sklearn.covariance import LedoitWolf

from workbench.analysis import WeightConstraints, price_returns, target_weights
from workbench.core.errors import ValidationError

pytestmark = pytest.mark.requirement("ANA-05")

METHODS = ["equal_weight", "inverse_volatility", "min_variance", "max_sharpe", "risk_parity", "hrp"]


@pytest.fixture(scope="module")
def returns(close: pd.DataFrame) -> pd.DataFrame:
    return price_returns(close)


def test_equal_weight(returns: pd.DataFrame) -> None:
    result = target_weights(returns, "equal_weight")
    np.testing.assert_allclose(result.weights, 1 / 60, rtol=1e-12)


def test_inverse_volatility(returns: pd.DataFrame) -> None:
    inverse = 1 / returns.to_numpy().std(axis=0, ddof=1)
    result = target_weights(returns, "inverse_volatility")
    np.testing.assert_allclose(result.weights, inverse / inverse.sum(), rtol=1e-9)


def _slsqp(objective, count: int, gradient=None) -> np.ndarray:
    """An independent long-only, fully invested solve."""
    solved = minimize(
        objective,
        np.full(count, 1 / count),
        jac=gradient,
        bounds=[(0, 1)] * count,
        constraints=[{"type": "eq", "fun": lambda x: x.sum() - 1, "jac": np.ones_like}],
        method="SLSQP",
        options={"ftol": 1e-15, "maxiter": 1000},
    )
    return solved.x


def test_min_variance_meets_its_optimality_conditions(returns: pd.DataFrame) -> None:
    w = target_weights(returns, "min_variance", covariance="sample").weights.to_numpy()
    matrix = np.cov(returns.to_numpy(), rowvar=False)
    gradient = matrix @ w
    held = w > 1e-3
    level = gradient[held].mean()
    # every held asset has the same marginal variance; none left out would lower it
    np.testing.assert_allclose(gradient[held], level, rtol=1e-3)
    assert (gradient[~held] >= level * (1 - 1e-3)).all()
    scaled = matrix * 1e4  # in squared basis points SLSQP converges in a few steps
    independent = _slsqp(lambda x: x @ scaled @ x, len(w), lambda x: 2 * scaled @ x)
    assert w @ matrix @ w <= independent @ matrix @ independent * (1 + 1e-5)


def test_max_sharpe_meets_its_optimality_conditions(returns: pd.DataFrame) -> None:
    result = target_weights(returns, "max_sharpe", covariance="sample", risk_free_rate=0.01)
    w = result.weights.to_numpy()
    excess = returns.to_numpy().mean(axis=0) - (1.01 ** (1 / 252) - 1)
    matrix = np.cov(returns.to_numpy(), rowvar=False)
    gradient = matrix @ w
    held = w > 1e-3
    # at the tangency portfolio, excess return per unit of marginal variance is the same
    # for every held asset and no better for any other
    ratio = excess / gradient
    np.testing.assert_allclose(ratio[held], ratio[held].mean(), rtol=1e-3)
    assert (ratio[~held] <= ratio[held].mean() * (1 + 1e-3)).all()
    independent = _slsqp(lambda x: -(excess @ x) / np.sqrt(x @ matrix @ x), len(w))
    sharpe = excess @ w / np.sqrt(w @ matrix @ w)
    assert sharpe >= excess @ independent / np.sqrt(independent @ matrix @ independent) - 1e-5


@pytest.mark.parametrize("covariance", ["sample", "ledoit_wolf"])
def test_risk_parity_equalises_risk_contributions(returns: pd.DataFrame, covariance) -> None:
    result = target_weights(returns, "risk_parity", covariance=covariance)
    w = result.weights.to_numpy()
    matrix = (
        np.cov(returns.to_numpy(), rowvar=False)
        if covariance == "sample"
        else LedoitWolf().fit(returns.to_numpy()).covariance_
    )
    contributions = w * (matrix @ w) / (w @ matrix @ w)
    np.testing.assert_allclose(contributions, 1 / 60, rtol=1e-3)
    np.testing.assert_allclose(result.risk_share, contributions, rtol=1e-9)


@pytest.mark.parametrize("method", METHODS)
def test_weights_respect_every_constraint(
    returns: pd.DataFrame, symbol_table: pd.DataFrame, method: str
) -> None:
    rules = WeightConstraints(min_weight=0.005, max_weight=0.04, max_sector_weight=0.2)
    result = target_weights(returns, method, constraints=rules, symbol_table=symbol_table)
    w = result.weights
    assert w.sum() == pytest.approx(1.0, abs=1e-9)
    assert (w >= 0.005 - 1e-9).all() and (w <= 0.04 + 1e-9).all()
    sectors = symbol_table.set_index("symbol")["sector"].reindex(w.index)
    assert (w.groupby(sectors).sum() <= 0.2 + 1e-9).all()
    json.dumps(result.to_dict())


def test_sector_caps_by_name(returns: pd.DataFrame, symbol_table: pd.DataFrame) -> None:
    rules = WeightConstraints(max_sector_weight={"Information Technology": 0.1})
    w = target_weights(returns, "inverse_volatility", constraints=rules, symbol_table=symbol_table)
    it = symbol_table.loc[symbol_table["sector"] == "Information Technology", "symbol"]
    assert w.weights[it].sum() == pytest.approx(0.1, abs=1e-9)
    assert w.capped


def test_shorts_for_the_optimisers_only(returns: pd.DataFrame) -> None:
    rules = WeightConstraints(long_only=False, min_weight=-0.05, max_weight=0.2)
    w = target_weights(returns, "min_variance", constraints=rules).weights
    assert w.sum() == pytest.approx(1.0, abs=1e-9) and (w < -1e-4).any()
    assert (w >= -0.05 - 1e-9).all()
    with pytest.raises(ValidationError, match="long only"):
        target_weights(returns, "hrp", constraints=rules)


def test_user_weights(returns: pd.DataFrame) -> None:
    given = {"AAPL": 0.5, "MSFT": 0.5}
    result = target_weights(returns, "user", user_weights=given)
    assert result.weights["AAPL"] == 0.5 and result.weights.sum() == pytest.approx(1.0)
    with pytest.raises(ValidationError, match=r"AAPL 0\.5000 outside 0\.\.0\.3"):
        target_weights(
            returns, "user", user_weights=given, constraints=WeightConstraints(max_weight=0.3)
        )
    with pytest.raises(ValidationError, match="without returns"):
        target_weights(returns, "user", user_weights={"TSLA": 1.0})
    with pytest.raises(ValidationError, match=r"sum to 0\.8"):
        target_weights(returns, "user", user_weights={"AAPL": 0.8})


def test_impossible_constraints(returns: pd.DataFrame, symbol_table: pd.DataFrame) -> None:
    with pytest.raises(ValidationError, match="cannot sum to 1"):
        target_weights(returns, "min_variance", constraints=WeightConstraints(max_weight=0.01))
    with pytest.raises(ValidationError, match="sector caps allow at most"):
        target_weights(
            returns,
            "hrp",
            constraints=WeightConstraints(max_sector_weight=0.1),
            symbol_table=symbol_table,
        )
    with pytest.raises(ValidationError, match="above max_weight"):
        WeightConstraints(min_weight=0.5, max_weight=0.1)
    with pytest.raises(ValidationError, match="unknown allocation method"):
        target_weights(returns, "kelly")  # type: ignore[arg-type]


def test_optimiser_warnings_are_kept_as_notes(returns: pd.DataFrame) -> None:
    # two days of history cannot give 3 assets a positive definite covariance
    short = returns[["AAPL", "MSFT", "XOM"]].iloc[:2]
    result = target_weights(short, "hrp", covariance="sample")
    assert any("positive definite" in note for note in result.notes)
    assert result.weights.sum() == pytest.approx(1.0)


def test_a_sector_too_crowded_for_the_minimum_weight(
    returns: pd.DataFrame, symbol_table: pd.DataFrame
) -> None:
    # 13 technology names at 1.6 % each already exceed a 20 % cap
    rules = WeightConstraints(min_weight=0.016, max_sector_weight=0.2)
    with pytest.raises(ValidationError, match="hold too many assets"):
        target_weights(returns, "hrp", constraints=rules, symbol_table=symbol_table)
