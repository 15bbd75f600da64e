"""The long-only mean-variance efficient frontier of a set of assets, and where any weights
sit against it.

skfolio's ``MeanRisk`` traces the frontier (``efficient_frontier_size`` portfolios from the
minimum-variance one to the highest-return one) under the same weight bounds as
``analysis.allocation``. Each portfolio is placed by annualised volatility and mean return from
one pair of moments (sample mean, Ledoit-Wolf covariance unless told ``"sample"``), so weights
from any allocation method can be placed on the same axes with ``Frontier.place``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.analysis._checks import require_length
from workbench.analysis.allocation import WeightConstraints
from workbench.analysis.conventions import TRADING_DAYS_PER_YEAR
from workbench.analysis.risk.portfolio import CovarianceMethod, covariance_matrix
from workbench.core.errors import DataError, ValidationError

__all__ = ["Frontier", "efficient_frontier"]


@dataclass(frozen=True, slots=True, eq=False)
class Frontier:
    """``points``: one row per frontier portfolio (``volatility``, ``return``, annualised,
    lowest risk first); ``weights``: the same rows, one column per asset."""

    points: pd.DataFrame
    weights: pd.DataFrame
    mean: pd.Series[float]
    covariance: pd.DataFrame
    periods_per_year: float

    def place(self, weights: pd.Series[float]) -> tuple[float, float]:
        """(annualised volatility, annualised mean return) of ``weights`` on these moments."""
        w = weights.reindex(self.mean.index).fillna(0.0).to_numpy(dtype=float)
        variance = float(w @ self.covariance.to_numpy() @ w)
        return (
            float(np.sqrt(max(variance, 0.0) * self.periods_per_year)),
            float(w @ self.mean.to_numpy() * self.periods_per_year),
        )


def efficient_frontier(
    returns: pd.DataFrame,
    *,
    points: int = 20,
    constraints: WeightConstraints | None = None,
    covariance: CovarianceMethod = "ledoit_wolf",
    periods_per_year: float = TRADING_DAYS_PER_YEAR,
) -> Frontier:
    """``points`` long-only mean-variance portfolios of the assets in ``returns`` (wide
    per-period returns; rows with any NaN are left out)."""
    from skfolio.exceptions import SkfolioError
    from skfolio.moments import EmpiricalCovariance, LedoitWolf
    from skfolio.optimization import MeanRisk
    from skfolio.prior import EmpiricalPrior

    if points < 2:
        raise ValidationError(f"a frontier needs at least 2 points, got {points}")
    rules = constraints or WeightConstraints()
    if not rules.long_only:
        raise ValidationError("the efficient frontier here is long only")
    history = returns.dropna(how="any")
    require_length(history, 2, name="complete return rows for a frontier")
    if history.shape[1] < 2:
        raise ValidationError("a frontier needs at least 2 assets")
    estimator = LedoitWolf() if covariance == "ledoit_wolf" else EmpiricalCovariance()
    model = MeanRisk(
        efficient_frontier_size=points,
        prior_estimator=EmpiricalPrior(covariance_estimator=estimator),
        min_weights=rules.min_weight,
        max_weights=rules.max_weight,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # solver chatter; a failed fit raises below
        try:
            model.fit(history)
        except (SkfolioError, ValueError, ArithmeticError) as exc:
            raise DataError(f"no efficient frontier for this history: {exc}") from exc
    weights = pd.DataFrame(np.asarray(model.weights_, dtype=float), columns=history.columns)
    cov, _ = covariance_matrix(history, method=covariance)
    frontier = Frontier(
        points=pd.DataFrame(),
        weights=weights,
        mean=history.mean(),
        covariance=cov,
        periods_per_year=periods_per_year,
    )
    placed = [frontier.place(row) for _, row in weights.iterrows()]
    table = pd.DataFrame(placed, columns=["volatility", "return"]).sort_values("volatility")
    return Frontier(
        points=table.reset_index(drop=True),
        weights=weights.loc[table.index].reset_index(drop=True),
        mean=frontier.mean,
        covariance=cov,
        periods_per_year=periods_per_year,
    )
