"""Use cases of the strategy engine: list and show strategies, backtest, optimise, walk forward,
and reload stored results.

Each function reads the bars it needs from ``rt.data``, runs ``workbench.strategy`` and, unless
told not to, stores the result (a ``runs`` row in ``rt.ledger``, frames under
``<home>/runs/<id>/``). They run on daily bars, indexed by New York session date (the
statistics annualise over 252 sessions). vectorbt loads inside the engine on first use, not
when this module is imported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd

from workbench.core.errors import NotFound, ValidationError
from workbench.core.progress import Progress
from workbench.data import bars_dataset
from workbench.model import validate_period
from workbench.model.symbols import normalize_symbols
from workbench.strategy import (
    BacktestConfig,
    BacktestResult,
    Bars,
    GridResult,
    Sizing,
    WalkForwardResult,
    get_strategy,
    list_runs,
    list_strategies,
    load_run,
    make_executor,
    save_run,
)
from workbench.strategy import backtest as run_backtest
from workbench.strategy import grid_search as run_grid
from workbench.strategy import walk_forward as run_walk_forward
from workbench.strategy.grid import DEFAULT_MEMORY_MB
from workbench.strategy.store import StoredResult

if TYPE_CHECKING:
    from workbench.runtime import Runtime

__all__ = [
    "DEFAULT_RECORDS",
    "RECORD_TABLES",
    "RESULT_KINDS",
    "BacktestConfig",
    "Progress",
    "Sizing",
    "backtest",
    "load_bars",
    "load_window",
    "optimize",
    "results",
    "run_records",
    "runs",
    "show",
    "strategies",
    "walk_forward",
]

#: a stored backtest's record tables, and how many rows ``run_records`` gives by default
RECORD_TABLES = ("trades", "orders")
#: the kinds of run that store a strategy result (``results`` reloads them)
RESULT_KINDS = ("backtest", "optimize", "walk_forward")
DEFAULT_RECORDS = 50


def strategies(rt: Runtime) -> list[dict[str, Any]]:
    """Name, kind, summary, parameters and constraints of every registered strategy."""
    return [_describe(s) for s in list_strategies()]


def show(rt: Runtime, name: str) -> dict[str, Any]:
    return _describe(get_strategy(name))


def load_bars(
    rt: Runtime,
    symbols: Sequence[str],
    start: date | None = None,
    end: date | None = None,
    *,
    timeframe: str = "1d",
) -> Bars:
    """The symbols' bars from the lake; every symbol must have bars in the range."""
    wanted = normalize_symbols(symbols)
    frame = rt.data.bars(wanted, start, end, timeframe)
    missing = sorted(set(wanted) - set(frame["symbol"].unique())) if len(frame) else wanted
    if missing:
        raise NotFound(
            f"no {timeframe} bars for {', '.join(missing)} in that range: see "
            "`workbench data list`, or load the sample with `workbench data load-sample`",
            symbols=missing,
        )
    bars = Bars.from_long(frame).select(wanted)
    return bars.by_session() if timeframe == "1d" else bars


def load_window(
    rt: Runtime,
    symbols: Sequence[str],
    start: date | None,
    end: date | None,
    warmup: int,
) -> tuple[Bars, pd.Timestamp | None]:
    """The window's bars with up to ``warmup`` bars before ``start`` (as many as the lake
    has), and the window's first bar time (None without ``start``: the window is all data).
    Every symbol must have bars inside the window."""
    validate_period(start, end)  # before reaching back for the warm-up (0001-01-01 - span)
    if start is None or warmup <= 0:
        bars = load_bars(rt, symbols, start, end)
        return bars, None if start is None else bars.index[0]
    # daily sessions: about 252 in 365 days; the margin covers holidays and gaps
    span = timedelta(days=int(warmup * 1.5) + 14)
    bars = load_bars(rt, symbols, start - span, end)
    if int(bars.index.searchsorted(pd.Timestamp(start))) < warmup:
        bars = load_bars(rt, symbols, None, end)  # fewer sessions than thought: take them all
    first = int(bars.index.searchsorted(pd.Timestamp(start)))
    empty = [s for s in bars.symbols if bars.close[s].iloc[first:].isna().all()]
    if first >= len(bars) or empty:
        missing = empty if first < len(bars) else bars.symbols
        raise NotFound(
            f"no 1d bars for {', '.join(missing)} in that range: see `workbench data list`, "
            "or load the sample with `workbench data load-sample`",
            symbols=missing,
        )
    return bars.iloc(max(0, first - warmup)), bars.index[first]


def backtest(
    rt: Runtime,
    name: str,
    symbols: Sequence[str],
    *,
    params: Mapping[str, object] | None = None,
    start: date | None = None,
    end: date | None = None,
    config: BacktestConfig | None = None,
    save: bool = True,
) -> BacktestResult:
    """Backtest ``start``..``end``, reading the strategy's warm-up bars before ``start``
    (decisions start at ``start``)."""
    config = config or BacktestConfig()
    strategy = get_strategy(name)
    values = strategy.validate(params)  # bad parameters fail before any data is read
    started = datetime.now(UTC)
    bars, window = load_window(rt, symbols, start, end, strategy.warmup(values))
    benchmark = _benchmark(rt, config.benchmark, bars)
    result = run_backtest(strategy, bars, values, config, benchmark=benchmark, trade_from=window)
    return _stored(rt, result, started) if save else result


def optimize(
    rt: Runtime,
    name: str,
    symbols: Sequence[str],
    grid: Mapping[str, object],
    *,
    start: date | None = None,
    end: date | None = None,
    config: BacktestConfig | None = None,
    objective: str = "sharpe",
    maximize: bool | None = None,
    constraints: Sequence[str] = (),
    separate: bool = False,
    workers: int | None = None,
    scheduler: str | None = None,
    memory_mb: float = DEFAULT_MEMORY_MB,
    save: bool = True,
    progress: Progress | None = None,
) -> GridResult:
    """Grid search; ``workers`` > 1 runs a Dask LocalCluster, ``scheduler`` an existing one."""
    strategy = get_strategy(name)
    warmup = _grid_warmup(strategy, grid, constraints)  # a bad grid fails before any read
    started = datetime.now(UTC)
    bars, window = load_window(rt, symbols, start, end, warmup)
    executor = make_executor(workers, scheduler)
    try:
        result = run_grid(
            strategy,
            bars,
            grid,
            config,
            objective=objective,
            maximize=maximize,
            constraints=constraints,
            separate=separate,
            memory_mb=memory_mb,
            executor=executor,
            progress=progress,
            trade_from=window,
        )
    finally:
        executor.close()
    return _stored(rt, result, started) if save else result


def walk_forward(
    rt: Runtime,
    name: str,
    symbols: Sequence[str],
    grid: Mapping[str, object],
    *,
    train: int = 504,
    test: int = 126,
    anchored: bool = False,
    start: date | None = None,
    end: date | None = None,
    config: BacktestConfig | None = None,
    objective: str = "sharpe",
    constraints: Sequence[str] = (),
    workers: int | None = None,
    scheduler: str | None = None,
    save: bool = True,
    progress: Progress | None = None,
) -> WalkForwardResult:
    strategy = get_strategy(name)
    warmup = _grid_warmup(strategy, grid, constraints)
    started = datetime.now(UTC)
    bars, window = load_window(rt, symbols, start, end, warmup)
    executor = make_executor(workers, scheduler)
    try:
        result = run_walk_forward(
            strategy,
            bars,
            grid,
            config,
            train=train,
            test=test,
            anchored=anchored,
            objective=objective,
            constraints=constraints,
            executor=executor,
            progress=progress,
            trade_from=window,
        )
    finally:
        executor.close()
    return _stored(rt, result, started) if save else result


def results(rt: Runtime, run_id: int) -> StoredResult:
    """A stored backtest, grid or walk-forward result, as the run returned it."""
    return load_run(rt.ledger, rt.settings.home, run_id)


def run_records(
    rt: Runtime, run_id: int, table: str, *, limit: int = DEFAULT_RECORDS, offset: int = 0
) -> dict[str, Any]:
    """``limit`` rows of a stored backtest's ``trades`` or ``orders`` (in time order) after
    the first ``offset``, as plain values, with how many there are in all."""
    if table not in RECORD_TABLES:
        raise ValidationError(f"a run's records are {' or '.join(RECORD_TABLES)}, not {table!r}")
    if limit < 1:
        raise ValidationError(f"--limit must be at least 1, got {limit}")
    if offset < 0:
        raise ValidationError(f"offset must be 0 or more, got {offset}")
    result = results(rt, run_id)
    if not isinstance(result, BacktestResult):
        raise ValidationError(
            f"run {run_id} is not a backtest: only a backtest keeps its {table} "
            "(backtest the chosen parameters to see them)"
        )
    frame: pd.DataFrame = getattr(result, table)
    when = "entry_time" if table == "trades" else "timestamp"
    frame = frame.sort_values(when, kind="stable")
    shown = frame.iloc[offset : offset + limit]
    return {
        "run_id": run_id,
        "table": table,
        "total": len(frame),
        "offset": offset,
        "shown": len(shown),
        "more": max(0, len(frame) - offset - len(shown)),
        "columns": [str(c) for c in frame.columns],
        "rows": [_plain_row(row) for row in shown.to_dict(orient="records")],
    }


def runs(
    rt: Runtime, *, kind: str | Sequence[str] | None = None, limit: int = 20, offset: int = 0
) -> list[dict[str, Any]]:
    """Stored runs, newest first (``kind``: one kind or several, e.g. ``RESULT_KINDS``)."""
    return list_runs(rt.ledger, kind=kind, limit=limit, offset=offset)


def _stored(rt: Runtime, result: Any, started: datetime) -> Any:
    return save_run(rt.ledger, rt.settings.home, result, started_at=started)


def _benchmark(rt: Runtime, symbol: str | None, bars: Bars) -> pd.Series[float] | None:
    """The benchmark's daily closes over the bars' span; None when the lake does not have it."""
    if symbol is None or symbol not in rt.data.symbols(bars_dataset("1d")):
        return None
    frame = rt.data.bars(symbol, bars.index[0].date(), bars.index[-1].date())
    if frame.empty:
        return None
    return Bars.from_long(frame).by_session().close[symbol]


def _grid_warmup(strategy: Any, grid: Mapping[str, object], constraints: Sequence[str]) -> int:
    """The warm-up of the grid's most demanding combination."""
    return int(max(strategy.warmup(c) for c in strategy.space.grid(grid, constraints)))


def _plain_row(row: Mapping[Any, Any]) -> dict[str, Any]:
    """Timestamps as ISO text, missing values (NaN, NaT) as None, numpy scalars as Python."""
    plain: dict[str, Any] = {}
    for key, value in row.items():
        if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
            plain[str(key)] = None
        elif isinstance(value, pd.Timestamp):
            plain[str(key)] = value.isoformat()
        else:
            plain[str(key)] = value.item() if hasattr(value, "item") else value
    return plain


def _describe(strategy: Any) -> dict[str, Any]:
    return {
        "name": strategy.name,
        "kind": strategy.kind,
        "summary": strategy.summary,
        **strategy.space.to_dict(),
    }
