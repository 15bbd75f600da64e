"""The efficient frontier: its first point is the minimum-variance portfolio, its return rises
along it, and no long-only portfolio of the same assets beats it (lower risk for as much
return)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.analysis import (
    WeightConstraints,
    efficient_frontier,
    price_returns,
    target_weights,
)
from workbench.core.errors import ValidationError

pytestmark = pytest.mark.requirement("ANA-05")

SYMBOLS = ["AAPL", "JPM", "XOM", "JNJ", "KO"]


@pytest.fixture(scope="module")
def returns(close: pd.DataFrame) -> pd.DataFrame:
    return price_returns(close[SYMBOLS]).tail(504)


def test_the_frontier_starts_at_minimum_variance_and_rises(returns: pd.DataFrame) -> None:
    frontier = efficient_frontier(returns, points=12)
    assert len(frontier.points) == 12 == len(frontier.weights)
    np.testing.assert_allclose(frontier.weights.sum(axis=1), 1.0, atol=1e-6)
    assert (frontier.weights.to_numpy() >= -1e-6).all()
    assert frontier.points["volatility"].is_monotonic_increasing
    assert frontier.points["return"].is_monotonic_increasing
    least = target_weights(returns, "min_variance").weights
    volatility, _ = frontier.place(least)
    assert frontier.points["volatility"].iloc[0] == pytest.approx(volatility, rel=1e-3)


def test_no_random_long_only_portfolio_beats_the_frontier(returns: pd.DataFrame) -> None:
    frontier = efficient_frontier(returns, points=40)
    rng = np.random.default_rng(7)
    table = frontier.points
    for weights in rng.dirichlet(np.ones(len(SYMBOLS)), size=500):
        volatility, mean = frontier.place(pd.Series(weights, index=SYMBOLS))
        # the frontier point with at least this return and the least risk
        reaching = table[table["return"] >= mean - 1e-9]
        if reaching.empty:
            continue
        assert reaching["volatility"].min() <= volatility * (1 + 2e-2)


def test_weight_caps_hold_on_every_point(returns: pd.DataFrame) -> None:
    frontier = efficient_frontier(returns, points=6, constraints=WeightConstraints(max_weight=0.3))
    assert (frontier.weights.to_numpy() <= 0.3 + 1e-6).all()


@pytest.mark.parametrize(
    ("points", "columns", "constraints", "message"),
    [
        (1, SYMBOLS, None, "at least 2 points"),
        (10, SYMBOLS[:1], None, "at least 2 assets"),
        (10, SYMBOLS, WeightConstraints(long_only=False, min_weight=-0.5), "long only"),
    ],
)
def test_bad_input_is_refused_by_name(
    returns: pd.DataFrame,
    points: int,
    columns: list[str],
    constraints: WeightConstraints | None,
    message: str,
) -> None:
    with pytest.raises(ValidationError, match=message):
        efficient_frontier(returns[columns], points=points, constraints=constraints)
