"""Reconciliation: the ledger's orders, positions and cash against the broker's.

Run on start and periodically. What can be explained is repaired: orders the broker knows and
the ledger does not are adopted, fills missed while down are booked (from the broker's
cumulative quantities, so never twice), intents the broker never received are sent or dropped
as stale. What cannot be explained (a position or cash that still differs afterwards) is
reported, raised as a ``RECONCILIATION`` event for monitoring, and puts the account in
REDUCING until someone acknowledges it by resuming trading.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from workbench.core import topics
from workbench.core.errors import NotFound
from workbench.execution.control import set_trading_state
from workbench.execution.records import OPEN_STATUSES, cash_balance
from workbench.ledger import FillRow, OrderRow, PositionRow, append_audit
from workbench.model import TradingState

if TYPE_CHECKING:
    from workbench.execution.oms import OrderManager

__all__ = ["Difference", "ReconciliationReport", "reconcile"]

CASH_TOLERANCE = Decimal("0.01")


@dataclass(frozen=True)
class Difference:
    kind: str  # position, cash, order
    subject: str
    ledger: str
    broker: str

    @property
    def message(self) -> str:
        return f"{self.kind} {self.subject}: ledger {self.ledger}, broker {self.broker}"


@dataclass(frozen=True)
class ReconciliationReport:
    account: str
    adopted: list[str] = field(default_factory=list)
    fills_applied: int = 0
    recovered: list[str] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    state: TradingState = TradingState.ACTIVE

    @property
    def ok(self) -> bool:
        return not self.differences

    def to_dict(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "ok": self.ok,
            "adopted": self.adopted,
            "fills_applied": self.fills_applied,
            "recovered": self.recovered,
            "differences": [d.message for d in self.differences],
            "trading_state": str(self.state),
        }


def reconcile(oms: OrderManager, *, actor: str = "reconciliation") -> ReconciliationReport:
    known, fills_before = _ledger_orders(oms)
    oms.process_events(actor=actor)
    recovered = [view.client_order_id for view in oms.recover(actor=actor)]
    still_open = _ledger_orders(oms)[0]["open"]
    broker_orders = {order.client_order_id: order for order in oms.broker.orders("all")}
    for cid in still_open - set(broker_orders):
        try:
            broker_orders[cid] = oms.broker.get_order_by_client_id(cid)
        except NotFound:
            continue  # an intent recover() just dropped or resent
    adopted = sorted(set(broker_orders) - known["all"])
    for order in broker_orders.values():
        oms.apply_snapshot(order, actor=actor, kind="reconciled")
    _, fills_after = _ledger_orders(oms)
    differences = _positions(oms) + _cash(oms)
    state = oms.trading_state()
    if differences and state is TradingState.ACTIVE:
        state = set_trading_state(
            oms,
            TradingState.REDUCING,
            actor=actor,
            reason="reconciliation found differences: " + "; ".join(d.message for d in differences),
        ).state
    report = ReconciliationReport(
        account=oms.account_name,
        adopted=adopted,
        fills_applied=fills_after - fills_before,
        recovered=recovered,
        differences=differences,
        state=state,
    )
    at = oms.now()
    with oms.ledger.session() as session:
        append_audit(
            session,
            kind="reconciliation",
            actor=actor,
            payload={**report.to_dict(), "at": at.isoformat()},
        )
    oms.bus.publish(topics.RECONCILIATION, {**report.to_dict(), "at": at.isoformat()})
    return report


def _ledger_orders(oms: OrderManager) -> tuple[dict[str, set[str]], int]:
    with oms.ledger.session(read_only=True) as session:
        rows = session.execute(
            sa.select(OrderRow.client_order_id, OrderRow.status).where(
                OrderRow.account_id == oms.account_id
            )
        ).all()
        fills = session.scalar(
            sa.select(sa.func.count(FillRow.id))
            .join(OrderRow, FillRow.order_id == OrderRow.id)
            .where(OrderRow.account_id == oms.account_id)
        )
    every = {cid for cid, _ in rows}
    still_open = {cid for cid, status in rows if status in OPEN_STATUSES}
    return {"all": every, "open": still_open}, int(fills or 0)


def _positions(oms: OrderManager) -> list[Difference]:
    with oms.ledger.session(read_only=True) as session:
        ours = {
            row.symbol: row.qty
            for row in session.scalars(
                sa.select(PositionRow).where(PositionRow.account_id == oms.account_id)
            )
            if row.qty != 0
        }
    theirs = {p.symbol: p.qty for p in oms.broker.positions() if p.qty != 0}
    return [
        Difference("position", symbol, str(ours.get(symbol, 0)), str(theirs.get(symbol, 0)))
        for symbol in sorted({*ours, *theirs})
        if ours.get(symbol, Decimal(0)) != theirs.get(symbol, Decimal(0))
    ]


def _cash(oms: OrderManager) -> list[Difference]:
    with oms.ledger.session(read_only=True) as session:
        ours = cash_balance(session, oms.account_id)
    theirs = oms.broker.account().cash
    if abs(ours - theirs) <= CASH_TOLERANCE:
        return []
    return [Difference("cash", oms.account_name, f"{ours:.2f}", f"{theirs:.2f}")]
