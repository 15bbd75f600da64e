"""Use case: the backtest/paper parity report of a paper run (``workbench trade parity``).

Paper runs and live runs (on the local exchange through the Alpaca adapter, or Alpaca) alike.
The backtest runs the run's strategy and parameters over the same bars (history up to the last
session, decisions before the run's first decision ignored), from the same starting equity,
with ``next_open`` execution (what the replay does) and, unless told otherwise, a slippage
equal to the paper fill model's cost (half the spread plus slippage), so what remains between
the two is what the report explains: whole shares, partial fills, rejections.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa

from workbench.core.errors import NotFound, ValidationError
from workbench.exchange.matching.config import MatchingConfig
from workbench.exchange.sessions import exchange_calendar
from workbench.execution.parity import ParityReport, compare_runs
from workbench.ledger import FillRow, OrderRow, RunRow
from workbench.ops.strategy import load_bars
from workbench.reporting import Table
from workbench.strategy import BacktestConfig, Bars, SignalStrategy, get_strategy
from workbench.strategy import backtest as run_backtest

if TYPE_CHECKING:
    from workbench.runtime import Runtime

__all__ = ["paper_cost_bps", "parity"]


def paper_cost_bps(config: MatchingConfig | None = None) -> float:
    """What a paper market order pays over the open: half the spread plus slippage."""
    config = config or MatchingConfig()
    return float(config.spread_bps / 2 + config.slippage_bps)


def parity(rt: Runtime, run_id: int, *, slippage: float | None = None) -> ParityReport:
    run = _run(rt, run_id)
    lines = _decisions(rt, run_id)
    equity_rows = (run["metrics"] or {}).get("equity", [])
    if run["kind"] == "live":
        lines, equity_rows = _as_traded(lines, equity_rows)
    if not lines or not equity_rows:
        raise ValidationError(f"run {run_id} has not traded a session yet: nothing to compare")
    strategy = get_strategy(run["strategy"])
    params = strategy.validate(run["params"]["strategy"])
    sessions = [row[0] for row in equity_rows]
    bars = load_bars(rt, run["symbols"], None, date.fromisoformat(sessions[-1]))
    first_decision = _previous_bar(bars, sessions[0])
    cost = paper_cost_bps()
    config = BacktestConfig(
        initial_cash=float(run["params"].get("initial_equity", equity_rows[0][1])),
        slippage=cost / 10_000 if slippage is None else slippage,
        benchmark=None,
    )
    result = run_backtest(strategy, bars, params, config, trade_from=first_decision)
    backtest_equity = result.equity.copy()
    backtest_equity.index = [str(pd.Timestamp(i).date()) for i in backtest_equity.index]
    paper_equity = pd.Series({row[0]: float(row[1]) for row in equity_rows})
    return compare_runs(
        run_id=run_id,
        strategy=run["strategy"],
        paper_fills=_fills(rt, run_id),
        paper_orders=_orders(rt, run_id, lines),
        paper_equity=paper_equity,
        paper_signals=_paper_signals(lines),
        backtest_orders=result.orders,
        backtest_equity=backtest_equity.reindex(paper_equity.index),
        backtest_signals=_backtest_signals(strategy, bars, params, sessions),
        opens=bars.open,
        backtest_slippage=config.slippage,
        paper_cost_bps=cost,
    )


def parity_tables(report: ParityReport) -> list[Table]:
    """The parity report as report tables (the execution and daily reports show them)."""
    trades = pd.DataFrame(report.tables()["trades"])
    equity = pd.DataFrame(report.tables()["equity"])
    money: dict[str, Any] = {
        "backtest_price": "money",
        "paper_price": "money",
        "open_price": "money",
    }
    bps: dict[str, Any] = {"backtest_cost_bps": "bps", "paper_cost_bps": "bps"}
    return [
        Table(
            "parity_trades",
            f"Backtest/paper parity of run {report.run_id}: trades",
            trades,
            {"backtest_qty": "number", "paper_qty": "number", **money, **bps},
            note="; ".join(report.explanations),
        ),
        Table(
            "parity_equity",
            "Backtest/paper parity: equity by session",
            equity,
            {"paper": "money", "backtest": "money", "difference": "money"},
        ),
    ]


def _run(rt: Runtime, run_id: int) -> dict[str, Any]:
    with rt.ledger.session(read_only=True) as session:
        row = session.get(RunRow, run_id)
        if row is None or row.kind not in ("paper", "live"):
            raise NotFound(
                f"no paper or live run {run_id}: parity compares a strategy run "
                "(`workbench trade run NAME`) with its backtest"
            )
        return {
            "kind": row.kind,
            "strategy": row.strategy,
            "params": dict(row.params),
            "symbols": list(row.symbols),
            "metrics": row.metrics,
        }


def _as_traded(
    lines: list[dict[str, Any]], equity: list[list[str]]
) -> tuple[list[dict[str, Any]], list[list[str]]]:
    """A live run records each cycle by the bar it decided on, and the equity at that bar's
    close; a paper run by the session its orders trade in. Shift the live run's decisions to
    the next session (when they trade), keep the equity of the sessions after the first
    decision, and drop the last decisions whose session no equity reading covers yet."""
    calendar = exchange_calendar()
    shifted = []
    for line in lines:
        decided = date.fromisoformat(str(line["session"]))
        after = calendar.session_on_or_after(decided + timedelta(days=1))
        if after is not None:
            shifted.append({**line, "session": after.date.isoformat()})
    if not shifted or not equity:
        return [], []
    first = str(lines[0]["session"])
    traded = [row for row in equity if row[0] > first]
    covered = {row[0] for row in traded}
    return [line for line in shifted if line["session"] in covered], traded


def _decisions(rt: Runtime, run_id: int) -> list[dict[str, Any]]:
    path = Path(rt.settings.home) / "runs" / str(run_id) / "decisions.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _previous_bar(bars: Bars, session: str) -> pd.Timestamp:
    index = bars.index
    position = int(index.searchsorted(pd.Timestamp(session))) - 1
    if position < 0:
        raise ValidationError(f"no bar before {session} to decide on")
    return pd.Timestamp(index[position])


def _fills(rt: Runtime, run_id: int) -> pd.DataFrame:
    with rt.ledger.session(read_only=True) as session:
        rows = session.execute(
            sa.select(FillRow.filled_at, FillRow.symbol, FillRow.side, FillRow.qty, FillRow.price)
            .join(OrderRow, FillRow.order_id == OrderRow.id)
            .where(OrderRow.run_id == run_id)
        ).all()
    frame = pd.DataFrame(rows, columns=["filled_at", "symbol", "side", "qty", "price"])
    if frame.empty:
        return pd.DataFrame(columns=["session", "symbol", "side", "qty", "price"])
    stamps = pd.to_datetime(frame["filled_at"], utc=True).dt.tz_convert("America/New_York")
    return pd.DataFrame(
        {
            "session": stamps.dt.date.astype(str),
            "symbol": frame["symbol"].astype(str),
            "side": frame["side"].astype(str),
            "qty": frame["qty"].astype(float),
            "price": frame["price"].astype(float),
        }
    )


def _orders(rt: Runtime, run_id: int, lines: list[dict[str, Any]]) -> pd.DataFrame:
    """The run's orders as they ended (the ledger), by the session they were sent for."""
    session_of = {
        order["client_order_id"]: line["session"]
        for line in lines
        for order in line.get("orders", [])
    }
    with rt.ledger.session(read_only=True) as session:
        found = session.scalars(sa.select(OrderRow).where(OrderRow.run_id == run_id)).all()
        rows = [
            {
                "session": session_of.get(row.client_order_id, ""),
                "symbol": row.symbol,
                "side": str(row.side),
                "qty": row.qty,
                "filled_qty": row.filled_qty,
                "status": str(row.status),
                "reason": row.reason,
            }
            for row in found
        ]
    columns = ["session", "symbol", "side", "qty", "filled_qty", "status", "reason"]
    return pd.DataFrame(rows, columns=columns)


def _paper_signals(lines: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each session's decision as the backtest's are put: a signal strategy's ``entry`` /
    ``exit`` / ``hold`` per symbol, an allocation's non-zero target weights."""
    found: dict[str, dict[str, Any]] = {}
    for line in lines:
        signals = line.get("signals", {})
        if "rebalance" in signals:
            found[line["session"]] = {}
        elif any(isinstance(value, str) for value in signals.values()):
            found[line["session"]] = {str(k): str(v) for k, v in signals.items()}
        else:
            found[line["session"]] = _nonzero(signals)
    return found


def _backtest_signals(
    strategy: Any, bars: Bars, params: dict[str, Any], sessions: list[str]
) -> dict[str, dict[str, Any]]:
    """The backtest's decision for each run session, taken at the bar before it."""
    index = bars.index
    rows = {s: int(index.searchsorted(pd.Timestamp(s))) - 1 for s in sessions}
    found: dict[str, dict[str, Any]] = {}
    if isinstance(strategy, SignalStrategy):
        aligned = strategy.signals(bars, params).aligned(bars)
        for session, row in rows.items():
            entries, exits = aligned.entries.iloc[row], aligned.exits.iloc[row]
            found[session] = {
                str(symbol): "entry"
                if entries[symbol] and not exits[symbol]
                else "exit"
                if exits[symbol]
                else "hold"
                for symbol in bars.symbols
            }
        return found
    # the first session's decision bar is the run's first decision: a rebalance
    targets = strategy.targets(bars, params, first=max(rows[sessions[0]], 0))
    for session, row in rows.items():
        weights = targets.iloc[row]
        found[session] = {} if weights.isna().all() else _nonzero(weights.to_dict())
    return found


def _nonzero(weights: dict[str, Any]) -> dict[str, Any]:
    return {
        str(k): round(float(v), 6)
        for k, v in weights.items()
        if isinstance(v, int | float) and not pd.isna(v) and abs(float(v)) > 1e-9
    }
