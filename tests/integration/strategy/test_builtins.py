"""Every built-in on the bundled real data: AAPL, JPM, MSFT, XOM, 2014-2016, default settings
(next-open fills, equal slices of a shared cash balance, long only, no costs).

The counts and returns are pinned: a change in them is a change in behaviour to explain.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.analysis.indicators import momentum_12_1
from workbench.strategy import BacktestConfig, Bars, backtest, get_strategy

pytestmark = pytest.mark.requirement("STR-01")

# name, params, orders, trades (closed), total return
PINNED = [
    # the crossovers no longer enter JPM and MSFT on the first bar the slow average exists
    # (no cross there): two entries and their exits fewer than before the fix
    ("sma_crossover", {}, 68, 36, 32, 0.1769),
    ("ema_crossover", {}, 66, 35, 31, 0.1046),
    ("rsi_reversion", {}, 25, 13, 12, 0.2957),
    ("bollinger_reversion", {}, 106, 53, 53, 0.2898),
    ("donchian_breakout", {}, 100, 52, 48, 0.1515),
    ("buy_and_hold", {}, 4, 4, 0, 0.3805),
    ("momentum_rotation", {"top": 2}, 53, 28, 26, 0.1303),
    ("rebalance", {"method": "inverse_volatility"}, 116, 62, 58, 0.2387),
]


@pytest.mark.parametrize(
    ("name", "params", "orders", "trades", "closed", "total_return"),
    PINNED,
    ids=[f"{case[0]}-{case[1]}" for case in PINNED],
)
def test_builtin_on_the_sample(
    bars: Bars,
    name: str,
    params: dict[str, object],
    orders: int,
    trades: int,
    closed: int,
    total_return: float,
) -> None:
    result = backtest(name, bars, params, BacktestConfig(benchmark=None))
    assert len(result.orders) == orders
    assert len(result.trades) == trades
    assert int((result.trades["status"] == "closed").sum()) == closed
    assert result.stats.total_return == pytest.approx(total_return, abs=5e-5)
    assert result.stats.total_return > 0  # 2014-2016 rose; every built-in made money
    # nothing trades before the strategy has the history it needs
    strategy = get_strategy(name)
    warmup = strategy.warmup(strategy.validate(params))
    assert result.orders["timestamp"].min() > bars.index[max(warmup - 1, 0)]
    assert (result.exposure["gross"] <= 1.0 + 1e-9).all()  # equal slices never lever up


def test_buy_and_hold_is_the_equal_weight_start(bars: Bars) -> None:
    result = backtest("buy_and_hold", bars, config=BacktestConfig(benchmark=None))
    first_open = bars.open.iloc[1]  # decided at the first close, filled at the next open
    shares = 100_000 / 4 / first_open
    expected = float((shares * bars.close.iloc[-1]).sum())
    assert result.final_equity == pytest.approx(expected, rel=1e-9)


def test_momentum_holds_the_top_names(bars: Bars) -> None:
    result = backtest("momentum_rotation", bars, {"top": 2}, BacktestConfig(benchmark=None))
    held = (result.positions > 0).sum(axis=1)
    assert held.max() == 2
    # the names held after the first rebalance are the two with the best 12-1 momentum
    first = result.orders["timestamp"].min()
    decision = bars.index[bars.index.get_loc(first) - 1]
    history = bars.close.loc[:decision]
    # the analysis engine's 12-1 momentum at the decision bar
    momentum = pd.Series({s: momentum_12_1(history[s]).iloc[-1] for s in bars.symbols})
    top = set(momentum.nlargest(2).index)
    assert set(result.positions.columns[result.positions.loc[first] > 0]) == top


def test_rebalance_to_risk_parity(bars: Bars) -> None:
    params = {"method": "risk_parity", "rebalance": "quarterly"}
    result = backtest("rebalance", bars, params, BacktestConfig(benchmark=None))
    assert len(result.orders) == 36
    weights = result.exposure["gross"]
    assert weights.iloc[-1] == pytest.approx(1.0, abs=0.05)  # fully invested
    values = result.positions.iloc[-1] * bars.close.iloc[-1]
    assert (values > 0).all()  # risk parity holds every name


def test_benchmark_comparison(bars: Bars, bars_of) -> None:  # type: ignore[no-untyped-def]
    index = bars_of(["^GSPC"]).close["^GSPC"]
    result = backtest("sma_crossover", bars, benchmark=index)
    assert result.benchmark is not None
    assert result.benchmark.iloc[0] == pytest.approx(100_000)
    assert result.stats.benchmark is not None
    assert 0 < result.stats.benchmark.beta < 1.5


def test_costs_only_ever_cost(bars: Bars) -> None:
    free = backtest("sma_crossover", bars, config=BacktestConfig(benchmark=None))
    costly = backtest(
        "sma_crossover",
        bars,
        config=BacktestConfig(benchmark=None, fees=0.001, fee_per_share=0.005, slippage=0.001),
    )
    assert costly.final_equity < free.final_equity
    assert costly.orders["fee"].sum() > 0
    assert len(costly.orders) == len(free.orders)  # same decisions


def test_sleeves_without_cash_sharing(bars: Bars) -> None:
    result = backtest(
        "buy_and_hold", bars, config=BacktestConfig(benchmark=None, cash_sharing=False)
    )
    # each symbol trades its own quarter of the cash, fully invested
    growth = bars.close.iloc[-1] / bars.open.iloc[1]
    assert result.final_equity == pytest.approx(float(25_000 * growth.sum()), rel=1e-9)


def test_vol_target_sizing_scales_with_volatility(bars: Bars) -> None:
    from workbench.strategy import Sizing

    config = BacktestConfig(benchmark=None, sizing=Sizing("vol_target", target_vol=0.10))
    result = backtest("sma_crossover", bars, config=config)
    buys = result.orders[result.orders["side"] == "buy"]
    value = buys["qty"] * buys["price"]
    assert len(buys) == 36  # 38 before the first-bar non-crosses of JPM and MSFT went
    # weights differ by symbol and date (set by trailing volatility), and stay below a slice
    assert value.std() > 0
    equity = result.equity.shift(1).reindex(buys["timestamp"]).to_numpy()
    assert np.all(value.to_numpy() / equity < 0.25 * 1.5)


def test_results_carry_frames_and_figures(bars: Bars) -> None:
    result = backtest("donchian_breakout", bars, benchmark=bars.close["JPM"])
    assert list(result.positions.columns) == ["AAPL", "JPM", "MSFT", "XOM"]
    assert result.drawdown.max() == 0
    assert result.drawdowns(3).shape[0] == 3
    assert isinstance(result.trades["entry_time"].iloc[0], pd.Timestamp)
    assert {t.name for t in result.figure_equity().data} == {"strategy", "benchmark"}
    assert result.figure_drawdown().data[0].name == "drawdown"
    trades = result.figure_trades("MSFT")
    assert [t.name for t in trades.data] == ["MSFT", "buy", "sell"]
    summary = result.to_dict()
    assert summary["orders"] == len(result.orders)
    assert summary["stats"]["sharpe"] == pytest.approx(result.stats.sharpe)
