"""Floor 3, the strategy engine: the ``Strategy`` protocol with signal and allocation kinds,
the built-ins, backtests on vectorbt, grid search, walk-forward, overfitting diagnostics,
optional Dask scale-out, and stored runs.

vectorbt and numba load only when a backtest runs (``workbench.strategy._vbt``), with numba's
cache in ``~/.cache/workbench/numba`` unless ``NUMBA_CACHE_DIR`` says otherwise. Writing your
own strategy: ``docs/strategies.md``.
"""

from workbench.strategy.backtest import backtest
from workbench.strategy.base import (
    REBALANCE_FREQUENCIES,
    AllocationStrategy,
    Bars,
    Params,
    Signals,
    SignalStrategy,
    Strategy,
    StrategyKind,
    rebalance_mask,
)
from workbench.strategy.config import BacktestConfig, Sizing
from workbench.strategy.distributed import DaskExecutor, Executor, LocalExecutor, make_executor
from workbench.strategy.grid import GridResult, grid_search
from workbench.strategy.lookahead import LookaheadReport, check_lookahead
from workbench.strategy.metrics import FAST_METRICS
from workbench.strategy.overfitting import (
    OverfittingReport,
    deflated_sharpe_ratio,
    overfitting_report,
    probability_of_backtest_overfitting,
)
from workbench.strategy.params import Constraint, Param, ParamSpace, ParamValue
from workbench.strategy.registry import get_strategy, list_strategies, register, unregister
from workbench.strategy.result import BacktestResult
from workbench.strategy.store import list_runs, load_run, save_run
from workbench.strategy.walkforward import (
    WalkForwardResult,
    Window,
    walk_forward,
    walk_forward_windows,
)

__all__ = [
    "FAST_METRICS",
    "REBALANCE_FREQUENCIES",
    "AllocationStrategy",
    "BacktestConfig",
    "BacktestResult",
    "Bars",
    "Constraint",
    "DaskExecutor",
    "Executor",
    "GridResult",
    "LocalExecutor",
    "LookaheadReport",
    "OverfittingReport",
    "Param",
    "ParamSpace",
    "ParamValue",
    "Params",
    "SignalStrategy",
    "Signals",
    "Sizing",
    "Strategy",
    "StrategyKind",
    "WalkForwardResult",
    "Window",
    "backtest",
    "check_lookahead",
    "deflated_sharpe_ratio",
    "get_strategy",
    "grid_search",
    "list_runs",
    "list_strategies",
    "load_run",
    "make_executor",
    "overfitting_report",
    "probability_of_backtest_overfitting",
    "rebalance_mask",
    "register",
    "save_run",
    "unregister",
    "walk_forward",
    "walk_forward_windows",
]
