"""One backtest: a strategy, its parameters and a config over a panel of bars, on vectorbt."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from workbench.core.errors import DataError
from workbench.strategy.base import AllocationStrategy, Bars, Params, SignalStrategy, Strategy
from workbench.strategy.config import BacktestConfig
from workbench.strategy.registry import get_strategy
from workbench.strategy.result import BacktestResult, result_from_portfolio
from workbench.strategy.simulate import Layout, Plan, plan_signals, plan_targets, run_portfolio

__all__ = ["backtest", "plan_for", "simulate_combos"]


def backtest(
    strategy: str | Strategy,
    bars: Bars,
    params: Mapping[str, object] | None = None,
    config: BacktestConfig | None = None,
    *,
    benchmark: pd.Series[float] | None = None,
    trade_from: Any = None,
) -> BacktestResult:
    """Run ``strategy`` with ``params`` (validated; defaults filled) over ``bars``.

    ``benchmark`` is the benchmark's close (any dates; the result keeps those in range).
    ``trade_from`` (a timestamp) starts the window: the bars before it only warm up the
    strategy's indicators (no decision is taken on them), and the result (equity, positions,
    statistics) covers the window alone and says how many warm-up bars it had.
    """
    chosen = get_strategy(strategy)
    values = chosen.validate(params)
    config = config or BacktestConfig()
    first = 0 if trade_from is None else int(bars.index.searchsorted(pd.Timestamp(trade_from)))
    _check_bars(bars.iloc(first))
    layout = Layout(n_combos=1, n_symbols=len(bars.symbols))
    plan, portfolio = simulate_combos(chosen, bars, [values], config, layout, first)
    return result_from_portfolio(
        portfolio,
        plan,
        bars,
        strategy=chosen.name,
        kind=chosen.kind,
        params=values,
        config=config,
        benchmark_close=benchmark,
        first=first,
        warmup_needed=chosen.warmup(values),
    )


def simulate_combos(
    strategy: Strategy,
    bars: Bars,
    combos: Sequence[Params],
    config: BacktestConfig,
    layout: Layout,
    first_decision: int = 0,
) -> tuple[Plan, Any]:
    """The order plan and the vectorbt portfolio of several parameter sets in one run."""
    plan = plan_for(strategy, bars, combos, config, layout, first_decision)
    return plan, run_portfolio(plan, bars, config, layout)


def plan_for(
    strategy: Strategy,
    bars: Bars,
    combos: Sequence[Params],
    config: BacktestConfig,
    layout: Layout,
    first_decision: int = 0,
) -> Plan:
    if isinstance(strategy, SignalStrategy):
        signals = strategy.signals_grid(bars, combos)
        if len(signals) != len(combos):
            raise DataError(
                f"{strategy.name}.signals_grid gave {len(signals)} results "
                f"for {len(combos)} parameter sets"
            )
        return plan_signals(signals, bars, config, layout, first_decision=first_decision)
    if isinstance(strategy, AllocationStrategy):
        targets = [strategy.targets(bars, combo, first=first_decision) for combo in combos]
        return plan_targets(targets, bars, config, layout, first_decision=first_decision)
    raise DataError(f"{strategy!r} is neither a signal nor an allocation strategy")


def _check_bars(bars: Bars) -> None:
    """The window's bars (warm-up bars aside)."""
    if len(bars) < 2:
        raise DataError(f"a backtest needs at least 2 bars in its window, got {len(bars)}")
    if bars.close.isna().all().any():
        empty = [s for s in bars.symbols if bars.close[s].isna().all()]
        raise DataError(f"no prices for {empty} in this range")
