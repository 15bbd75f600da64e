"""The conventions every function in ``workbench.analysis`` follows, stated once.

Periods
    Series are daily bars unless a caller says otherwise: ``TRADING_DAYS_PER_YEAR = 252`` periods
    make a year. Every function that annualises takes ``periods_per_year`` (default 252) so an
    intraday series passes its own figure (for example ``252 * 78`` for 5-minute regular-session
    bars).
Returns
    Simple returns ``r_t = P_t / P_{t-1} - 1`` everywhere, unless a name says ``log``
    (``ln(P_t / P_{t-1})``). Returns compound: total return ``= prod(1 + r) - 1``.
Risk-free rate
    Passed as an *annual* rate (``0.02`` is 2 % a year) and turned into a per-period rate
    geometrically: ``(1 + rf) ** (1 / periods_per_year) - 1``.
Annualisation
    Mean returns scale by ``periods_per_year``; volatility is the sample standard deviation
    (``ddof=1``) times ``sqrt(periods_per_year)``; CAGR is ``(1 + total) ** (periods_per_year / n)
    - 1`` with ``n`` the number of return periods (trading days, not calendar days).
Ratios
    Sharpe = annualised mean excess return / annualised volatility of excess returns.
    Sortino = annualised mean excess return / (downside deviation * sqrt(periods_per_year)), with
    downside deviation ``sqrt(mean(min(excess, 0) ** 2))`` over *all* periods.
    Calmar = CAGR / |max drawdown|.
    Omega = ``sum(max(r - t, 0)) / sum(max(t - r, 0))`` with ``t`` the per-period threshold
    (an annual rate, default the risk-free rate).
Drawdowns
    Measured on the equity curve compounded from simple returns, starting at 1.0 *before* the
    first return, as negative fractions (-0.25 is 25 % below the running peak). Peak date = the
    last high before the fall; trough = the low; recovery = the first period back at or above
    the peak (``None`` while not recovered).
Value at Risk and Expected Shortfall
    Positive numbers: the loss, as a fraction of value (or money when a value is given), over
    ``horizon`` periods, that is exceeded with probability ``1 - confidence``. ES is the mean
    loss beyond VaR.
Missing data
    NaN returns are dropped (an unobserved period is never a zero return); prices are never
    back- or forward-filled. Where a result cannot be computed (volatility from one return,
    a ratio over a zero denominator) it is NaN and the function documents it; bad input
    (empty, no overlap, unknown names) raises a ``workbench.core.errors`` error instead.
Sessions
    A session is an America/New_York calendar date. Timestamps are read in New York time:
    tz-aware ones are converted, naive ones are UTC (the lake stores UTC), except a naive
    index of bare dates, which is daily bars already. Daily bars are recognised by every
    timestamp falling on a New York midnight (the lake labels a session by its start).
"""

from __future__ import annotations

from typing import Final, Literal

import pandas as pd

from workbench.core.errors import DataError

__all__ = [
    "SESSION_TIMEZONE",
    "TRADING_DAYS_PER_YEAR",
    "ReturnKind",
    "is_daily",
    "periodic_rate",
    "session_dates",
]

TRADING_DAYS_PER_YEAR: Final = 252
SESSION_TIMEZONE: Final = "America/New_York"

ReturnKind = Literal["simple", "log"]


def periodic_rate(annual_rate: float, periods_per_year: float = TRADING_DAYS_PER_YEAR) -> float:
    """An annual rate as the equivalent compounded rate per period."""
    return float((1.0 + annual_rate) ** (1.0 / periods_per_year) - 1.0)


def session_dates(index: pd.Index) -> pd.DatetimeIndex:
    """The session (New York date, as a naive midnight timestamp) of each timestamp."""
    if not isinstance(index, pd.DatetimeIndex):
        raise DataError(f"sessions need a DatetimeIndex of bar times, got {type(index).__name__}")
    if index.tz is None:
        if (index == index.normalize()).all():
            return index
        index = index.tz_localize("UTC")
    return index.tz_convert(SESSION_TIMEZONE).tz_localize(None).normalize()


def is_daily(index: pd.DatetimeIndex) -> bool:
    """Whether every timestamp is a New York midnight, i.e. the index labels whole sessions."""
    local = index if index.tz is None else index.tz_convert(SESSION_TIMEZONE).tz_localize(None)
    return bool((local == local.normalize()).all())
