"""Backtest/paper parity: the same strategy over the same bars, traded by vectorbt and by the
risk gate + OMS + matching engine, compared decision by decision, fill by fill, and in final
equity, with each difference explained.

The explanations are the mechanisms that make the two differ, each checked, not guessed:

* **signals** come from the same strategy code over the same bars, so they must agree; a
  disagreement is a bug (look-ahead, or state the live runner keeps that the backtest does not);
* **quantities**: the paper run trades whole shares (rounded down), the backtest fractional
  ones; a partial fill (the volume share limit) leaves the paper order short; after the first
  difference, each side sizes from its own equity, so later orders drift apart;
* **prices**: both fill at the session's open; the paper fill pays half the quoted spread and
  the fill model's slippage, the backtest its ``slippage`` setting; the report measures each
  in basis points against the open;
* **missing trades**: a paper order the risk gate or the broker rejected (with its reason), a
  quantity that rounds to zero shares, or a decision the backtest ignored.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

import pandas as pd

__all__ = ["ParityReport", "SignalDifference", "TradeComparison", "compare_runs"]

_QTY_TOLERANCE = 1e-6
_BPS = 10_000.0


@dataclass(frozen=True)
class TradeComparison:
    session: str
    symbol: str
    side: str
    backtest_qty: float | None
    backtest_price: float | None
    paper_qty: float | None
    paper_price: float | None
    open_price: float | None
    backtest_cost_bps: float | None
    paper_cost_bps: float | None
    explanation: str


@dataclass(frozen=True)
class SignalDifference:
    session: str
    symbol: str
    backtest: str
    paper: str


@dataclass(frozen=True)
class ParityReport:
    run_id: int
    strategy: str
    sessions: int
    signals_compared: int
    signal_differences: list[SignalDifference]
    trades: list[TradeComparison]
    equity: list[dict[str, Any]]
    paper_final: float
    backtest_final: float
    explanations: list[str] = field(default_factory=list)

    @property
    def final_difference(self) -> float:
        return self.paper_final - self.backtest_final

    @property
    def signals_agree(self) -> bool:
        return not self.signal_differences

    def tables(self) -> dict[str, list[dict[str, Any]]]:
        """Every table as rows of plain values (reports and --json render these)."""
        return {
            "trades": [asdict(t) for t in self.trades],
            "signal_differences": [asdict(s) for s in self.signal_differences],
            "equity": self.equity,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "strategy": self.strategy,
            "sessions": self.sessions,
            "signals_compared": self.signals_compared,
            "signals_agree": self.signals_agree,
            "paper_final": self.paper_final,
            "backtest_final": self.backtest_final,
            "final_difference": self.final_difference,
            "explanations": self.explanations,
            **self.tables(),
        }


def compare_runs(
    *,
    run_id: int,
    strategy: str,
    paper_fills: pd.DataFrame,
    paper_orders: pd.DataFrame,
    paper_equity: pd.Series,
    paper_signals: dict[str, dict[str, Any]],
    backtest_orders: pd.DataFrame,
    backtest_equity: pd.Series,
    backtest_signals: dict[str, dict[str, Any]],
    opens: pd.DataFrame,
    backtest_slippage: float,
    paper_cost_bps: float,
) -> ParityReport:
    """Compare one paper run with its backtest.

    ``paper_fills``: session, symbol, side, qty, price (one row per fill); ``paper_orders``:
    session, symbol, side, qty, filled_qty, status, reason (by decision session + 1);
    ``*_equity``: by session date; ``*_signals``: {session: {symbol: signal}};
    ``backtest_orders``: the result's orders (timestamp, symbol, side, qty, price);
    ``opens``: opening prices by session (rows) and symbol (columns).
    """
    signal_diffs, compared = _signals(paper_signals, backtest_signals)
    trades = _trades(
        paper_fills, paper_orders, backtest_orders, opens, backtest_slippage, paper_cost_bps
    )
    equity = _equity(paper_equity, backtest_equity)
    paper_final = float(paper_equity.iloc[-1]) if len(paper_equity) else 0.0
    backtest_final = float(backtest_equity.iloc[-1]) if len(backtest_equity) else 0.0
    report = ParityReport(
        run_id=run_id,
        strategy=strategy,
        sessions=len(paper_equity),
        signals_compared=compared,
        signal_differences=signal_diffs,
        trades=trades,
        equity=equity,
        paper_final=paper_final,
        backtest_final=backtest_final,
    )
    return ParityReport(**{**report.__dict__, "explanations": _summary(report, paper_cost_bps)})


def _signals(
    paper: dict[str, dict[str, Any]], backtest: dict[str, dict[str, Any]]
) -> tuple[list[SignalDifference], int]:
    differences, compared = [], 0
    for session in sorted(set(paper) & set(backtest)):
        ours, theirs = paper[session], backtest[session]
        for symbol in sorted(set(ours) | set(theirs)):
            compared += 1
            a, b = ours.get(symbol, "hold"), theirs.get(symbol, "hold")
            if not _same_signal(a, b):
                differences.append(SignalDifference(session, symbol, str(b), str(a)))
    return differences, compared


def _same_signal(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(float(a) - float(b)) <= 1e-6
    return str(a) == str(b)


def _trades(
    fills: pd.DataFrame,
    orders: pd.DataFrame,
    backtest: pd.DataFrame,
    opens: pd.DataFrame,
    slippage: float,
    paper_cost: float,
) -> list[TradeComparison]:
    keys = ["session", "symbol", "side"]
    paper = _aggregate(fills, keys)
    theirs = backtest.assign(session=backtest["timestamp"].map(_day))
    theirs = _aggregate(theirs[[*keys, "qty", "price"]], keys)
    merged = paper.merge(theirs, on=keys, how="outer", suffixes=("_paper", "_backtest"), sort=True)
    orders_by_key = {
        (str(r.session), str(r.symbol), str(r.side)): r for r in orders.itertuples(index=False)
    }
    rows = []
    for row in merged.itertuples(index=False):
        session, symbol, side = str(row.session), str(row.symbol), str(row.side)
        opening = _open(opens, session, symbol)
        p_qty, p_price = _num(row.qty_paper), _num(row.price_paper)
        b_qty, b_price = _num(row.qty_backtest), _num(row.price_backtest)
        order = orders_by_key.get((session, symbol, side))
        rows.append(
            TradeComparison(
                session=session,
                symbol=symbol,
                side=side,
                backtest_qty=b_qty,
                backtest_price=b_price,
                paper_qty=p_qty,
                paper_price=p_price,
                open_price=opening,
                backtest_cost_bps=_cost_bps(b_price, opening, side),
                paper_cost_bps=_cost_bps(p_price, opening, side),
                explanation=_explain(p_qty, b_qty, p_price, b_price, order, slippage, paper_cost),
            )
        )
    return rows


def _explain(
    p_qty: float | None,
    b_qty: float | None,
    p_price: float | None,
    b_price: float | None,
    order: Any,
    slippage: float,
    paper_cost: float,
) -> str:
    if p_qty is None:
        if order is not None and str(order.status) == "rejected":
            return f"paper order rejected: {order.reason}"
        if b_qty is not None and b_qty < 1:
            return "backtest trade under one share: the paper run trades whole shares"
        return "only the backtest traded: the paper run held a different position here"
    if b_qty is None:
        return "only the paper run traded: the backtest held a different position here"
    notes = []
    gap = p_qty - b_qty
    if (
        order is not None
        and _num(order.qty) is not None
        and _num(order.filled_qty) is not None
        and float(order.filled_qty) + _QTY_TOLERANCE < float(order.qty)
    ):
        notes.append(
            f"partial fill: {float(order.filled_qty):g} of {float(order.qty):g} shares "
            "(the bar's volume share limit)"
        )
    if abs(gap) <= _QTY_TOLERANCE:
        notes.append("same quantity")
    elif abs(gap) < 1:
        notes.append(f"whole shares: paper {p_qty:g} vs backtest {b_qty:.4f} (fractional)")
    else:
        notes.append(
            f"sized differently: paper {p_qty:g} vs backtest {b_qty:.4f} shares (the paper "
            "plan prices at the decision bar's close in whole shares, the backtest at the fill "
            "price in fractions, each from its own equity)"
        )
    if p_price is not None and b_price is not None:
        notes.append(
            f"price: paper {p_price:.4f} vs backtest {b_price:.4f} "
            f"(paper pays ~{paper_cost:.1f} bp of spread and slippage, "
            f"the backtest {slippage * _BPS:.1f} bp)"
        )
    return "; ".join(notes)


def _equity(paper: pd.Series, backtest: pd.Series) -> list[dict[str, Any]]:
    rows = []
    for day, value in paper.items():
        theirs = backtest.get(day)
        rows.append(
            {
                "session": str(day),
                "paper": float(value),
                "backtest": None if theirs is None else float(theirs),
                "difference": None if theirs is None else float(value) - float(theirs),
            }
        )
    return rows


def _summary(report: ParityReport, paper_cost: float) -> list[str]:
    lines = []
    if report.signals_agree:
        lines.append(f"all {report.signals_compared} decisions agree (same code, same bars)")
    else:
        lines.append(
            f"{len(report.signal_differences)} of {report.signals_compared} decisions differ: "
            "the strategy saw different data or kept state the backtest does not"
        )
    both = [t for t in report.trades if t.paper_qty is not None and t.backtest_qty is not None]
    only_b = [t for t in report.trades if t.paper_qty is None]
    only_p = [t for t in report.trades if t.backtest_qty is None]
    lines.append(
        f"{len(both)} trades on both sides, {len(only_b)} only in the backtest, "
        f"{len(only_p)} only in the paper run"
    )
    costs = [t.paper_cost_bps for t in both if t.paper_cost_bps is not None]
    if costs:
        lines.append(
            f"paper fills paid {sum(costs) / len(costs):.2f} bp over the open on average "
            f"(model: {paper_cost:.2f} bp, then rounded to the cent)"
        )
    diff = report.final_difference
    base = report.backtest_final or 1.0
    lines.append(
        f"final equity: paper {report.paper_final:,.2f} vs backtest {report.backtest_final:,.2f} "
        f"({diff:+,.2f}, {diff / base:+.3%})"
    )
    return lines


def _aggregate(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=[*keys, "qty", "price"])
    frame = frame.assign(value=frame["qty"].astype(float) * frame["price"].astype(float))
    grouped = frame.assign(qty=frame["qty"].astype(float)).groupby(keys, as_index=False)
    summed = grouped.agg(qty=("qty", "sum"), value=("value", "sum"))
    return summed.assign(price=summed["value"] / summed["qty"]).drop(columns="value")


def _day(stamp: Any) -> str:
    value = pd.Timestamp(stamp)
    if value.tzinfo is not None:
        value = value.tz_convert("America/New_York").tz_localize(None)
    return str(value.date())


def _open(opens: pd.DataFrame, session: str, symbol: str) -> float | None:
    try:
        value: Any = opens.loc[pd.Timestamp(session), symbol]
    except KeyError:
        return None
    return _num(value)


def _cost_bps(price: float | None, opening: float | None, side: str) -> float | None:
    if price is None or not opening:
        return None
    sign = 1.0 if side == "buy" else -1.0
    return sign * (price / opening - 1.0) * _BPS


def _num(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, Decimal):
        return float(value)
    try:
        return None if pd.isna(value) else float(value)
    except (TypeError, ValueError):
        return None
