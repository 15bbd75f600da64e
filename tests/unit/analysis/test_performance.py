"""Performance figures against a hand-worked example and against plain numpy on real data.

Tolerances: hand-worked values are written to 6 significant digits, so rel=1e-5; numpy
recomputations of the same formula agree to floating-point noise, so rel=1e-9.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from workbench.analysis import (
    annual_volatility,
    cagr,
    calmar_ratio,
    compare_to_benchmark,
    omega_ratio,
    performance_summary,
    price_returns,
    sharpe_ratio,
    sortino_ratio,
    total_return,
    trade_statistics,
)

pytestmark = pytest.mark.requirement("ANA-02")

HAND = pd.Series(
    [0.10, -0.05, 0.02, -0.01], index=pd.date_range("2024-01-31", periods=4, freq="ME")
)
# 4 periods a year, so the 4 returns are exactly one year
YEAR = {"periods_per_year": 4}


def test_hand_worked_example() -> None:
    # growth 1.1 * 0.95 * 1.02 * 0.99 = 1.055241; mean 0.015; sample variance 0.0121 / 3
    assert total_return(HAND) == pytest.approx(0.055241, rel=1e-5)
    assert cagr(HAND, **YEAR) == pytest.approx(0.055241, rel=1e-5)
    assert annual_volatility(HAND, **YEAR) == pytest.approx(0.127017, rel=1e-5)
    assert sharpe_ratio(HAND, **YEAR) == pytest.approx(0.472377, rel=1e-5)
    # downside deviation sqrt((0.05^2 + 0.01^2) / 4) = 0.0254951
    assert sortino_ratio(HAND, **YEAR) == pytest.approx(1.176697, rel=1e-5)
    # worst drawdown: 1.045 / 1.1 - 1 = -5 %
    assert calmar_ratio(HAND, **YEAR) == pytest.approx(0.055241 / 0.05, rel=1e-5)
    # gains 0.10 + 0.02 over losses 0.05 + 0.01
    assert omega_ratio(HAND, **YEAR) == pytest.approx(2.0, rel=1e-12)


def test_hand_worked_trade_statistics() -> None:
    stats = trade_statistics(HAND)
    assert (stats.count, stats.wins, stats.losses) == (4, 2, 2)
    assert stats.hit_rate == 0.5
    assert stats.profit_factor == pytest.approx(2.0)
    assert stats.average_win == pytest.approx(0.06)
    assert stats.average_loss == pytest.approx(-0.03)
    assert stats.payoff_ratio == pytest.approx(2.0)


def test_trades_closing_at_the_same_moment_all_count() -> None:
    at = pd.Timestamp("2018-01-23 14:30", tz="UTC")
    stats = trade_statistics(pd.Series([10.0, -4.0, 6.0], index=[at, at, at]), basis="trades")
    assert (stats.count, stats.wins, stats.losses) == (3, 2, 1)


def test_flat_outcomes_are_neither_wins_nor_losses() -> None:
    stats = trade_statistics(pd.Series([0.0, 0.01, 0.0, -0.02]))
    assert stats.hit_rate == 0.5


def test_risk_free_rate_is_annual_and_compounded_per_period() -> None:
    # 4 % a year over 4 periods is (1.04) ** 0.25 - 1 per period
    per_period = 1.04**0.25 - 1
    mean, std = 0.015 - per_period, math.sqrt(0.0121 / 3)
    expected = mean / std * 2
    assert sharpe_ratio(HAND, risk_free_rate=0.04, **YEAR) == pytest.approx(expected, rel=1e-12)


def test_summary_on_the_hand_example() -> None:
    summary = performance_summary(HAND, **YEAR)
    assert summary.periods == 4
    assert summary.max_drawdown == pytest.approx(-0.05)
    assert summary.max_drawdown_peak == HAND.index[0]
    assert summary.max_drawdown_trough == HAND.index[1]
    assert summary.max_drawdown_recovery is None
    assert summary.best_period == 0.10 and summary.worst_period == -0.05
    # without positions, exposure and turnover cannot be known
    assert math.isnan(summary.exposure) and math.isnan(summary.annual_turnover)
    as_dict = summary.to_dict()
    assert as_dict["exposure"] is None
    assert as_dict["max_drawdown_peak"] == "2024-01-31T00:00:00"


def test_summary_matches_numpy_on_real_data(close: pd.DataFrame, gspc_close: pd.Series) -> None:
    prices = close["AAPL"].to_numpy()
    r = prices[1:] / prices[:-1] - 1
    rf = 0.02
    rf_day = (1 + rf) ** (1 / 252) - 1
    summary = performance_summary(
        price_returns(close["AAPL"]), benchmark=price_returns(gspc_close), risk_free_rate=rf
    )
    excess = r - rf_day
    growth = np.prod(1 + r)
    equity = np.cumprod(1 + r)
    drawdown = equity / np.maximum(np.maximum.accumulate(equity), 1.0) - 1
    downside = np.sqrt(np.mean(np.minimum(excess, 0) ** 2))
    assert summary.total_return == pytest.approx(growth - 1, rel=1e-9)
    assert summary.cagr == pytest.approx(growth ** (252 / len(r)) - 1, rel=1e-9)
    assert summary.annual_volatility == pytest.approx(np.std(r, ddof=1) * np.sqrt(252), rel=1e-9)
    assert summary.sharpe == pytest.approx(
        excess.mean() / np.std(excess, ddof=1) * np.sqrt(252), rel=1e-9
    )
    assert summary.sortino == pytest.approx(excess.mean() * 252 / (downside * np.sqrt(252)), 1e-9)
    assert summary.max_drawdown == pytest.approx(drawdown.min(), rel=1e-9)
    assert summary.calmar == pytest.approx(summary.cagr / -drawdown.min(), rel=1e-9)
    omega = np.maximum(r - rf_day, 0).sum() / np.maximum(rf_day - r, 0).sum()
    assert summary.omega == pytest.approx(omega, rel=1e-9)
    assert summary.trades.hit_rate == pytest.approx((r > 0).sum() / (r != 0).sum(), rel=1e-12)
    # AAPL's worst fall in the window: from the 2015-02-23 high to the 2016-05-12 low
    assert str(summary.max_drawdown_peak.date()) == "2015-02-23"
    assert str(summary.max_drawdown_trough.date()) == "2016-05-12"


def test_benchmark_figures_match_numpy(close: pd.DataFrame, gspc_close: pd.Series) -> None:
    both = pd.concat([close["MSFT"], gspc_close], axis=1, join="inner").to_numpy()
    r = both[1:, 0] / both[:-1, 0] - 1
    b = both[1:, 1] / both[:-1, 1] - 1
    result = compare_to_benchmark(price_returns(close["MSFT"]), price_returns(gspc_close))
    beta = np.cov(r, b)[0, 1] / np.var(b, ddof=1)
    active = r - b
    tracking = np.std(active, ddof=1) * np.sqrt(252)
    assert result.periods == len(r)
    assert result.beta == pytest.approx(beta, rel=1e-9)
    assert result.alpha == pytest.approx((r.mean() - beta * b.mean()) * 252, rel=1e-9)
    assert result.correlation == pytest.approx(np.corrcoef(r, b)[0, 1], rel=1e-9)
    assert result.tracking_error == pytest.approx(tracking, rel=1e-9)
    assert result.information_ratio == pytest.approx(active.mean() * 252 / tracking, rel=1e-9)
    assert result.up_capture == pytest.approx(r[b > 0].mean() / b[b > 0].mean(), rel=1e-9)
    assert result.down_capture == pytest.approx(r[b < 0].mean() / b[b < 0].mean(), rel=1e-9)


def test_benchmark_of_itself_is_beta_one_with_no_tracking_error() -> None:
    result = compare_to_benchmark(HAND, HAND)
    assert result.beta == pytest.approx(1.0)
    assert result.alpha == pytest.approx(0.0, abs=1e-15)
    assert result.correlation == pytest.approx(1.0)
    assert result.tracking_error == 0.0
    assert math.isnan(result.information_ratio)  # documented: zero tracking error
    assert result.up_capture == pytest.approx(1.0) and result.down_capture == pytest.approx(1.0)


def test_benchmark_reads_only_common_dates() -> None:
    benchmark = pd.Series([0.01, 0.02, -0.01], index=HAND.index[1:])
    result = compare_to_benchmark(HAND, benchmark)
    assert result.periods == 3


def test_a_constant_series_has_no_sharpe_or_sortino() -> None:
    flat = pd.Series([0.001] * 10)
    assert math.isnan(sharpe_ratio(flat))
    assert math.isnan(sortino_ratio(flat))
    assert math.isnan(omega_ratio(flat))
    assert math.isnan(calmar_ratio(flat))
