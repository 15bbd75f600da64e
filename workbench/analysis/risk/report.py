"""One call for the whole risk picture of a book: VaR and ES four ways, the delta-normal
decomposition, exposure, liquidity and stress tests (what ``ops`` serves as a risk report)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd

from workbench.analysis._checks import as_float, json_safe, positive_int
from workbench.analysis.returns import price_returns
from workbench.analysis.risk.exposure import ExposureReport, exposure_report, liquidity_report
from workbench.analysis.risk.portfolio import (
    CovarianceMethod,
    PortfolioVar,
    portfolio_returns,
    portfolio_var,
    position_values,
)
from workbench.analysis.risk.stress import (
    DEFAULT_SCENARIOS,
    HistoricalScenario,
    Shock,
    StressResult,
    historical_stress,
    shock_stress,
)
from workbench.analysis.risk.var import VAR_METHODS, VarMethod, var_table

__all__ = ["DEFAULT_SHOCKS", "RiskReport", "risk_report"]

DEFAULT_SHOCKS: tuple[Shock, ...] = (Shock("every symbol -10%", everything=-0.10),)


@dataclass(frozen=True, slots=True, eq=False)
class RiskReport:
    equity: float
    market_values: pd.Series[float]
    #: VaR / ES of the book's simulated history, one row per (method, confidence)
    var: pd.DataFrame
    portfolio: PortfolioVar
    exposure: ExposureReport
    liquidity: pd.DataFrame | None
    stress: tuple[StressResult, ...]

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = json_safe(self)
        return result


def risk_report(
    quantities: pd.Series[float],
    prices: pd.DataFrame,
    *,
    cash: float | Decimal = 0.0,
    volumes: pd.DataFrame | None = None,
    symbol_table: pd.DataFrame | None = None,
    confidences: Sequence[float] = (0.95, 0.99),
    horizon: int = 1,
    lookback: int | None = None,
    covariance: CovarianceMethod = "ledoit_wolf",
    scenarios: Sequence[HistoricalScenario] = DEFAULT_SCENARIOS,
    shocks: Sequence[Shock] = DEFAULT_SHOCKS,
    participation: float = 0.10,
    seed: int = 0,
    methods: Sequence[VarMethod] = VAR_METHODS,
) -> RiskReport:
    """The risk of holding ``quantities`` (shares, signed, by symbol) valued at the last row of
    ``prices`` (wide closes by date). ``lookback`` keeps the last N return periods for VaR;
    stress windows read the whole price history. ``methods`` are the VaR methods computed
    (Cornish-Fisher loads scipy.stats, Monte Carlo simulates: a view of one need not pay)."""
    values = position_values(quantities, prices)
    equity = float(values.sum()) + as_float("cash", cash)
    returns = price_returns(prices.loc[:, list(values.index)])
    if lookback is not None:
        returns = returns.tail(positive_int("lookback", lookback, minimum=2))
    history = portfolio_returns(values, returns, equity=equity)
    stress = [*historical_stress(values, prices, scenarios=scenarios, equity=equity)]
    stress += [
        shock_stress(
            values,
            everything=shock.everything,
            sectors=shock.sectors,
            symbols=shock.symbols,
            symbol_table=symbol_table,
            equity=equity,
            name=shock.name,
        )
        for shock in shocks
    ]
    return RiskReport(
        equity=equity,
        market_values=values,
        var=var_table(
            history,
            confidences=confidences,
            horizon=horizon,
            methods=methods,
            value=equity,
            seed=seed,
        ),
        portfolio=portfolio_var(
            values, returns, confidence=confidences[0], horizon=horizon, covariance=covariance
        ),
        exposure=exposure_report(values, equity=equity, symbol_table=symbol_table),
        liquidity=(
            None
            if volumes is None
            else liquidity_report(quantities, volumes, participation=participation)
        ),
        stress=tuple(stress),
    )
