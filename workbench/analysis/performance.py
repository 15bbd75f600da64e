"""Performance of a return series: return, risk and ratio figures, trade statistics, a summary.

Every figure follows ``analysis.conventions`` (252 periods a year, simple returns, an annual
risk-free rate). A figure that cannot be computed is NaN, never an exception: volatility and
the ratios need two returns; Sharpe is NaN for a constant series; Sortino and Omega are NaN
without a losing period; Calmar is NaN without a drawdown; the trade averages are NaN without
a win or a loss.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from workbench.analysis._checks import (
    FloatArray,
    as_float,
    as_series,
    json_safe,
    positive_number,
    sample_std,
)
from workbench.analysis.benchmark import BenchmarkComparison, compare_to_benchmark
from workbench.analysis.conventions import TRADING_DAYS_PER_YEAR, periodic_rate
from workbench.analysis.drawdown import max_drawdown

__all__ = [
    "PerformanceSummary",
    "TradeStatistics",
    "annual_volatility",
    "cagr",
    "calmar_ratio",
    "omega_ratio",
    "performance_summary",
    "sharpe_ratio",
    "sortino_ratio",
    "total_return",
    "trade_statistics",
]

NAN = float("nan")


def total_return(returns: pd.Series[float]) -> float:
    series = as_series(returns, name="returns")
    return float(np.prod(1.0 + series.to_numpy()) - 1.0)


def cagr(returns: pd.Series[float], *, periods_per_year: float = TRADING_DAYS_PER_YEAR) -> float:
    """Compound annual growth rate over the number of return periods (not calendar days)."""
    series = as_series(returns, name="returns")
    growth = 1.0 + total_return(series)
    return float(growth ** (periods_per_year / len(series)) - 1.0)


def annual_volatility(
    returns: pd.Series[float], *, periods_per_year: float = TRADING_DAYS_PER_YEAR
) -> float:
    """Sample standard deviation times sqrt(periods_per_year); NaN with fewer than 2 returns."""
    values = as_series(returns, name="returns").to_numpy()
    return sample_std(values) * math.sqrt(periods_per_year)


def sharpe_ratio(
    returns: pd.Series[float],
    *,
    risk_free_rate: float = 0.0,
    periods_per_year: float = TRADING_DAYS_PER_YEAR,
) -> float:
    excess = _excess(returns, risk_free_rate, periods_per_year)
    deviation = sample_std(excess)
    if not deviation > 0.0:
        return NAN
    return float(excess.mean() / deviation * math.sqrt(periods_per_year))


def sortino_ratio(
    returns: pd.Series[float],
    *,
    risk_free_rate: float = 0.0,
    periods_per_year: float = TRADING_DAYS_PER_YEAR,
) -> float:
    excess = _excess(returns, risk_free_rate, periods_per_year)
    downside = math.sqrt(float(np.mean(np.minimum(excess, 0.0) ** 2)))
    if len(excess) < 2 or not downside > 0.0:
        return NAN
    return float(excess.mean() * periods_per_year / (downside * math.sqrt(periods_per_year)))


def calmar_ratio(
    returns: pd.Series[float], *, periods_per_year: float = TRADING_DAYS_PER_YEAR
) -> float:
    worst = max_drawdown(returns)
    if worst is None or len(as_series(returns, name="returns")) < 2:
        return NAN
    return cagr(returns, periods_per_year=periods_per_year) / abs(worst.depth)


def omega_ratio(
    returns: pd.Series[float],
    *,
    threshold: float = 0.0,
    periods_per_year: float = TRADING_DAYS_PER_YEAR,
) -> float:
    """Gains over ``threshold`` divided by losses under it; ``threshold`` is an annual rate."""
    values = as_series(returns, name="returns").to_numpy()
    level = periodic_rate(as_float("threshold", threshold), periods_per_year)
    losses = float(np.sum(np.maximum(level - values, 0.0)))
    if len(values) < 2 or not losses > 0.0:
        return NAN
    return float(np.sum(np.maximum(values - level, 0.0)) / losses)


@dataclass(frozen=True, slots=True)
class TradeStatistics:
    """Wins and losses of a series of outcomes (period returns, or trade P&L).

    ``hit_rate`` counts only wins and losses: a flat outcome (no position that day, a
    scratch trade) is neither. ``average_loss`` is negative.
    """

    basis: Literal["periods", "trades"]
    count: int
    wins: int
    losses: int
    hit_rate: float
    profit_factor: float
    average_win: float
    average_loss: float
    payoff_ratio: float

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = json_safe(self)
        return result


def trade_statistics(
    outcomes: pd.Series[float], *, basis: Literal["periods", "trades"] = "periods"
) -> TradeStatistics:
    # trades are outcomes, not a time series: several may close at the same moment
    plain = outcomes.reset_index(drop=True) if isinstance(outcomes, pd.Series) else outcomes
    values = as_series(plain, name="outcomes").to_numpy()
    gains, pains = values[values > 0.0], values[values < 0.0]
    decided = len(gains) + len(pains)
    average_win = float(gains.mean()) if len(gains) else NAN
    average_loss = float(pains.mean()) if len(pains) else NAN
    return TradeStatistics(
        basis=basis,
        count=len(values),
        wins=len(gains),
        losses=len(pains),
        hit_rate=len(gains) / decided if decided else NAN,
        profit_factor=float(gains.sum() / -pains.sum()) if len(pains) else NAN,
        average_win=average_win,
        average_loss=average_loss,
        payoff_ratio=average_win / -average_loss if len(pains) else NAN,
    )


@dataclass(frozen=True, slots=True)
class PerformanceSummary:
    """The figures of one return series. ``exposure`` and ``turnover`` need position data."""

    start: Any
    end: Any
    periods: int
    total_return: float
    cagr: float
    annual_volatility: float
    sharpe: float
    sortino: float
    calmar: float
    omega: float
    max_drawdown: float
    max_drawdown_peak: Any | None
    max_drawdown_trough: Any | None
    max_drawdown_recovery: Any | None
    best_period: float
    worst_period: float
    trades: TradeStatistics
    exposure: float
    time_in_market: float
    annual_turnover: float
    benchmark: BenchmarkComparison | None
    risk_free_rate: float
    periods_per_year: float

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = json_safe(self)
        return result


def performance_summary(
    returns: pd.Series[float],
    *,
    benchmark: pd.Series[float] | None = None,
    risk_free_rate: float = 0.0,
    periods_per_year: float = TRADING_DAYS_PER_YEAR,
    exposure: pd.Series[float] | None = None,
    turnover: pd.Series[float] | None = None,
    trade_pnl: pd.Series[float] | None = None,
) -> PerformanceSummary:
    """Every performance figure of ``returns`` (simple, one per period).

    ``benchmark`` (benchmark returns) adds the relative figures on the common dates.
    ``exposure`` is gross position value over equity per period and ``turnover`` traded
    value over equity per period (``workbench.analysis.fills.replay_fills`` gives both);
    without them those figures are NaN. ``trade_pnl`` (one value per closed trade) makes the
    win/loss statistics per trade instead of per period.
    """
    series = as_series(returns, name="returns")
    risk_free_rate = as_float("risk_free_rate", risk_free_rate)
    periods_per_year = positive_number("periods_per_year", periods_per_year)
    rates = {"periods_per_year": periods_per_year}
    worst = max_drawdown(series)
    exposure_values = None if exposure is None else as_series(exposure, name="exposure")
    return PerformanceSummary(
        start=series.index[0],
        end=series.index[-1],
        periods=len(series),
        total_return=total_return(series),
        cagr=cagr(series, **rates),
        annual_volatility=annual_volatility(series, **rates),
        sharpe=sharpe_ratio(series, risk_free_rate=risk_free_rate, **rates),
        sortino=sortino_ratio(series, risk_free_rate=risk_free_rate, **rates),
        calmar=calmar_ratio(series, **rates),
        omega=omega_ratio(series, threshold=risk_free_rate, **rates),
        max_drawdown=0.0 if worst is None else worst.depth,
        max_drawdown_peak=None if worst is None else worst.peak,
        max_drawdown_trough=None if worst is None else worst.trough,
        max_drawdown_recovery=None if worst is None else worst.recovery,
        best_period=float(series.max()),
        worst_period=float(series.min()),
        trades=(
            trade_statistics(series)
            if trade_pnl is None
            else trade_statistics(trade_pnl, basis="trades")
        ),
        exposure=NAN if exposure_values is None else float(exposure_values.abs().mean()),
        time_in_market=(
            NAN if exposure_values is None else float((exposure_values.abs() > 0).mean())
        ),
        annual_turnover=(
            NAN
            if turnover is None
            else float(as_series(turnover, name="turnover").mean() * periods_per_year)
        ),
        benchmark=(
            None
            if benchmark is None
            else compare_to_benchmark(
                series, benchmark, risk_free_rate=risk_free_rate, periods_per_year=periods_per_year
            )
        ),
        risk_free_rate=risk_free_rate,
        periods_per_year=periods_per_year,
    )


def _excess(returns: pd.Series[float], risk_free_rate: float, periods: float) -> FloatArray:
    values = as_series(returns, name="returns").to_numpy()
    return values - periodic_rate(as_float("risk_free_rate", risk_free_rate), periods)
