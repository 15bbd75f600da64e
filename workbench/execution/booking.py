"""Booking what the broker reports about an order: its fills, then its status.

Fills are applied from the broker's cumulative filled quantity, so a repeated or late report
books nothing and a missed one is booked by the next report or by reconciliation, exactly once;
a crash mid-fill therefore loses nothing. An order the broker knows and the ledger does not is
adopted, so its fills are booked from then on.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from workbench.adapters.ports import BrokerEvent
from workbench.execution import notify, records
from workbench.execution.accounting import PRICE_PLACES
from workbench.execution.crash_points import crash_point
from workbench.execution.states import can_transition, ledger_status
from workbench.execution.views import OrderView
from workbench.ledger import AccountRow, OrderRow, hold_audit_lock
from workbench.model import Fill, Order, OrderStatus

if TYPE_CHECKING:
    from workbench.execution.oms import OrderManager

__all__ = ["apply_snapshot"]

_log = logging.getLogger(__name__)


def apply_snapshot(
    oms: OrderManager,
    order: Order,
    *,
    actor: str,
    kind: str,
    event: BrokerEvent | None = None,
) -> OrderView:
    """Bring the ledger's order up to the broker's view of it: fills first (by cumulative
    quantity, so nothing is booked twice), then the status."""
    at = event.timestamp if event is not None else oms.now()
    account_id = oms.account_id  # linked before the transaction below opens
    fills: list[Fill] = []
    with oms.ledger.session() as session:
        # another process may book the same order (its fills happened in that process's
        # replay): read the order and its position only once no one else can write them
        hold_audit_lock(session)
        row = records.find_order(
            session, broker_order_id=order.id, client_order_id=order.client_order_id
        )
        previous = None if row is None else str(row.status)
        if row is None:
            row = _adopt(session, account_id, order, actor, at)
        row.broker_order_id = row.broker_order_id or order.id
        if row.submitted_at is None:
            row.submitted_at = order.created_at
        booked = _book_fills(session, row, order, event, actor, at)
        fills.extend(booked)
        target = ledger_status(order.status, order.filled_qty)
        if target is OrderStatus.PARTIALLY_FILLED and not booked:
            target = row.status  # a repeat of a partial fill already booked
        if target != row.status and not can_transition(row.status, target):
            # an older snapshot than what the ledger knows (events drained after a cancel,
            # say): the state machine refuses it, and the ledger stays where it is
            _log.debug("ignored %s -> %s for %s", row.status, target, row.client_order_id)
        elif target != row.status:
            records.change_status(
                session,
                row,
                target,
                kind,
                at=at,
                actor=actor,
                reason=order.reason if target is OrderStatus.REJECTED else None,
                payload={"broker_order_id": order.id},
            )
        elif booked and row.status is OrderStatus.PARTIALLY_FILLED:
            records.record_event(session, row, kind, at=at, actor=actor, status=row.status)
        view = OrderView.of(row)
    if previous != view.status or fills:
        notify.order(oms.bus, oms.account_name, view, previous, kind, at)
    for booked_fill in fills:
        notify.fill(oms.bus, booked_fill)
    if view.status == OrderStatus.REJECTED and previous != view.status:
        notify.rejected(oms.bus, oms.account_name, view, "broker", view.reason, at)
    return view


def _book_fills(
    session: Session,
    row: OrderRow,
    order: Order,
    event: BrokerEvent | None,
    actor: str,
    at: datetime,
) -> list[Fill]:
    booked_qty = row.filled_qty or Decimal(0)
    missing = order.filled_qty - booked_qty
    if missing <= 0:
        return []
    fill = event.fill if event is not None else None
    if fill is not None and fill.qty == missing and fill.fill_id:
        price, fill_id, when = fill.price, fill.fill_id, fill.timestamp
    else:
        # what the broker's cumulative average says the missing part cost
        paid = (order.filled_avg_price or Decimal(0)) * order.filled_qty
        price = (paid - (row.filled_avg_price or Decimal(0)) * booked_qty) / missing
        price = price.quantize(PRICE_PLACES)
        fill_id, when = f"{order.id}:{order.filled_qty}", at
    records.apply_fill_to_ledger(
        session, row, fill_id=fill_id, qty=missing, price=price, at=when, actor=actor
    )
    crash_point("mid_fill")
    booked = Fill(
        order_id=row.client_order_id,
        symbol=row.symbol,
        side=row.side,
        qty=missing,
        price=price,
        timestamp=when,
        fill_id=fill_id,
    )
    return [booked]


def _adopt(session: Session, account_id: int, order: Order, actor: str, at: datetime) -> OrderRow:
    """An order the broker knows and the ledger does not (placed elsewhere, or while the
    ledger was behind): recorded as found, with its fills booked from here on."""
    account = session.get(AccountRow, account_id)
    assert account is not None
    request = replace(order.request, client_order_id=order.client_order_id)
    row = records.add_order(
        session, account, request, status=OrderStatus.SUBMITTED, strategy=None, run_id=None
    )
    records.record_event(
        session,
        row,
        "adopted",
        at=at,
        actor=actor,
        status=OrderStatus.SUBMITTED,
        payload={"broker_order_id": order.id, "broker_status": str(order.status)},
    )
    return row
