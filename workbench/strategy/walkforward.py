"""Walk-forward optimisation: choose parameters in-sample, trade them out-of-sample, repeat.

Windows are counted in bars. Rolling windows keep ``train`` bars in-sample and slide by
``test``; anchored windows always start in-sample at the first bar. Out-of-sample parts follow
each other without overlap and each starts after its in-sample part ends. Each out-of-sample
backtest reads ``warmup`` bars before its start (so indicators are ready) but cannot decide
anything before the start (``warmup_bars`` in the windows table says how many it had), and so
does each in-sample grid (as many bars as the most demanding combination needs). Each test
window begins flat with the whole capital, and the out-of-sample returns are chained into one
equity curve (as if each window's positions were closed at its end at no cost). Degradation
compares the objective in- and out-of-sample, window by window.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.analysis import PerformanceSummary, performance_summary
from workbench.core.errors import ValidationError
from workbench.core.progress import Progress
from workbench.strategy.backtest import backtest
from workbench.strategy.base import Bars, Params, Strategy
from workbench.strategy.config import BacktestConfig
from workbench.strategy.distributed import Executor
from workbench.strategy.grid import DEFAULT_MEMORY_MB, grid_search
from workbench.strategy.metrics import FAST_METRICS, metric_columns, summary_metric
from workbench.strategy.params import Constraint
from workbench.strategy.registry import get_strategy
from workbench.strategy.result import BacktestResult

__all__ = ["WalkForwardResult", "Window", "walk_forward", "walk_forward_windows"]


@dataclass(frozen=True, slots=True)
class Window:
    """Bar positions, each range half-open: in-sample ``[train_start, train_stop)``,
    out-of-sample ``[test_start, test_stop)``."""

    number: int
    train_start: int
    train_stop: int
    test_start: int
    test_stop: int


def walk_forward_windows(
    n_bars: int, train: int, test: int, *, anchored: bool = False
) -> list[Window]:
    """Windows over ``n_bars``; the last out-of-sample part may be shorter than ``test``."""
    if train < 2 or test < 1:
        raise ValidationError(f"train needs at least 2 bars and test 1, got {train} and {test}")
    if train + test > n_bars:
        raise ValidationError(
            f"{n_bars} bars cannot hold a train window of {train} and a test window of {test}"
        )
    windows: list[Window] = []
    test_start = train
    while test_start < n_bars:
        windows.append(
            Window(
                number=len(windows),
                train_start=0 if anchored else test_start - train,
                train_stop=test_start,
                test_start=test_start,
                test_stop=min(test_start + test, n_bars),
            )
        )
        test_start += test
    return windows


@dataclass(frozen=True, eq=False)
class WalkForwardResult:
    """``windows`` has one row per window: its dates, the chosen parameters and the objective
    in- and out-of-sample. ``equity`` is the chained out-of-sample equity curve."""

    strategy: str
    objective: str
    anchored: bool
    windows: pd.DataFrame
    equity: pd.Series[float]
    config: BacktestConfig
    symbols: list[str]
    run_id: int | None = field(default=None, compare=False)

    @property
    def returns(self) -> pd.Series[float]:
        previous = self.equity.shift(1)
        previous.iloc[0] = self.config.initial_cash
        return (self.equity / previous - 1.0).rename("returns")

    @property
    def stats(self) -> PerformanceSummary:
        return performance_summary(self.returns)

    @property
    def efficiency(self) -> float:
        """Mean out-of-sample objective over mean in-sample objective (1: no degradation)."""
        inside = float(self.windows["in_sample"].mean())
        outside = float(self.windows["out_of_sample"].mean())
        return outside / inside if inside and math.isfinite(inside) else math.nan

    def figure_equity(self) -> Any:
        from workbench.strategy.figures import equity_figure

        return equity_figure(self.equity, None, title=f"{self.strategy} walk-forward")

    def to_dict(self) -> dict[str, Any]:
        table = self.windows.copy()
        for column in ("train_start", "train_end", "test_start", "test_end"):
            table[column] = table[column].map(lambda t: t.isoformat())
        efficiency = self.efficiency
        return {
            "run_id": self.run_id,
            "strategy": self.strategy,
            "objective": self.objective,
            "anchored": self.anchored,
            "symbols": list(self.symbols),
            "in_sample_mean": _finite(self.windows["in_sample"].mean()),
            "out_of_sample_mean": _finite(self.windows["out_of_sample"].mean()),
            "efficiency": _finite(efficiency),
            "degradation": _finite(1 - efficiency),
            "final_equity": float(self.equity.iloc[-1]),
            "stats": self.stats.to_dict(),
            "windows": table.to_dict(orient="records"),
        }


def walk_forward(
    strategy: str | Strategy,
    bars: Bars,
    grid: Mapping[str, object],
    config: BacktestConfig | None = None,
    *,
    train: int = 504,
    test: int = 126,
    anchored: bool = False,
    objective: str = "sharpe",
    maximize: bool | None = None,
    constraints: Sequence[str | Constraint] = (),
    memory_mb: float = DEFAULT_MEMORY_MB,
    executor: Executor | None = None,
    progress: Progress | None = None,
    trade_from: Any = None,
) -> WalkForwardResult:
    """Windows over the bars from ``trade_from`` on (all of them without it); the bars
    before it, and before each window, only warm up."""
    chosen = get_strategy(strategy)
    config = config or BacktestConfig()
    offset = 0 if trade_from is None else int(bars.index.searchsorted(pd.Timestamp(trade_from)))
    windows = [
        _shifted(w, offset)
        for w in walk_forward_windows(len(bars) - offset, train, test, anchored=anchored)
    ]
    combos = chosen.space.grid(grid, constraints)
    warmup = max(chosen.warmup(combo) for combo in combos)
    rows, pieces = [], []
    for window in windows:
        found = grid_search(
            chosen,
            bars.iloc(max(0, window.train_start - warmup), window.train_stop),
            grid,
            config,
            objective=objective,
            maximize=maximize,
            constraints=constraints,
            memory_mb=memory_mb,
            executor=executor,
            trade_from=bars.index[window.train_start],
        )
        params = found.best_params
        result = _out_of_sample(chosen, bars, window, params, config)
        returns = result.returns
        pieces.append(returns)
        row = _row(window, bars, params, found.best_value, _metric(returns, objective))
        rows.append({**row, "warmup_bars": result.warmup_bars})
        if progress is not None:
            progress(window.number + 1, len(windows), f"window {window.number + 1}")
    chained = pd.concat(pieces)
    equity = (config.initial_cash * (1.0 + chained).cumprod()).rename("equity")
    return WalkForwardResult(
        strategy=chosen.name,
        objective=objective,
        anchored=anchored,
        windows=pd.DataFrame(rows),
        equity=equity,
        config=config,
        symbols=bars.symbols,
    )


def _out_of_sample(
    strategy: Strategy, bars: Bars, window: Window, params: Params, config: BacktestConfig
) -> BacktestResult:
    """The backtest of the test bars, trading ``params`` with decisions from the test start
    on, its warm-up read before it."""
    start = max(0, window.test_start - strategy.warmup(params))
    opening = bars.index[window.test_start]
    return backtest(
        strategy, bars.iloc(start, window.test_stop), params, config, trade_from=opening
    )


def _shifted(window: Window, offset: int) -> Window:
    return Window(
        number=window.number,
        train_start=window.train_start + offset,
        train_stop=window.train_stop + offset,
        test_start=window.test_start + offset,
        test_stop=window.test_stop + offset,
    )


def _metric(returns: pd.Series[float], name: str) -> float:
    if name in FAST_METRICS:
        return float(metric_columns(returns.to_numpy(dtype=np.float64)[:, None])[name][0])
    return summary_metric(returns, name)


def _row(
    window: Window, bars: Bars, params: Params, inside: float, outside: float
) -> dict[str, Any]:
    index = bars.index
    return {
        "window": window.number,
        "train_start": index[window.train_start],
        "train_end": index[window.train_stop - 1],
        "test_start": index[window.test_start],
        "test_end": index[window.test_stop - 1],
        **dict(params),
        "in_sample": inside,
        "out_of_sample": outside,
    }


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None
