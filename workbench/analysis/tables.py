"""Returns over time: rolling volatility and Sharpe, monthly and yearly return tables.

Rolling figures are NaN until a full window of returns is available (no partial windows), and
NaN where the window's volatility is zero. Calendar tables compound the returns inside each
month or year; a month with no return is NaN, not 0.
"""

from __future__ import annotations

import calendar
import math

import pandas as pd

from workbench.analysis._checks import as_float, as_series, positive_int, positive_number
from workbench.analysis.conventions import TRADING_DAYS_PER_YEAR, periodic_rate, session_dates
from workbench.core.errors import DataError

__all__ = [
    "monthly_returns_table",
    "rolling_sharpe",
    "rolling_volatility",
    "yearly_returns",
]

# rolling sums leave ~1e-18 of variance in a window of identical returns; below this the
# window did not move and a ratio over it means nothing
_FLAT = 1e-12


def rolling_volatility(
    returns: pd.Series[float],
    *,
    window: int = 63,
    periods_per_year: float = TRADING_DAYS_PER_YEAR,
) -> pd.Series[float]:
    """Annualised volatility over the trailing ``window`` returns."""
    series = as_series(returns, name="returns")
    window = positive_int("window", window, minimum=2)
    scale = math.sqrt(positive_number("periods_per_year", periods_per_year))
    deviation = series.rolling(window, min_periods=window).std()
    return (deviation * scale).rename("volatility")


def rolling_sharpe(
    returns: pd.Series[float],
    *,
    window: int = 63,
    risk_free_rate: float = 0.0,
    periods_per_year: float = TRADING_DAYS_PER_YEAR,
) -> pd.Series[float]:
    """Annualised Sharpe ratio over the trailing ``window`` returns."""
    series = as_series(returns, name="returns")
    window = positive_int("window", window, minimum=2)
    periods_per_year = positive_number("periods_per_year", periods_per_year)
    excess = series - periodic_rate(as_float("risk_free_rate", risk_free_rate), periods_per_year)
    rolling = excess.rolling(window, min_periods=window)
    deviation = rolling.std()
    ratio = rolling.mean() / deviation.where(deviation > _FLAT) * math.sqrt(periods_per_year)
    return ratio.rename("sharpe")


def monthly_returns_table(returns: pd.Series[float]) -> pd.DataFrame:
    """Compounded returns by month: one row a year, columns Jan..Dec and the year's total."""
    series = _dated(returns)
    growth = 1.0 + series
    index = pd.DatetimeIndex(series.index)
    monthly = growth.groupby([index.year, index.month]).prod() - 1.0
    table = monthly.unstack()
    table = table.reindex(columns=range(1, 13))
    table.columns = pd.Index([calendar.month_abbr[month] for month in range(1, 13)])
    table["Year"] = growth.groupby(index.year).prod() - 1.0
    table.index.name = "year"
    return table


def yearly_returns(returns: pd.Series[float]) -> pd.Series[float]:
    """Compounded return of each calendar year that has returns."""
    series = _dated(returns)
    index = pd.DatetimeIndex(series.index)
    yearly = (1.0 + series).groupby(index.year).prod() - 1.0
    yearly.index.name = "year"
    return yearly.rename("return")


def _dated(returns: pd.Series[float]) -> pd.Series[float]:
    series = as_series(returns, name="returns")
    if not isinstance(series.index, pd.DatetimeIndex):
        raise DataError(
            f"calendar tables need returns indexed by date, got a {type(series.index).__name__}"
        )
    return series.set_axis(session_dates(series.index))  # months of New York sessions
