"""The OMS's writes to the ledger, each inside the caller's transaction.

Every change of an order is an ``OrderEventRow`` and an audit record; every fill is a
``FillRow`` (unique broker fill id), a move of the position's average cost and realised P&L,
and a cash movement (unique per fill). Nothing here commits: the OMS groups these into one
transaction per broker answer, so a crash leaves either all of it or none.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from workbench.execution.accounting import PRICE_PLACES, PositionState, apply_fill, cash_effect
from workbench.execution.risk import RiskDecision
from workbench.execution.states import check_transition
from workbench.ledger import (
    AccountRow,
    CashMovementRow,
    FillRow,
    OrderEventRow,
    OrderRow,
    PositionRow,
    append_audit,
    exact_sums,
)
from workbench.model import Order, OrderRequest, OrderStatus, TradingState

__all__ = [
    "OPEN_STATUSES",
    "add_intent",
    "add_order",
    "apply_fill_to_ledger",
    "cash_balance",
    "change_status",
    "ensure_account",
    "find_order",
    "order_payload",
    "record_event",
]

#: statuses of orders that may still trade (``new`` is an intent the broker may not have yet)
OPEN_STATUSES = frozenset(
    {
        OrderStatus.NEW,
        OrderStatus.SUBMITTED,
        OrderStatus.ACCEPTED,
        OrderStatus.PARTIALLY_FILLED,
    }
)


def ensure_account(
    session: Session, name: str, broker: str, broker_account_id: str | None
) -> AccountRow:
    row = session.scalar(sa.select(AccountRow).where(AccountRow.name == name))
    if row is None:
        row = AccountRow(
            name=name,
            broker=broker,
            broker_account_id=broker_account_id,
            trading_state=TradingState.ACTIVE,
        )
        session.add(row)
        session.flush()
    elif row.broker_account_id is None and broker_account_id is not None:
        row.broker_account_id = broker_account_id
    return row


def order_payload(request: OrderRequest) -> dict[str, Any]:
    """The request as JSON-friendly data for events and the audit chain."""
    return {
        "symbol": request.symbol,
        "side": str(request.side),
        "qty": _text(request.qty),
        "notional": _text(request.notional),
        "type": str(request.type),
        "time_in_force": str(request.time_in_force),
        "limit_price": _text(request.limit_price),
        "stop_price": _text(request.stop_price),
        "order_class": str(request.order_class),
        "client_order_id": request.client_order_id,
    }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def add_order(
    session: Session,
    account: AccountRow,
    request: OrderRequest,
    *,
    status: OrderStatus,
    strategy: str | None,
    run_id: int | None,
    reason: str | None = None,
) -> OrderRow:
    assert request.client_order_id is not None
    row = OrderRow(
        account_id=account.id,
        client_order_id=request.client_order_id,
        symbol=request.symbol,
        side=request.side,
        type=request.type,
        time_in_force=request.time_in_force,
        order_class=request.order_class,
        qty=request.qty,
        notional=request.notional,
        limit_price=request.limit_price,
        stop_price=request.stop_price,
        trail_percent=request.trail_percent,
        trail_price=request.trail_price,
        extended_hours=request.extended_hours,
        status=status,
        reason=reason,
        strategy=strategy,
        run_id=run_id,
    )
    session.add(row)
    session.flush()
    return row


def add_intent(
    session: Session,
    account: AccountRow,
    request: OrderRequest,
    decision: RiskDecision,
    *,
    actor: str,
    at: datetime,
    strategy: str | None,
    run_id: int | None,
    arrival: Decimal | None,
    measured_notional: Decimal | None = None,
    hold: bool = False,
) -> OrderRow:
    """The write-ahead record of an order: its row (``new``; ``rejected`` when the gate
    refused it; ``pending_approval`` when it passed and ``hold`` says a trader must approve
    it first), its intent and the gate's decision on the audit chain."""
    row = add_order(
        session, account, request, status=OrderStatus.NEW, strategy=strategy, run_id=run_id
    )
    row.actor, row.placed_at, row.measured_notional = actor, at, measured_notional
    payload = {**order_payload(request), "strategy": strategy, "run_id": run_id}
    append_audit(
        session, kind="order.intent", actor=actor, payload={**payload, "at": at.isoformat()}
    )
    append_audit(
        session,
        kind="risk.decision",
        actor=actor,
        payload={"at": at.isoformat(), "order": request.client_order_id, **decision.to_dict()},
    )
    record_event(
        session,
        row,
        "intent",
        at=at,
        actor=actor,
        status=OrderStatus.NEW,
        # the price when the order arrived: what slippage is measured against
        payload={"arrival_price": None if arrival is None else str(arrival)},
    )
    if decision.approved and hold:
        row.status = OrderStatus.PENDING_APPROVAL
        record_event(session, row, "held", at=at, actor=actor, status=OrderStatus.PENDING_APPROVAL)
    if not decision.approved:
        row.status = OrderStatus.REJECTED
        row.reason = decision.reason
        rejection = decision.rejection
        record_event(
            session,
            row,
            "rejected",
            at=at,
            actor=actor,
            status=OrderStatus.REJECTED,
            payload={
                "rule": None if rejection is None else rejection.rule,
                "reason": decision.reason,
            },
        )
    return row


def find_order(session: Session, *, broker_order_id: str, client_order_id: str) -> OrderRow | None:
    return session.scalar(
        sa.select(OrderRow).where(
            sa.or_(
                OrderRow.broker_order_id == broker_order_id,
                OrderRow.client_order_id == client_order_id,
            )
        )
    )


def record_event(
    session: Session,
    row: OrderRow,
    kind: str,
    *,
    at: datetime,
    actor: str,
    status: OrderStatus | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """One event in the order's history and one audit record of it."""
    details = dict(payload or {})
    session.add(
        OrderEventRow(order_id=row.id, kind=kind, status=status, payload=details, occurred_at=at)
    )
    append_audit(
        session,
        kind="order.event",
        actor=actor,
        payload={
            "at": at.isoformat(),
            "order": row.client_order_id,
            "event": kind,
            "status": None if status is None else str(status),
            **details,
        },
    )


def change_status(
    session: Session,
    row: OrderRow,
    status: OrderStatus,
    kind: str,
    *,
    at: datetime,
    actor: str,
    reason: str | None = None,
    payload: dict[str, Any] | None = None,
) -> bool:
    """Move the order through the state machine; False (and nothing written) when it is
    already there and repeating carries no news."""
    if row.status == status and status is not OrderStatus.PARTIALLY_FILLED:
        return False
    check_transition(row.status, status, order=row.client_order_id)
    row.status = status
    if reason is not None:
        row.reason = reason
    details = dict(payload or {})
    if reason is not None:
        details["reason"] = reason
    record_event(session, row, kind, at=at, actor=actor, status=status, payload=details)
    return True


def apply_fill_to_ledger(
    session: Session,
    row: OrderRow,
    *,
    fill_id: str,
    qty: Decimal,
    price: Decimal,
    at: datetime,
    actor: str,
    fee: Decimal = Decimal(0),
) -> FillRow | None:
    """Book one execution: fill, position, cash, the order's filled quantity. None when that
    fill id was booked already."""
    if session.scalar(sa.select(FillRow.id).where(FillRow.broker_fill_id == fill_id)) is not None:
        return None
    fill = FillRow(
        order_id=row.id,
        broker_fill_id=fill_id,
        symbol=row.symbol,
        side=row.side,
        qty=qty,
        price=price,
        fee=fee,
        filled_at=at,
    )
    session.add(fill)
    position = session.scalar(
        sa.select(PositionRow).where(
            PositionRow.account_id == row.account_id, PositionRow.symbol == row.symbol
        )
    )
    if position is None:
        position = PositionRow(account_id=row.account_id, symbol=row.symbol, opened_at=at)
        session.add(position)
    before = PositionState(position.qty or Decimal(0), position.avg_entry_price or Decimal(0))
    after = apply_fill(before, row.side, qty, price, fee)
    position.qty, position.avg_entry_price = after.qty, after.avg_price
    position.realized_pl = (position.realized_pl or Decimal(0)) + after.realized
    if before.qty == 0:
        position.opened_at = at
    session.add(
        CashMovementRow(
            account_id=row.account_id,
            amount=cash_effect(row.side, qty, price, fee),
            kind="trade",
            reference=fill_id,
            description=f"{row.side} {qty} {row.symbol} @ {price}",
            occurred_at=at,
        )
    )
    filled_before = row.filled_qty or Decimal(0)
    total = filled_before + qty
    paid = (row.filled_avg_price or Decimal(0)) * filled_before + price * qty
    row.filled_qty, row.filled_avg_price = total, (paid / total).quantize(PRICE_PLACES)
    append_audit(
        session,
        kind="fill",
        actor=actor,
        payload={
            "at": at.isoformat(),
            "order": row.client_order_id,
            "fill_id": fill_id,
            "symbol": row.symbol,
            "side": str(row.side),
            "qty": str(qty),
            "price": str(price),
            "fee": str(fee),
        },
    )
    session.flush()
    return fill


def cash_balance(session: Session, account_id: int) -> Decimal:
    totals = exact_sums(session, CashMovementRow.amount, CashMovementRow.account_id == account_id)
    return totals.get(None, Decimal(0))


def broker_order_view(order: Order) -> dict[str, Any]:
    return {"broker_order_id": order.id, "status": str(order.status)}
