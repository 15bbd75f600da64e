"""Recovery after a restart: settle every order whose fate the ledger does not know.

An order still ``new`` (an intent) or ``submitted`` (a send whose answer never came) is looked
up at the broker by its ``client_order_id``: if the broker has it, its state and fills are
adopted; if not, it never arrived, and it is sent now, unless the intent is older than the
OMS's ``resend_within`` (a stale day order must not trade on a later day), in which case it
ends rejected, with that reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from workbench.core.errors import NotFound
from workbench.execution.views import OrderView
from workbench.ledger import OrderEventRow, OrderRow
from workbench.model import OrderRequest, OrderStatus

if TYPE_CHECKING:
    from workbench.execution.oms import OrderManager

__all__ = ["recover", "refresh_open_orders", "request_of"]


def recover(oms: OrderManager, *, actor: str = "recovery") -> list[OrderView]:
    settled = []
    for view in oms.open_orders():
        if view.status not in (OrderStatus.NEW, OrderStatus.SUBMITTED):
            continue
        try:
            placed = oms.broker.get_order_by_client_id(view.client_order_id)
        except NotFound:
            settled.append(_resend_or_drop(oms, view, actor))
            continue
        settled.append(oms.apply_snapshot(placed, actor=actor, kind="recovered"))
    return settled


def refresh_open_orders(oms: OrderManager, *, actor: str) -> list[OrderView]:
    """Bring the open orders another process sent up to the broker's view of them."""
    refreshed = []
    for view in oms.open_orders():
        if view.broker_order_id is None or view.client_order_id in oms.sent_here:
            continue
        try:
            placed = oms.broker.get_order(view.broker_order_id)
        except NotFound:
            continue  # reconciliation reports what the broker has lost
        refreshed.append(oms.apply_snapshot(placed, actor=actor, kind="refreshed"))
    return refreshed


def _resend_or_drop(oms: OrderManager, view: OrderView, actor: str) -> OrderView:
    with oms.ledger.session(read_only=True) as session:
        row = session.get(OrderRow, view.id)
        assert row is not None
        request = request_of(row)
        # the venue's time of the intent (a replay's clock is not the machine's)
        intended = session.scalar(
            sa.select(OrderEventRow.occurred_at)
            .where(OrderEventRow.order_id == view.id, OrderEventRow.kind == "intent")
            .limit(1)
        )
    intended = intended or view.created_at
    if oms.now() - intended > oms.resend_within:
        return oms.reject(
            view.id, f"intent from {intended:%Y-%m-%d %H:%M} went stale unsent", actor
        )
    return oms.resend(view.id, request, actor)


def request_of(row: OrderRow) -> OrderRequest:
    return OrderRequest(
        symbol=row.symbol,
        side=row.side,
        qty=row.qty,
        notional=row.notional,
        type=row.type,
        time_in_force=row.time_in_force,
        limit_price=row.limit_price,
        stop_price=row.stop_price,
        trail_percent=row.trail_percent,
        trail_price=row.trail_price,
        order_class=row.order_class,
        extended_hours=row.extended_hours,
        client_order_id=row.client_order_id,
    )
