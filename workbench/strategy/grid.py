"""Grid search: every parameter combination in one vectorbt simulation per chunk.

The combinations run as columns of one simulation (vectorbt's parameter broadcasting). A grid
whose columns would need more than ``memory_mb`` at once is cut into chunks of whole
combinations, run one after another (or on Dask, see ``distributed``), each returning only its
figures and its daily returns per combination; the progress callback hears of each chunk. The
result is a tidy table (one row per portfolio), the per-combination returns (for the
overfitting diagnostics), and a heatmap.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from workbench.core.errors import DataError, ValidationError
from workbench.core.progress import Progress
from workbench.strategy.backtest import simulate_combos
from workbench.strategy.base import Bars, Strategy
from workbench.strategy.config import BacktestConfig
from workbench.strategy.distributed import Executor, LocalExecutor
from workbench.strategy.metrics import (
    FAST_METRICS,
    MINIMIZED,
    check_metric,
    metric_columns,
    summary_metric,
)
from workbench.strategy.overfitting import OverfittingReport, overfitting_report
from workbench.strategy.params import Constraint, ParamValue
from workbench.strategy.registry import get_strategy
from workbench.strategy.simulate import Layout, equity_matrix

__all__ = ["DEFAULT_MEMORY_MB", "GridResult", "grid_search", "plan_chunks"]

FloatArray = npt.NDArray[np.float64]
#: a CLI process holds about 440 MB once vectorbt is loaded, before its first chunk: 32 MB chunks
#: keep the 6,000-portfolio grid of `workbench strategy optimize` within the system's 512 MB per
#: CLI command (measured 459 MB; 384 MB chunks: 800 MB), for about 15 % of its throughput
DEFAULT_MEMORY_MB = 32
# bytes a simulated column holds at the peak of a chunk, per bar: the signal and plan arrays,
# the tiled prices and vectorbt's own (measured: 139 for an SMA grid on the bundled data;
# rounded up for strategies that keep more)
_BYTES_PER_CELL = 200


@dataclass(frozen=True, eq=False)
class GridResult:
    """``table`` has one row per portfolio: ``combo`` (the combination's number), the
    parameters, ``symbol`` when each symbol ran alone, every figure, ``orders``; best first.
    ``returns`` holds each combination's daily returns (averaged over symbols when they ran
    alone), columns numbered by ``combo``."""

    strategy: str
    objective: str
    maximize: bool
    grid_params: list[str]
    param_names: list[str]
    table: pd.DataFrame
    returns: pd.DataFrame
    config: BacktestConfig
    symbols: list[str]
    separate: bool
    chunks: int = 1
    run_id: int | None = field(default=None, compare=False)

    def by_combo(self) -> pd.DataFrame:
        """One row per combination (figures averaged over symbols that ran alone), best first."""
        if not self.separate:
            return self.table
        keys = ["combo", *self.param_names]
        numeric = [c for c in self.table.columns if c not in (*keys, "symbol")]
        frame = self.table.groupby(keys, sort=False)[numeric].mean().reset_index()
        return _ranked(frame, self.objective, self.maximize)

    @property
    def best_params(self) -> dict[str, ParamValue]:
        best = self.by_combo()
        # column by column: a row of mixed ints and floats would turn every int into a float
        return {name: _plain(best[name].iloc[0]) for name in self.param_names}

    @property
    def best_value(self) -> float:
        return float(self.by_combo()[self.objective].iloc[0])

    def heatmap(self, x: str | None = None, y: str | None = None, metric: str | None = None) -> Any:
        """``metric`` (default the objective) over two grid parameters, averaged over the rest."""
        from workbench.strategy.figures import heatmap_figure

        varied = [p for p in self.grid_params if self.table[p].nunique() > 1]
        x = x or (varied[0] if varied else None)
        y = y or next((p for p in varied if p != x), None)
        if x is None or y is None or x == y:
            raise ValidationError("a heatmap needs two grid parameters that take several values")
        metric = metric or self.objective
        frame = self.table.groupby([y, x], sort=True)[metric].mean().reset_index()
        return heatmap_figure(frame, x=x, y=y, metric=metric, title=f"{self.strategy}: {metric}")

    def overfitting(self, splits: int = 16) -> OverfittingReport:
        """Deflated Sharpe ratio of the best combination and the probability of backtest
        overfitting over all of them."""
        return overfitting_report(self.returns, splits=splits)

    @cached_property
    def _diagnostics(self) -> dict[str, Any] | None:
        try:
            return self.overfitting().to_dict()
        except DataError:  # too few bars or combinations that move to diagnose
            return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "strategy": self.strategy,
            "objective": self.objective,
            "maximize": self.maximize,
            "combinations": int(self.returns.shape[1]),
            "portfolios": len(self.table),
            "chunks": self.chunks,
            "separate": self.separate,
            "symbols": list(self.symbols),
            "best_params": self.best_params,
            "best_value": self.best_value,
            "top": self.by_combo().head(10).to_dict(orient="records"),
            "overfitting": self._diagnostics,
        }


@dataclass(frozen=True, eq=False)
class _Chunk:
    strategy: Strategy
    first: int  # number of the chunk's first combination
    combos: list[dict[str, ParamValue]]
    config: BacktestConfig
    separate: bool
    extra_metric: str | None
    first_decision: int = 0  # the bars before it only warm the strategy up


@dataclass(frozen=True, eq=False)
class _ChunkOutput:
    metrics: dict[str, FloatArray]
    orders: npt.NDArray[np.int64]
    combo_returns: FloatArray


def grid_search(
    strategy: str | Strategy,
    bars: Bars,
    grid: Mapping[str, object],
    config: BacktestConfig | None = None,
    *,
    objective: str = "sharpe",
    maximize: bool | None = None,
    constraints: Sequence[str | Constraint] = (),
    separate: bool = False,
    memory_mb: float = DEFAULT_MEMORY_MB,
    executor: Executor | None = None,
    progress: Progress | None = None,
    trade_from: Any = None,
) -> GridResult:
    """Backtest every combination of ``grid`` (see ``ParamSpace.grid``) and rank by
    ``objective`` (any ``FAST_METRICS`` name or ``PerformanceSummary`` field; ``maximize``
    defaults to True except for volatility). ``separate`` runs each symbol as its own
    portfolio instead of one portfolio over all symbols. ``trade_from`` (a timestamp)
    starts the window, as in ``backtest``: earlier bars only warm up, and the figures and
    returns cover the window alone."""
    chosen = get_strategy(strategy)
    config = config or BacktestConfig()
    check_metric(objective)
    maximize = objective not in MINIMIZED if maximize is None else maximize
    combos = chosen.space.grid(grid, constraints)
    extra = None if objective in FAST_METRICS else objective
    first = 0 if trade_from is None else int(bars.index.searchsorted(pd.Timestamp(trade_from)))
    if len(bars) - first < 2:
        raise DataError(f"a grid needs at least 2 bars in its window, got {len(bars) - first}")
    size = plan_chunks(len(combos), len(bars.symbols), len(bars), memory_mb)
    chunks = [
        _Chunk(chosen, start, combos[start : start + size], config, separate, extra, first)
        for start in range(0, len(combos), size)
    ]
    outputs = (executor or LocalExecutor()).map(_run_chunk, chunks, bars, progress)
    table = _table(chunks, outputs, bars.symbols, separate)
    returns = pd.DataFrame(
        np.hstack([o.combo_returns for o in outputs]),
        index=bars.index[first:],
        columns=range(len(combos)),
    )
    return GridResult(
        strategy=chosen.name,
        objective=objective,
        maximize=maximize,
        grid_params=list(grid),
        param_names=chosen.space.names(),
        table=_ranked(table, objective, maximize),
        returns=returns,
        config=config,
        symbols=bars.symbols,
        separate=separate,
        chunks=len(chunks),
    )


def plan_chunks(n_combos: int, n_symbols: int, n_bars: int, memory_mb: float) -> int:
    """Combinations per chunk so that one chunk's columns fit in ``memory_mb``."""
    if not memory_mb > 0:
        raise ValidationError(f"memory_mb must be positive, got {memory_mb!r}")
    per_combo = n_symbols * n_bars * _BYTES_PER_CELL
    return max(1, min(n_combos, math.floor(memory_mb * 2**20 / per_combo)))


def _run_chunk(chunk: _Chunk, bars: Bars) -> _ChunkOutput:
    n_symbols = len(bars.symbols)
    layout = Layout(len(chunk.combos), n_symbols, chunk.separate)
    first = chunk.first_decision
    _, portfolio = simulate_combos(chunk.strategy, bars, chunk.combos, chunk.config, layout, first)
    equity = equity_matrix(portfolio)[first:]  # nothing trades before the window
    orders_of = portfolio.orders
    records = orders_of.values
    # the largest objects of the chunk, and vectorbt's Portfolio and Orders sit in reference
    # cycles (their indexers, their configs): without their attributes cleared, their frames
    # wait for the cyclic collector and chunks pile up (the 6,000-portfolio grid: 545 MB, not 459)
    for cyclic in (orders_of, portfolio):
        vars(cyclic).clear()
    del orders_of, portfolio
    previous = np.vstack([np.full((1, equity.shape[1]), chunk.config.initial_cash), equity[:-1]])
    returns = equity / previous - 1.0
    metrics = metric_columns(returns)
    if chunk.extra_metric is not None:
        name = chunk.extra_metric
        metrics[name] = np.array(
            [summary_metric(pd.Series(col, index=bars.index[first:]), name) for col in returns.T]
        )
    owner = records["col"] if chunk.separate else records["col"] // n_symbols
    orders = np.bincount(owner, minlength=layout.n_portfolios).astype(np.int64)
    if chunk.separate:
        returns = returns.reshape(len(returns), len(chunk.combos), n_symbols).mean(axis=2)
    return _ChunkOutput(metrics, orders, returns)


def _table(
    chunks: Sequence[_Chunk], outputs: Sequence[_ChunkOutput], symbols: list[str], separate: bool
) -> pd.DataFrame:
    frames = []
    for chunk, output in zip(chunks, outputs, strict=True):
        per = len(symbols) if separate else 1
        rows = [
            {"combo": chunk.first + k, **combo}
            for k, combo in enumerate(chunk.combos)
            for _ in range(per)
        ]
        frame = pd.DataFrame(rows)
        if separate:
            frame.insert(len(frame.columns), "symbol", symbols * len(chunk.combos))
        for name, values in output.metrics.items():
            frame[name] = values
        frame["orders"] = output.orders
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _ranked(frame: pd.DataFrame, objective: str, maximize: bool) -> pd.DataFrame:
    ordered = frame.sort_values(
        [objective, "combo"], ascending=[not maximize, True], na_position="last", kind="stable"
    )
    return ordered.reset_index(drop=True)


def _plain(value: Any) -> ParamValue:
    if hasattr(value, "item"):
        value = value.item()
    return value  # type: ignore[no-any-return]
