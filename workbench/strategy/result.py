"""What a backtest leaves: equity, orders, trades, positions, exposure, the analysis engine's
statistics, and figures.

A result is plain frames (no vectorbt object), so the same class is what a fresh backtest
returns and what ``load_backtest`` rebuilds from the Parquet files of a stored run.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from workbench.analysis import (
    PerformanceSummary,
    drawdown_series,
    drawdown_table,
    performance_summary,
    price_returns,
)
from workbench.strategy.base import Bars, StrategyKind
from workbench.strategy.config import BacktestConfig
from workbench.strategy.params import ParamValue
from workbench.strategy.simulate import Plan, equity_matrix

__all__ = ["BacktestResult", "equity_returns", "result_from_portfolio"]

_REASONS = {0: "", 1: "signal", 2: "stop_loss", 3: "take_profit", 4: "trailing_stop"}


@dataclass(frozen=True, eq=False)
class BacktestResult:
    """``equity`` is the portfolio value at each bar's close. ``exposure`` has long and short
    (signed) position value, gross and net, all as fractions of equity, and ``turnover``
    (traded value over equity). ``prices`` are the symbols' closes, for the trade figure.
    Every frame covers the window only; the ``warmup_bars`` before it were read but not
    traded (fewer than ``warmup_needed`` when the data starts too late: ``warmup_note``)."""

    strategy: str
    kind: StrategyKind
    params: dict[str, ParamValue]
    symbols: list[str]
    config: BacktestConfig
    equity: pd.Series[float]
    benchmark: pd.Series[float] | None
    orders: pd.DataFrame
    trades: pd.DataFrame
    positions: pd.DataFrame
    exposure: pd.DataFrame
    prices: pd.DataFrame
    stats: PerformanceSummary
    run_id: int | None = None
    #: bars read before the window to warm the strategy up, and how many it asks for
    warmup_bars: int = 0
    warmup_needed: int = 0

    @property
    def returns(self) -> pd.Series[float]:
        return equity_returns(self.equity, self.config.initial_cash)

    @property
    def drawdown(self) -> pd.Series[float]:
        """Fraction below the running peak at each bar (0 or negative)."""
        return drawdown_series(self.returns)

    def drawdowns(self, top: int = 5) -> pd.DataFrame:
        return drawdown_table(self.returns, top=top)

    @property
    def final_equity(self) -> float:
        return float(self.equity.iloc[-1])

    @property
    def warmup_note(self) -> str | None:
        """Why the first decisions may differ from a longer history's, or None."""
        if self.warmup_bars >= self.warmup_needed:
            return None
        return (
            f"only {self.warmup_bars} of the {self.warmup_needed} warm-up bars "
            f"{self.strategy} needs exist before {self.equity.index[0].date()}: "
            "its first decisions may differ from a run with more history"
        )

    def with_run_id(self, run_id: int) -> BacktestResult:
        return replace(self, run_id=run_id)

    def figure_equity(self) -> Any:
        from workbench.strategy.figures import equity_figure

        return equity_figure(self.equity, self.benchmark, title=self._title())

    def figure_drawdown(self) -> Any:
        from workbench.strategy.figures import drawdown_figure

        return drawdown_figure(self.drawdown, title=self._title())

    def figure_trades(self, symbol: str | None = None) -> Any:
        from workbench.strategy.figures import trades_figure

        chosen = symbol or self.symbols[0]
        return trades_figure(self.prices[chosen], self.orders, chosen, title=self._title())

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe summary (the frames stay out; they are in the stored run)."""
        closed = self.trades[self.trades["status"] == "closed"] if len(self.trades) else None
        return {
            "run_id": self.run_id,
            "strategy": self.strategy,
            "kind": self.kind,
            "params": dict(self.params),
            "symbols": list(self.symbols),
            "start": self.equity.index[0].isoformat(),
            "end": self.equity.index[-1].isoformat(),
            "initial_cash": self.config.initial_cash,
            "final_equity": self.final_equity,
            "orders": len(self.orders),
            "trades": len(self.trades),
            "closed_trades": 0 if closed is None else len(closed),
            "warmup_bars": self.warmup_bars,
            "warmup_needed": self.warmup_needed,
            "warmup_note": self.warmup_note,
            "stats": self.stats.to_dict(),
            "config": self.config.to_dict(),
        }

    def _title(self) -> str:
        shown = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.strategy}({shown})" if shown else self.strategy


def equity_returns(equity: pd.Series[float], initial_cash: float) -> pd.Series[float]:
    """Simple returns of each bar, the first measured from the initial cash."""
    previous = equity.shift(1)
    previous.iloc[0] = initial_cash
    return (equity / previous - 1.0).rename("returns")


def compute_stats(
    equity: pd.Series[float],
    config: BacktestConfig,
    exposure: pd.DataFrame,
    trades: pd.DataFrame,
    benchmark: pd.Series[float] | None,
) -> PerformanceSummary:
    """The analysis engine's figures for this run (trade statistics per closed trade)."""
    pnl = trades.loc[trades["status"] == "closed", "pnl"].astype(float) if len(trades) else None
    bench = None
    if benchmark is not None and benchmark.notna().sum() > 2:
        bench = price_returns(benchmark.dropna())
    return performance_summary(
        equity_returns(equity, config.initial_cash),
        benchmark=bench,
        exposure=exposure["gross"],
        turnover=exposure["turnover"],
        trade_pnl=pnl if pnl is not None and len(pnl) else None,
    )


def result_from_portfolio(
    portfolio: Any,
    plan: Plan,
    bars: Bars,
    *,
    strategy: str,
    kind: StrategyKind,
    params: dict[str, ParamValue],
    config: BacktestConfig,
    benchmark_close: pd.Series[float] | None,
    first: int = 0,
    warmup_needed: int = 0,
) -> BacktestResult:
    """The result over the window ``bars[first:]``: nothing trades before ``first`` (the plan
    ignores those decisions), so the portfolio there is the initial cash and is left out."""
    index, symbols = bars.index, bars.symbols
    window = index[first:]
    equity = pd.Series(equity_matrix(portfolio)[first:, 0], index=window, name="equity")
    orders = _orders(portfolio.orders.values, plan, index, symbols)
    trades = _trades(portfolio.trades.values, plan, index, symbols)
    positions = pd.DataFrame(_matrix(portfolio.assets())[first:], index=window, columns=symbols)
    values = _matrix(portfolio.asset_value(group_by=False))[first:]
    exposure = _exposure(values, equity, orders)
    benchmark = _benchmark_equity(benchmark_close, window, config.initial_cash)
    return BacktestResult(
        strategy=strategy,
        kind=kind,
        params=params,
        symbols=symbols,
        config=config,
        equity=equity,
        benchmark=benchmark,
        orders=orders,
        trades=trades,
        positions=positions,
        exposure=exposure,
        prices=bars.close.iloc[first:].copy(),
        stats=compute_stats(equity, config, exposure, trades, benchmark),
        warmup_bars=first,
        warmup_needed=warmup_needed,
    )


def _orders(
    records: np.ndarray[Any, Any], plan: Plan, index: pd.DatetimeIndex, symbols: list[str]
) -> pd.DataFrame:
    rows, cols = records["idx"], records["col"]
    if plan.reason is not None:
        codes = np.abs(plan.reason[rows, cols]).astype(int)
        reasons = [_REASONS[int(c)] for c in codes]
    else:
        reasons = ["rebalance"] * len(records)
    return pd.DataFrame(
        {
            "timestamp": index[rows],
            "symbol": np.asarray(symbols, dtype=object)[cols],
            "side": np.where(records["side"] == 0, "buy", "sell"),
            "qty": records["size"],
            "price": records["price"],
            "fee": records["fees"],
            "reason": reasons,
        }
    ).astype({"symbol": "str", "side": "str", "reason": "str"})


def _trades(
    records: np.ndarray[Any, Any], plan: Plan, index: pd.DatetimeIndex, symbols: list[str]
) -> pd.DataFrame:
    closed = records["status"] == 1
    exit_rows = records["exit_idx"]
    if plan.reason is not None and len(records):
        codes = np.abs(plan.reason[exit_rows, records["col"]]).astype(int)
        reasons = np.where(closed, [_REASONS[int(c)] for c in codes], "")
    else:
        reasons = np.where(closed, "rebalance", "")
    exit_time = pd.Series(index[exit_rows]).where(closed)
    return pd.DataFrame(
        {
            "symbol": np.asarray(symbols, dtype=object)[records["col"]],
            "direction": np.where(records["direction"] == 0, "long", "short"),
            "qty": records["size"],
            "entry_time": index[records["entry_idx"]],
            "entry_price": records["entry_price"],
            "entry_fee": records["entry_fees"],
            "exit_time": exit_time.to_numpy(),
            "exit_price": records["exit_price"],
            "exit_fee": records["exit_fees"],
            "pnl": records["pnl"],
            "return": records["return"],
            "status": np.where(closed, "closed", "open"),
            "exit_reason": reasons,
        }
    ).astype({"symbol": "str", "direction": "str", "status": "str", "exit_reason": "str"})


def _exposure(
    values: np.ndarray[Any, Any], equity: pd.Series[float], orders: pd.DataFrame
) -> pd.DataFrame:
    long = np.where(values > 0, values, 0.0).sum(axis=1)
    short = np.where(values < 0, values, 0.0).sum(axis=1)
    level = equity.to_numpy()
    traded = (orders["qty"].abs() * orders["price"]).groupby(orders["timestamp"]).sum()
    turnover = traded.reindex(equity.index, fill_value=0.0).to_numpy() / level
    return pd.DataFrame(
        {
            "long": long / level,
            "short": short / level,
            "gross": (long - short) / level,
            "net": (long + short) / level,
            "turnover": turnover,
        },
        index=equity.index,
    )


def _benchmark_equity(
    close: pd.Series[float] | None, index: pd.DatetimeIndex, initial_cash: float
) -> pd.Series[float] | None:
    if close is None:
        return None
    window = close.dropna()
    window = window[(window.index >= index[0]) & (window.index <= index[-1])]
    if window.empty:
        return None
    return (initial_cash * window / float(window.iloc[0])).rename("benchmark")


def _matrix(values: Any) -> np.ndarray[Any, Any]:
    array = values.to_numpy() if hasattr(values, "to_numpy") else np.asarray(values)
    return np.asarray(array, dtype=np.float64).reshape(len(array), -1)
