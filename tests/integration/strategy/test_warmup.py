"""Warm-up and crossing semantics through the ops layer on the bundled real data: a backtest
reads its strategy's warm-up bars before ``--start``, trades only inside its window, and says
how many warm-up bars it had; the result does not depend on where the window starts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from workbench.ops import strategy as ops
from workbench.runtime import Runtime
from workbench.strategy import BacktestConfig, BacktestResult, backtest

pytestmark = pytest.mark.requirement("STR-03")

CONFIG = BacktestConfig(benchmark=None)
MSFT_CASE = {"fast": 10, "slow": 50}
#: the first session of the bundled daily panel
DATA_START = pd.Timestamp("2013-02-08")


@pytest.fixture
def rt(home_with_sample: Path) -> Iterator[Runtime]:
    runtime = Runtime.from_settings()
    yield runtime
    runtime.close()


def msft(rt: Runtime, start: date, end: date = date(2017, 12, 31)) -> BacktestResult:
    return ops.backtest(
        rt,
        "sma_crossover",
        ["MSFT"],
        params=MSFT_CASE,
        start=start,
        end=end,
        config=CONFIG,
        save=False,
    )


def test_msft_buys_after_the_real_cross_not_on_the_first_slow_bar(rt: Runtime) -> None:
    result = msft(rt, date(2014, 1, 1))
    buys = result.orders[result.orders["side"] == "buy"]["timestamp"]
    assert pd.Timestamp("2014-03-17") not in set(buys)
    # the 10-day average crossed above the 50-day one at the close of 2014-02-18 (worked
    # out below from the closes), so the first buy is at the next open
    closes = ops.load_bars(rt, ["MSFT"], None, date(2014, 3, 31)).close["MSFT"]
    fast, slow = closes.rolling(10).mean(), closes.rolling(50).mean()
    above = fast > slow
    crosses = above & ~above.shift(1, fill_value=True) & slow.shift(1).notna()
    real = crosses[crosses.index >= pd.Timestamp("2014-01-01")].idxmax()
    assert real == pd.Timestamp("2014-02-18")
    assert buys.iloc[0] == pd.Timestamp("2014-02-19")


def test_moving_the_start_by_a_day_keeps_the_trades_of_the_common_window(rt: Runtime) -> None:
    first, later = msft(rt, date(2014, 1, 2)), msft(rt, date(2014, 1, 3))
    assert later.equity.index[0] == pd.Timestamp("2014-01-03")
    common = later.equity.index[0]
    columns = ["symbol", "entry_time", "exit_time", "entry_price", "exit_price", "status"]

    def inside(result: BacktestResult) -> pd.DataFrame:
        trades = result.trades[result.trades["entry_time"] >= common]
        return trades[columns].reset_index(drop=True)

    pd.testing.assert_frame_equal(inside(first), inside(later))
    assert len(inside(first)) > 5
    # neither held anything at the later start, so they grow alike from there on
    growth = first.equity.loc[common:] / first.equity.loc[common]
    assert (growth - later.equity / later.equity.iloc[0]).abs().max() < 1e-9


def test_warm_up_bars_are_read_before_the_window_and_reported(rt: Runtime) -> None:
    result = ops.backtest(
        rt,
        "donchian_breakout",
        ["AAPL", "MSFT"],
        params={"entry": 30, "exit": 15},
        start=date(2015, 3, 2),
        end=date(2015, 12, 31),
        config=CONFIG,
        save=False,
    )
    assert result.warmup_needed == 31 and result.warmup_bars == 31
    assert result.warmup_note is None
    assert result.equity.index[0] == pd.Timestamp("2015-03-02")
    assert result.orders["timestamp"].min() >= pd.Timestamp("2015-03-02")
    # the same orders as the whole history traded from the same day: the warm-up is enough
    everything = ops.load_bars(rt, ["AAPL", "MSFT"], None, date(2015, 12, 31))
    whole = backtest(
        "donchian_breakout", everything, {"entry": 30, "exit": 15}, CONFIG, trade_from="2015-03-02"
    )
    assert whole.warmup_bars > 500
    pd.testing.assert_frame_equal(result.orders, whole.orders)
    assert result.final_equity == pytest.approx(whole.final_equity, rel=1e-12)
    summary = result.to_dict()
    assert (summary["warmup_bars"], summary["warmup_needed"]) == (31, 31)
    assert summary["start"].startswith("2015-03-02")


def test_a_window_at_the_start_of_the_data_says_it_has_less_warm_up(rt: Runtime) -> None:
    at_start = msft(rt, date(2013, 1, 1), date(2014, 12, 31))
    assert at_start.equity.index[0] == DATA_START
    assert (at_start.warmup_bars, at_start.warmup_needed) == (0, 50)
    assert at_start.warmup_note is not None and "only 0 of the 50" in at_start.warmup_note
    near = msft(rt, date(2013, 3, 1), date(2014, 12, 31))
    before = len(ops.load_bars(rt, ["MSFT"], None, date(2013, 2, 28)))
    assert near.warmup_bars == before < 50
    assert f"only {before} of the 50" in (near.to_dict()["warmup_note"] or "")
    assert near.orders["timestamp"].min() >= pd.Timestamp("2013-03-01")


def test_an_allocation_window_invests_at_its_first_decision(rt: Runtime) -> None:
    result = ops.backtest(
        rt,
        "rebalance",
        ["AAPL", "MSFT", "JPM"],
        params={"method": "equal_weight", "lookback": 20, "rebalance": "never"},
        start=date(2015, 6, 17),
        end=date(2015, 12, 31),
        config=CONFIG,
        save=False,
    )
    assert result.warmup_bars == 21
    # decided at the window's first close, filled at the next open; never again
    assert set(result.orders["timestamp"]) == {pd.Timestamp("2015-06-18")}


def test_walk_forward_windows_warm_up(rt: Runtime) -> None:
    result = ops.walk_forward(
        rt,
        "sma_crossover",
        ["AAPL"],
        {"fast": [5, 10], "slow": [40, 60]},
        train=126,
        test=63,
        start=date(2015, 1, 2),
        end=date(2016, 6, 30),
        config=CONFIG,
        save=False,
    )
    windows = result.windows
    # the first in-sample window starts at --start, its warm-up read before it
    assert windows["train_start"].iloc[0] == pd.Timestamp("2015-01-02")
    # every test window read its chosen slow average's bars before it
    assert (windows["warmup_bars"] == windows["slow"]).all()
    assert result.equity.index[0] == windows["test_start"].iloc[0]


def test_a_grid_reads_its_warm_up_before_the_window(rt: Runtime) -> None:
    grid = ops.optimize(
        rt,
        "sma_crossover",
        ["MSFT"],
        {"fast": [10], "slow": [50]},
        start=date(2014, 1, 1),
        end=date(2017, 12, 31),
        config=CONFIG,
        save=False,
    )
    single = msft(rt, date(2014, 1, 1))
    assert grid.returns.index[0] == single.equity.index[0]
    assert grid.best_value == pytest.approx(single.stats.sharpe, rel=1e-9)
    assert int(grid.table["orders"].iloc[0]) == len(single.orders)
