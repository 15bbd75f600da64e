"""Drawdowns, calendar tables and rolling figures: hand-worked cases and numpy on real data.

Tolerances: exact arithmetic on a few numbers, rel=1e-12; numpy recomputations, rel=1e-9.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from workbench.analysis import (
    drawdown_episodes,
    drawdown_series,
    drawdown_table,
    equity_from_returns,
    max_drawdown,
    monthly_returns_table,
    price_returns,
    returns_from_equity,
    rolling_sharpe,
    rolling_volatility,
    yearly_returns,
)
from workbench.core.errors import DataError

pytestmark = pytest.mark.requirement("ANA-02")

DAYS = pd.bdate_range("2024-01-01", periods=8)


def _equity(*levels: float) -> pd.Series:
    return pd.Series(levels, index=DAYS[: len(levels)])


def test_episodes_with_peak_trough_and_recovery_dates() -> None:
    # 100 -> 120 (peak) -> 90 (trough, -25 %) -> 120 (recovered) -> 110 -> 115 (still down)
    returns = returns_from_equity(_equity(100, 120, 90, 100, 120, 110, 115))
    worst, second = drawdown_episodes(returns)
    assert worst.depth == pytest.approx(-0.25, rel=1e-12)
    assert (worst.peak, worst.trough, worst.recovery) == (DAYS[1], DAYS[2], DAYS[4])
    assert (worst.decline_periods, worst.recovery_periods) == (1, 2)
    assert second.depth == pytest.approx(110 / 120 - 1, rel=1e-12)
    assert (second.peak, second.trough, second.recovery) == (DAYS[4], DAYS[5], None)
    assert not second.recovered and second.recovery_periods is None
    assert second.to_dict()["recovery"] is None


def test_a_first_day_loss_is_a_drawdown_from_the_start() -> None:
    returns = pd.Series([-0.1, 0.2], index=DAYS[:2])
    episode = max_drawdown(returns)
    assert episode is not None
    assert episode.depth == pytest.approx(-0.1)
    assert episode.peak == DAYS[0]  # documented: a peak at the very start is the first date
    assert episode.recovery == DAYS[1]


def test_a_curve_that_never_falls_has_no_drawdown() -> None:
    returns = pd.Series([0.01, 0.0, 0.02], index=DAYS[:3])
    assert max_drawdown(returns) is None
    assert drawdown_table(returns).empty
    assert (drawdown_series(returns) == 0).all()


def test_drawdown_table_ranks_the_deepest_first(close: pd.DataFrame) -> None:
    table = drawdown_table(price_returns(close["XOM"]), top=3)
    assert list(table.index) == [1, 2, 3]
    assert table["depth"].is_monotonic_increasing
    assert (table["depth"] < 0).all()


def test_drawdown_series_matches_numpy(close: pd.DataFrame) -> None:
    prices = close["GE"].to_numpy()
    equity = prices[1:] / prices[0]
    expected = equity / np.maximum(np.maximum.accumulate(equity), 1.0) - 1
    got = drawdown_series(price_returns(close["GE"])).to_numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)
    # and the worst episode's recovery: the first day back at the prior high (GE never was)
    assert max_drawdown(price_returns(close["GE"])).recovery is None


def test_equity_and_returns_round_trip() -> None:
    returns = pd.Series([0.1, -0.2, 0.05], index=DAYS[:3])
    equity = equity_from_returns(returns, start=100.0)
    np.testing.assert_allclose(equity.to_numpy(), [110.0, 88.0, 92.4], rtol=1e-12)
    pd.testing.assert_series_equal(returns_from_equity(equity), returns.iloc[1:], rtol=1e-12)


def test_log_returns() -> None:
    prices = pd.Series([100.0, 110.0, 99.0], index=DAYS[:3])
    got = price_returns(prices, kind="log").to_numpy()
    np.testing.assert_allclose(got, [math.log(1.1), math.log(0.9)], rtol=1e-12)


def test_a_gap_in_prices_spans_the_gap_and_is_never_filled() -> None:
    prices = pd.DataFrame(
        {"A": [100.0, np.nan, 121.0, 133.1], "B": [np.nan, 50.0, 55.0, 60.5]}, index=DAYS[:4]
    )
    returns = price_returns(prices)
    # A: the return after the missing day runs from the last price, 100 -> 121
    assert returns["A"].tolist()[1] == pytest.approx(0.21)
    assert math.isnan(returns["A"].iloc[0])
    # B: no price before its first, so no return
    assert math.isnan(returns["B"].iloc[0])
    assert returns["B"].iloc[1] == pytest.approx(0.1)


def test_monthly_and_yearly_tables_compound_within_the_period() -> None:
    index = pd.to_datetime(["2023-12-29", "2024-01-02", "2024-01-31", "2024-03-01"])
    returns = pd.Series([0.10, 0.10, -0.10, 0.05], index=index)
    table = monthly_returns_table(returns)
    assert table.loc[2023, "Dec"] == pytest.approx(0.10)
    assert table.loc[2024, "Jan"] == pytest.approx(1.1 * 0.9 - 1)
    assert math.isnan(table.loc[2024, "Feb"])  # no return that month: NaN, not 0
    assert table.loc[2024, "Year"] == pytest.approx(1.1 * 0.9 * 1.05 - 1)
    yearly = yearly_returns(returns)
    assert yearly.loc[2024] == pytest.approx(1.1 * 0.9 * 1.05 - 1)


def test_yearly_returns_match_numpy(close: pd.DataFrame) -> None:
    prices = close["JPM"]
    for year in (2014, 2017):
        inside = prices.loc[str(year)]
        before = prices.loc[: f"{year - 1}-12-31"].iloc[-1]
        expected = inside.iloc[-1] / before - 1
        assert yearly_returns(price_returns(prices)).loc[year] == pytest.approx(expected, 1e-9)


def test_rolling_figures_match_numpy(close: pd.DataFrame) -> None:
    prices = close["KO"].to_numpy()
    r = prices[1:] / prices[:-1] - 1
    window = 63
    vol = rolling_volatility(price_returns(close["KO"]), window=window)
    sharpe = rolling_sharpe(price_returns(close["KO"]), window=window)
    assert vol.iloc[: window - 1].isna().all() and sharpe.iloc[: window - 1].isna().all()
    last = r[-window:]
    assert vol.iloc[-1] == pytest.approx(np.std(last, ddof=1) * np.sqrt(252), rel=1e-9)
    expected = last.mean() / np.std(last, ddof=1) * np.sqrt(252)
    assert sharpe.iloc[-1] == pytest.approx(expected, rel=1e-9)


def test_rolling_sharpe_is_nan_over_a_flat_window() -> None:
    returns = pd.Series([0.01] * 5 + [0.02, -0.01, 0.03])
    sharpe = rolling_sharpe(returns, window=3)
    assert sharpe.iloc[2:5].isna().all()
    assert sharpe.iloc[-1] == sharpe.iloc[-1]  # a moving window has a value


def test_calendar_tables_need_dates() -> None:
    with pytest.raises(DataError, match="indexed by date"):
        monthly_returns_table(pd.Series([0.01, 0.02]))


def test_calendar_tables_use_new_york_dates() -> None:
    # 2024-01-31 20:00 in New York is already February 1st in UTC
    stamps = pd.DatetimeIndex(["2024-01-31 20:00", "2024-02-01 15:00"], tz="America/New_York")
    returns = pd.Series([0.1, 0.2], index=stamps.tz_convert("UTC"))
    table = monthly_returns_table(returns)
    assert table.loc[2024, "Jan"] == pytest.approx(0.1)
    assert table.loc[2024, "Feb"] == pytest.approx(0.2)
