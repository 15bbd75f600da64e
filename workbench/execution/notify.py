"""What the OMS tells the event bus (``workbench.core.topics``): risk decisions, rejections and
order changes, with the payloads documented there."""

from __future__ import annotations

from datetime import datetime

from workbench.core import topics
from workbench.core.events import EventBus
from workbench.execution.risk import RiskDecision
from workbench.execution.views import OrderView
from workbench.model import Fill

__all__ = ["decision", "fill", "order", "rejected"]


def decision(
    bus: EventBus, account: str, view: OrderView, decision: RiskDecision, at: datetime
) -> None:
    bus.publish(
        topics.RISK_DECISION,
        {
            "account": account,
            "client_order_id": view.client_order_id,
            "symbol": view.symbol,
            "approved": decision.approved,
            "rule": None if decision.rejection is None else decision.rejection.rule,
            "reason": decision.reason,
            "checks": decision.to_dict().get("checks", []),
            "at": at.isoformat(),
        },
    )


def rejected(
    bus: EventBus,
    account: str,
    view: OrderView,
    rule: str | None,
    reason: str | None,
    at: datetime,
) -> None:
    bus.publish(
        topics.ORDER_REJECTED,
        {
            "account": account,
            "client_order_id": view.client_order_id,
            "symbol": view.symbol,
            "side": view.side,
            "qty": None if view.qty is None else str(view.qty),
            "notional": None if view.notional is None else str(view.notional),
            "rule": rule,
            "reason": reason,
            "strategy": view.strategy,
            "at": at.isoformat(),
        },
    )


def order(
    bus: EventBus, account: str, view: OrderView, previous: str | None, kind: str, at: datetime
) -> None:
    bus.publish(
        topics.ORDER,
        {
            "account": account,
            "order_id": view.id,
            "client_order_id": view.client_order_id,
            "symbol": view.symbol,
            "side": view.side,
            "status": view.status,
            "previous": previous,
            "kind": kind,
            "filled_qty": str(view.filled_qty),
            "reason": view.reason,
            "strategy": view.strategy,
            "at": at.isoformat(),
        },
    )


def fill(bus: EventBus, booked: Fill) -> None:
    """A fill the ledger has just booked (``order_id`` is the client order id)."""
    bus.publish(topics.FILL, booked)
