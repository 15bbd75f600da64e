"""Portfolio VaR from positions: delta-normal on a Ledoit-Wolf shrunk covariance, with the
marginal and component VaR of every position.

With market values ``v`` (money, signed), covariance ``S`` of per-period returns and
``z`` the Gaussian quantile of ``confidence``::

    sigma     = sqrt(v' S v) * sqrt(horizon)                  money
    VaR       = z * sigma                                     zero mean: over days the mean is
    marginal  = z * sqrt(horizon) * (S v) / sqrt(v' S v)      noise next to the volatility
    component = v * marginal                                  sums to VaR exactly (Euler)

ES is ``sigma * pdf(z) / (1 - confidence)`` and splits in the same proportions. History rows
where any held symbol has no return are left out (the covariance needs complete rows).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from workbench.analysis._checks import (
    book_equity,
    book_values,
    json_safe,
    positive_int,
    probability,
    require_length,
)
from workbench.core.errors import DataError, NotFound, ValidationError

__all__ = [
    "CovarianceMethod",
    "PortfolioVar",
    "covariance_matrix",
    "portfolio_returns",
    "portfolio_var",
    "position_values",
]

CovarianceMethod = Literal["ledoit_wolf", "sample"]


@dataclass(frozen=True, slots=True, eq=False)
class PortfolioVar:
    """Money figures. ``positions`` has one row per symbol: market_value, marginal_var (VaR
    per unit of money added), component_var, component_es and share (component / total)."""

    confidence: float
    horizon: int
    net_value: float
    volatility: float
    var: float
    expected_shortfall: float
    covariance: CovarianceMethod
    shrinkage: float
    observations: int
    positions: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = json_safe(self)
        return result


def position_values(quantities: pd.Series[float], prices: pd.DataFrame) -> pd.Series[float]:
    """Market value of each position at its latest price in ``prices`` (wide closes)."""
    missing = sorted(set(quantities.index) - set(prices.columns))
    if missing:
        raise NotFound(f"no prices for held symbol(s) {missing}", symbols=missing)
    latest = prices.loc[:, list(quantities.index)].ffill().iloc[-1]
    unpriced = latest.index[latest.isna()].tolist()
    if unpriced:
        raise DataError(f"held symbol(s) {unpriced} have no price at all")
    return (quantities.astype("float64") * latest).rename("market_value")


def covariance_matrix(
    returns: pd.DataFrame, *, method: CovarianceMethod = "ledoit_wolf"
) -> tuple[pd.DataFrame, float]:
    """Covariance of complete return rows and the shrinkage used (0 for the sample one)."""
    complete = returns.dropna(how="any")
    require_length(complete, 2, name="complete return rows for a covariance")
    if method == "sample":
        matrix = np.cov(complete.to_numpy(), rowvar=False, ddof=1).reshape(returns.shape[1], -1)
        shrinkage = 0.0
    elif method == "ledoit_wolf":
        matrix, shrinkage = ledoit_wolf(complete.to_numpy())
    else:
        raise ValidationError(f"covariance must be 'ledoit_wolf' or 'sample', got {method!r}")
    labels = returns.columns
    return pd.DataFrame(matrix, index=labels, columns=labels), shrinkage


def ledoit_wolf(observations: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], float]:
    """The Ledoit-Wolf shrunk covariance of ``observations`` (rows are periods) and its
    shrinkage: scikit-learn's ``LedoitWolf().fit`` (its formula, to rounding), in numpy, since
    importing scikit-learn (and the scipy.stats it loads) costs a dashboard or a command about a
    second for one small matrix."""
    x = np.asarray(observations, dtype=np.float64)
    x = x - x.mean(axis=0)
    periods, symbols = x.shape
    sample = x.T @ x / periods
    if symbols == 1:
        return sample, 0.0
    squares = x**2
    variances = squares.sum(axis=0) / periods
    mu = variances.sum() / symbols
    beta_sum = float((squares.T @ squares).sum())
    delta_sum = float((sample**2).sum())
    beta = (beta_sum / periods - delta_sum) / (symbols * periods)
    delta = (delta_sum - 2.0 * mu * variances.sum() + symbols * mu**2) / symbols
    beta = min(beta, delta)
    shrinkage = 0.0 if beta == 0 else beta / delta
    shrunk = (1.0 - shrinkage) * sample
    shrunk.flat[:: symbols + 1] += shrinkage * np.trace(sample) / symbols
    return shrunk, float(shrinkage)


def portfolio_returns(
    market_values: pd.Series[float], returns: pd.DataFrame, *, equity: float | None = None
) -> pd.Series[float]:
    """What today's positions would have returned each period, as a fraction of ``equity``
    (default: the net market value). Periods where a held symbol has no return are dropped."""
    values, matrix = _held(market_values, returns)
    base = book_equity(values, equity)
    complete = matrix.dropna(how="any")
    return (complete @ values / base).rename("portfolio")


def portfolio_var(
    market_values: pd.Series[float],
    returns: pd.DataFrame,
    *,
    confidence: float = 0.95,
    horizon: int = 1,
    covariance: CovarianceMethod = "ledoit_wolf",
) -> PortfolioVar:
    """Delta-normal VaR and ES of positions worth ``market_values`` (money, signed, by symbol)
    given the per-period ``returns`` of each symbol (wide: columns = symbols)."""
    confidence = probability("confidence", confidence)
    horizon = positive_int("horizon", horizon)
    values, matrix = _held(market_values, returns)
    cov, shrinkage = covariance_matrix(matrix, method=covariance)
    exposure = cov.to_numpy() @ values.to_numpy()
    variance = float(values.to_numpy() @ exposure)
    if not variance > 0.0:
        raise DataError("the positions carry no variance (all zero, or flat prices)")
    root = math.sqrt(horizon)
    normal = NormalDist()  # exact to double precision, without importing scipy.stats
    z = normal.inv_cdf(confidence)
    volatility = math.sqrt(variance) * root
    var = z * volatility
    shortfall = volatility * normal.pdf(z) / (1.0 - confidence)
    marginal = z * root * exposure / math.sqrt(variance)
    component = values.to_numpy() * marginal
    positions = pd.DataFrame(
        {
            "market_value": values,
            "marginal_var": marginal,
            "component_var": component,
            "component_es": component * shortfall / var,
            "share": component / var,
        },
        index=values.index,
    )
    positions.index.name = "symbol"
    return PortfolioVar(
        confidence=confidence,
        horizon=horizon,
        net_value=float(values.sum()),
        volatility=volatility,
        var=var,
        expected_shortfall=shortfall,
        covariance=covariance,
        shrinkage=shrinkage,
        observations=len(matrix.dropna(how="any")),
        positions=positions,
    )


def _held(
    market_values: pd.Series[float], returns: pd.DataFrame
) -> tuple[pd.Series[float], pd.DataFrame]:
    values = book_values(market_values)
    missing = sorted(set(values.index) - set(returns.columns))
    if missing:
        raise NotFound(f"no return history for held symbol(s) {missing}", symbols=missing)
    return values, returns.loc[:, list(values.index)].astype("float64")
