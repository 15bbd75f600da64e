"""Portfolio VaR: the Euler decomposition adds up, the marginal VaR is the derivative, and the
figures match a direct numpy computation on a Ledoit-Wolf covariance fitted here.

Tolerance: rel=1e-9 for closed forms, 1e-5 for finite differences.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.covariance import LedoitWolf

from workbench.analysis import price_returns
from workbench.analysis.risk import portfolio_returns, portfolio_var
from workbench.analysis.risk.portfolio import ledoit_wolf
from workbench.core.errors import DataError, NotFound

pytestmark = pytest.mark.requirement("ANA-03")


@pytest.fixture(scope="module")
def returns(close: pd.DataFrame) -> pd.DataFrame:
    return price_returns(close)


@pytest.fixture(scope="module")
def book(close: pd.DataFrame) -> pd.Series:
    """Market values of 100 shares of each of the 60 names, 200 short of two."""
    shares = pd.Series(100.0, index=close.columns)
    shares[["F", "GE"]] = -200.0
    return shares * close.iloc[-1]


@pytest.mark.parametrize("symbols", [1, 3, 20, 60])
def test_the_numpy_ledoit_wolf_is_scikit_learns(returns: pd.DataFrame, symbols: int) -> None:
    """Shrunk covariance and shrinkage as scikit-learn fits them, from one symbol (no
    shrinkage) to more symbols than a short window has periods."""
    observations = returns.iloc[-40:, :symbols].dropna().to_numpy()
    fitted = LedoitWolf().fit(observations)
    matrix, shrinkage = ledoit_wolf(observations)
    assert shrinkage == pytest.approx(fitted.shrinkage_, rel=1e-9, abs=1e-15)
    np.testing.assert_allclose(matrix, fitted.covariance_, rtol=1e-9, atol=1e-18)


def test_component_var_sums_to_the_total(book: pd.Series, returns: pd.DataFrame) -> None:
    result = portfolio_var(book, returns, confidence=0.99, horizon=10)
    assert result.positions["component_var"].sum() == pytest.approx(result.var, rel=1e-12)
    assert result.positions["component_es"].sum() == pytest.approx(
        result.expected_shortfall, rel=1e-12
    )
    assert result.positions["share"].sum() == pytest.approx(1.0, rel=1e-12)
    # shorts of names that move with the book reduce risk
    assert result.positions.loc["GE", "component_var"] < 0


def test_figures_match_numpy_on_a_ledoit_wolf_covariance(
    book: pd.Series, returns: pd.DataFrame
) -> None:
    matrix = returns.loc[:, book.index].dropna().to_numpy()
    fitted = LedoitWolf().fit(matrix)
    v = book.to_numpy()
    sigma = math.sqrt(v @ fitted.covariance_ @ v)
    z = stats.norm.ppf(0.95)
    result = portfolio_var(book, returns, confidence=0.95)
    assert result.shrinkage == pytest.approx(fitted.shrinkage_, rel=1e-12)
    assert result.volatility == pytest.approx(sigma, rel=1e-9)
    assert result.var == pytest.approx(z * sigma, rel=1e-9)
    assert result.expected_shortfall == pytest.approx(sigma * stats.norm.pdf(z) / 0.05, rel=1e-9)


def test_marginal_var_is_the_derivative(book: pd.Series, returns: pd.DataFrame) -> None:
    base = portfolio_var(book, returns)
    for symbol in ("AAPL", "XOM", "F"):
        bumped = book.copy()
        bumped[symbol] += 1.0
        change = portfolio_var(bumped, returns).var - base.var
        assert change == pytest.approx(base.positions.loc[symbol, "marginal_var"], rel=1e-5)


def test_two_assets_by_hand() -> None:
    made_up = pd.DataFrame({"A": [0.01, -0.01, 0.02, -0.02], "B": [0.0, 0.01, -0.01, 0.0]})
    values = pd.Series({"A": 1000.0, "B": 500.0})
    cov = np.cov(made_up.to_numpy(), rowvar=False)
    sigma = math.sqrt(values.to_numpy() @ cov @ values.to_numpy())
    result = portfolio_var(values, made_up, covariance="sample", confidence=0.95)
    assert result.var == pytest.approx(1.6448536269514722 * sigma, rel=1e-12)
    assert result.shrinkage == 0.0


def test_portfolio_returns_are_todays_book_over_history(
    book: pd.Series, returns: pd.DataFrame
) -> None:
    history = portfolio_returns(book, returns, equity=1e6)
    expected = returns.loc[:, book.index].dropna().to_numpy() @ book.to_numpy() / 1e6
    np.testing.assert_allclose(history.to_numpy(), expected, rtol=1e-12)


def test_rows_with_gaps_are_left_out(returns: pd.DataFrame) -> None:
    gappy = returns[["AAPL", "MSFT"]].copy()
    gappy.iloc[10:20, 0] = np.nan
    result = portfolio_var(pd.Series({"AAPL": 1e5, "MSFT": 1e5}), gappy)
    assert result.observations == len(gappy) - 10
    json.dumps(result.to_dict())


def test_bad_books(returns: pd.DataFrame) -> None:
    with pytest.raises(NotFound, match="ZZZ"):
        portfolio_var(pd.Series({"AAPL": 1.0, "ZZZ": 1.0}), returns)
    with pytest.raises(DataError, match="no positions"):
        portfolio_var(pd.Series(dtype=float), returns)
    with pytest.raises(DataError, match="no variance"):
        portfolio_var(pd.Series({"AAPL": 0.0}), returns)
    with pytest.raises(DataError, match="NaN"):
        portfolio_var(pd.Series({"AAPL": np.nan}), returns)
