"""How signals become fills: next open or close, costs, sizing, stops, direction, missing bars.

The bars here are generated (symbol ``GEN``), small enough to work every fill out by hand.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest

from workbench.strategy import (
    BacktestConfig,
    BacktestResult,
    Bars,
    Params,
    Signals,
    SignalStrategy,
    Sizing,
    backtest,
)

pytestmark = pytest.mark.requirement("STR-02")

CASH = 10_000.0


class Scripted(SignalStrategy):
    """Signals given up front, by bar number."""

    name = "test_scripted"
    summary = "fixed signals"

    def __init__(self, entries: Sequence[int], exits: Sequence[int] = ()) -> None:
        self.entry_rows, self.exit_rows = list(entries), list(exits)

    def signals(self, bars: Bars, params: Params) -> Signals:
        entries = pd.DataFrame(False, index=bars.index, columns=bars.close.columns)
        exits = entries.copy()
        entries.iloc[self.entry_rows] = True
        exits.iloc[self.exit_rows] = True
        return Signals(entries=entries, exits=exits)


def generated_bars(
    close: Sequence[float],
    open_: Sequence[float] | None = None,
    high: Sequence[float] | None = None,
    low: Sequence[float] | None = None,
) -> Bars:
    """One generated symbol, GEN; open defaults to the previous close, high/low to the body."""
    c = np.asarray(close, dtype=float)
    o = np.asarray(open_, dtype=float) if open_ is not None else np.r_[c[0], c[:-1]]
    h = np.asarray(high, dtype=float) if high is not None else np.fmax(o, c)
    lo = np.asarray(low, dtype=float) if low is not None else np.fmin(o, c)
    index = pd.date_range("2030-01-01", periods=len(c), freq="D", name="date")

    def frame(values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame({"GEN": values}, index=index)

    return Bars(frame(o), frame(h), frame(lo), frame(c), frame(np.full(len(c), 1e6)))


def run(strategy: SignalStrategy, bars: Bars, **settings: object) -> BacktestResult:
    config = BacktestConfig(initial_cash=CASH, benchmark=None, **settings)  # type: ignore[arg-type]
    return backtest(strategy, bars, config=config)


RISING = generated_bars(
    close=[10, 11, 12, 13, 14, 15, 16, 17],
    open_=[10, 10.5, 11.5, 12.5, 13.5, 14.5, 15.5, 16.5],
)


def test_next_open_fills_at_the_open_after_the_signal() -> None:
    result = run(Scripted([1], [4]), RISING)
    orders = result.orders
    assert list(orders["timestamp"].dt.day) == [3, 6]  # bars 2 and 5
    assert list(orders["price"]) == [11.5, 14.5]
    assert list(orders["side"]) == ["buy", "sell"]
    assert orders["qty"].iloc[0] == pytest.approx(CASH / 11.5)
    assert result.final_equity == pytest.approx(CASH * 14.5 / 11.5)
    assert list(orders["reason"]) == ["signal", "signal"]


def test_close_execution_fills_at_the_deciding_bar() -> None:
    result = run(Scripted([1], [4]), RISING, execution="close")
    assert list(result.orders["price"]) == [11, 14]
    assert result.final_equity == pytest.approx(CASH * 14 / 11)


def test_percent_fees_and_slippage() -> None:
    result = run(Scripted([1], [4]), RISING, fees=0.01, slippage=0.02)
    buy, sell = result.orders.iloc[0], result.orders.iloc[1]
    assert buy["price"] == pytest.approx(11.5 * 1.02)
    assert sell["price"] == pytest.approx(14.5 * 0.98)
    # buying everything: cash pays price and fee, so qty = cash / (price * (1 + fee))
    qty = CASH / (11.5 * 1.02 * 1.01)
    assert buy["qty"] == pytest.approx(qty)
    assert buy["fee"] == pytest.approx(qty * 11.5 * 1.02 * 0.01)
    assert result.final_equity == pytest.approx(qty * 14.5 * 0.98 * 0.99)


def test_per_share_fees_are_exact() -> None:
    result = run(Scripted([1], [4]), RISING, fee_per_share=0.05, slippage=0.01)
    for _, order in result.orders.iterrows():
        assert order["fee"] == pytest.approx(order["qty"] * 0.05)


def test_share_and_value_sizing() -> None:
    shares = run(Scripted([1], [4]), RISING, sizing=Sizing("shares", 100))
    assert list(shares.orders["qty"]) == [100, 100]
    assert shares.final_equity == pytest.approx(CASH + 100 * (14.5 - 11.5))
    value = run(Scripted([1], [4]), RISING, sizing=Sizing("value", 2300))
    assert value.orders["qty"].iloc[0] == pytest.approx(2300 / 11.5)
    half = run(Scripted([1], [4]), RISING, sizing=Sizing("percent", 0.5))
    assert half.orders["qty"].iloc[0] == pytest.approx(CASH * 0.5 / 11.5)


FALLING = generated_bars(
    close=[10, 10, 10, 9.8, 9.0, 8.0, 8.0],
    open_=[10, 10, 10, 10, 9.7, 8.5, 8.0],
    high=[10, 10, 10, 10.1, 9.8, 8.6, 8.2],
    low=[10, 10, 9.0, 9.6, 8.9, 7.9, 7.8],
)


def test_stop_loss_fills_at_the_level_and_not_on_the_entry_bar() -> None:
    # entry at bar 2's open (10); bar 2's low (9.0) is below the stop but is the entry bar
    result = run(Scripted([1]), FALLING, stop_loss=0.05)
    sell = result.orders.iloc[1]
    assert sell["timestamp"].day == 5  # bar 4: low 8.9 reaches 9.5
    assert sell["price"] == pytest.approx(9.5)
    assert sell["reason"] == "stop_loss"
    assert result.trades["exit_reason"].iloc[0] == "stop_loss"


def test_a_gap_through_the_stop_fills_at_the_open() -> None:
    result = run(Scripted([3]), FALLING, stop_loss=0.05)  # entry at bar 4's open, 9.7
    sell = result.orders.iloc[1]
    assert sell["timestamp"].day == 6  # bar 5 opens at 8.5, under 9.215
    assert sell["price"] == 8.5


def test_take_profit_and_trailing_stop() -> None:
    up = generated_bars(
        close=[10, 10, 10.5, 11.5, 12.5, 11.8, 11.0],
        open_=[10, 10, 10, 10.6, 11.6, 12.4, 11.7],
        high=[10, 10, 10.6, 11.7, 12.9, 12.5, 11.8],
        low=[10, 10, 9.9, 10.5, 11.5, 11.6, 10.9],
    )
    take = run(Scripted([1]), up, take_profit=0.15)
    assert take.orders["price"].iloc[1] == pytest.approx(11.5)  # 10 * 1.15, inside bar 3
    assert take.orders["reason"].iloc[1] == "take_profit"
    trail = run(Scripted([1]), up, trailing_stop=0.08)
    # the peak after bar 4 is 12.9; 12.9 * 0.92 = 11.868 is crossed inside bar 5 (low 11.6)
    assert trail.orders["timestamp"].iloc[1].day == 6
    assert trail.orders["price"].iloc[1] == pytest.approx(12.9 * 0.92)
    assert trail.orders["reason"].iloc[1] == "trailing_stop"


def test_short_and_both_directions() -> None:
    down = generated_bars(close=[10, 10, 9, 8, 7, 8, 9], open_=[10, 10, 9.5, 8.5, 7.5, 7.5, 8.5])
    short = run(Scripted([1], [3]), down, direction="short")
    assert list(short.orders["side"]) == ["buy", "sell"][::-1]
    assert short.final_equity == pytest.approx(CASH * (1 + (9.5 - 7.5) / 9.5))
    assert short.trades["direction"].iloc[0] == "short"
    both = run(Scripted([1], [3]), down, direction="both")
    # an entry goes long; the exit then reverses to short in one order
    assert list(both.orders["side"]) == ["buy", "sell"]
    assert both.positions["GEN"].iloc[-1] < 0


def test_a_missing_bar_defers_the_fill_to_the_next_priced_bar() -> None:
    gap = generated_bars(close=[10, 11, np.nan, 13, 14], open_=[10, 10.5, np.nan, 12.5, 13.5])
    result = run(Scripted([1]), gap)
    assert result.orders["timestamp"].iloc[0].day == 4
    assert result.orders["price"].iloc[0] == 12.5


def test_entries_while_in_a_position_do_not_add() -> None:
    result = run(Scripted([1, 2, 3], [5]), RISING)
    assert len(result.orders) == 2


def test_exposure_and_turnover() -> None:
    result = run(Scripted([1], [4]), RISING)
    exposure = result.exposure
    assert exposure["gross"].iloc[0] == 0
    assert exposure["gross"].iloc[3] == pytest.approx(1.0)  # fully invested at bar 3's close
    assert exposure["turnover"].iloc[2] == pytest.approx(1.0, rel=0.05)
    assert result.stats.time_in_market == pytest.approx(3 / 8)
