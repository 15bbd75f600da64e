"""Conditions on the book and on events: portfolio rules (drawdown, daily loss, weight drift,
exposure and VaR utilisation) read a ``PortfolioSnapshot``; event rules (disconnected, order
rejected, reconciliation mismatch) read the bus's payloads (``workbench.core.topics``); stale
data reads the latest-price cache against the clock and the trading calendar.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from workbench.core import topics
from workbench.monitoring.conditions import Trigger
from workbench.monitoring.quotes import to_nanos
from workbench.monitoring.rules import RuleSpec

__all__ = ["EVENT_KINDS", "PortfolioCondition", "PortfolioSnapshot", "event_trigger"]


@dataclass(frozen=True)
class PortfolioSnapshot:
    """One account's book valued at ``at``: weights are market value / equity (signed)."""

    account: str
    at: datetime
    equity: float
    day_start_equity: float | None = None
    weights: Mapping[str, float] = field(default_factory=dict)
    gross_exposure: float = 0.0
    #: one-day historical VaR of the book in account currency, when it was computed
    var: float | None = None


class PortfolioCondition:
    """One portfolio rule; edge-triggered like the price rules. Drawdown is measured from the
    highest equity this condition has seen for the account."""

    def __init__(self, rule: RuleSpec) -> None:
        self.rule = rule
        self.peak: float | None = None
        self._true = False

    def on_snapshot(self, book: PortfolioSnapshot) -> Trigger | None:
        if self.rule.scope and self.rule.scope != book.account:
            return None
        found = self._check(book)
        rising, self._true = found is not None and not self._true, found is not None
        if not rising or found is None:
            return None
        state, message, details = found
        details = {"account": book.account, "equity": book.equity, **details}
        return Trigger(state, f"{book.account}: {message}", to_nanos(book.at), details)

    def _check(self, book: PortfolioSnapshot) -> tuple[str, str, dict[str, Any]] | None:
        params, kind = self.rule.params, self.rule.kind
        if kind == "drawdown":
            self.peak = book.equity if self.peak is None else max(self.peak, book.equity)
            depth = 1 - book.equity / self.peak if self.peak > 0 else 0.0
            if depth >= params["max_drawdown"]:
                return (
                    "breach",
                    f"drawdown {depth:.2%} from peak {self.peak:,.2f}",
                    {"drawdown": depth, "peak": self.peak},
                )
        elif kind == "daily_loss" and book.day_start_equity is not None:
            loss = book.day_start_equity - book.equity
            if loss >= params["max_loss"]:
                return (
                    "breach",
                    f"down {loss:,.2f} today (limit {params['max_loss']:,.2f})",
                    {"loss": loss},
                )
        elif kind == "weight_drift":
            return _drift(params["targets"], params["band"], book.weights)
        elif kind in {"exposure_limit", "var_limit"}:
            used = book.gross_exposure if kind == "exposure_limit" else book.var
            if used is not None and used / params["limit"] >= params["utilisation"]:
                share = used / params["limit"]
                what = "gross exposure" if kind == "exposure_limit" else "VaR"
                return (
                    "breach",
                    f"{what} {used:,.2f} is {share:.0%} of limit {params['limit']:,.2f}",
                    {"used": used, "utilisation": share},
                )
        return None


def _drift(
    targets: Mapping[str, float], band: float, weights: Mapping[str, float]
) -> tuple[str, str, dict[str, Any]] | None:
    drifts = {s: weights.get(s, 0.0) - t for s, t in targets.items()}
    drifts.update({s: w for s, w in weights.items() if s not in targets and w != 0})
    outside = {s: d for s, d in drifts.items() if abs(d) > band}
    if not outside:
        return None
    worst = max(outside, key=lambda s: abs(outside[s]))
    return (
        "drift",
        f"rebalance due: {worst} is {outside[worst]:+.2%} off target (band {band:.2%})",
        {"drift": outside},
    )


#: the topics each event rule listens to
EVENT_KINDS: dict[str, tuple[str, ...]] = {
    "disconnected": (topics.STREAM_STATUS, topics.BROKER_STATUS),
    "order_rejected": (topics.ORDER_REJECTED,),
    "reconciliation_mismatch": (topics.RECONCILIATION,),
}


def event_trigger(
    rule: RuleSpec, topic: str, payload: Mapping[str, Any], at: datetime
) -> Trigger | None:
    """The trigger ``payload`` on ``topic`` raises for ``rule``, if any."""
    if topic not in EVENT_KINDS.get(rule.kind, ()):
        return None
    scope = rule.scope
    if rule.kind == "disconnected":
        source = str(payload.get("source") or payload.get("broker") or topic)
        if payload.get("connected", True) or (scope and scope != source):
            return None
        reason = payload.get("reason") or "no reason given"
        if reason == "stopped":
            return None  # a deliberate stop (the stream adapter says so) is not an outage
        return Trigger(
            "down",
            f"{source} disconnected: {reason}",
            to_nanos(at),
            {"source": source, "reason": reason},
        )
    if rule.kind == "order_rejected":
        matched = {payload.get("symbol"), payload.get("strategy"), payload.get("account")}
        if scope and scope not in matched:
            return None
        symbol, why = payload.get("symbol"), payload.get("reason") or "no reason given"
        return Trigger(
            str(payload.get("client_order_id") or "order"),
            f"order {payload.get('side', '')} {symbol} rejected by {payload.get('rule')}: {why}",
            to_nanos(at),
            {k: payload.get(k) for k in ("account", "client_order_id", "symbol", "rule", "reason")},
        )
    if payload.get("ok", True) or (scope and scope != payload.get("account")):
        return None
    differences = list(payload.get("differences") or [])
    summary = "; ".join(str(d) for d in differences[:3]) or "differences found"
    return Trigger(
        "mismatch",
        f"reconciliation of {payload.get('account')} found: {summary}",
        to_nanos(at),
        {"account": payload.get("account"), "differences": differences},
    )
