"""Orders held for a trader's approval (``risk.actors.<kind>.require_approval``, docs/risk.md).

An order of such an actor (an AI assistant's ``mcp:``) that the gate passed is written to the
ledger ``pending_approval`` and sent nowhere. A trader then:

* approves it: the gate checks it again, now (trading state, the book, the actor's day without
  this order), and only if it passes the order becomes ``new`` and is sent like any other, with
  its own ``client_order_id``; a refusal leaves it held and is recorded;
* rejects it, with a reason: it ends ``rejected``;
* or lets it be: it ends ``expired`` at the end of its trading day (New York), or sooner with
  ``approval_ttl_minutes``. Expiry is applied whenever held orders are listed or one is
  approved or rejected, so an expired order can never be approved.

Every step is an order event on the audit chain with the acting trader. Recovery and
reconciliation look only at ``new`` and later orders: a held order never reaches the broker
without an approval.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from workbench.core.errors import PermissionDenied, ValidationError
from workbench.execution import notify, records
from workbench.execution.context import trading_day
from workbench.execution.recovery import request_of
from workbench.execution.views import OrderView, SubmitResult
from workbench.ledger import OrderRow, append_audit, hold_audit_lock
from workbench.model import OrderStatus
from workbench.model.plain import to_plain

if TYPE_CHECKING:
    from workbench.execution.oms import OrderManager

__all__ = ["HeldOrder", "approve", "expire_held", "held_orders", "reject"]

_HELD = OrderStatus.PENDING_APPROVAL


@dataclass(frozen=True, slots=True)
class HeldOrder:
    """An order waiting for a trader: who asked for it, when, and until when it may wait."""

    order: OrderView
    requested_by: str | None
    placed_at: datetime | None
    expires_at: datetime
    measured_notional: Decimal | None

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = to_plain(self)
        return result


def expires_at(oms: OrderManager, row: OrderRow) -> datetime:
    """The end of the order's trading day, or ``approval_ttl_minutes`` after it was placed
    when that is sooner (the ttl of its actor kind as configured now)."""
    placed = row.placed_at or row.created_at
    deadline = trading_day(placed)[1]
    scope = oms.actor_scope(row.actor)
    ttl = scope.limits.approval_ttl_minutes if scope is not None else None
    if ttl is not None:
        deadline = min(deadline, placed + timedelta(minutes=ttl))
    return deadline


def expire_held(oms: OrderManager, *, actor: str = "approvals") -> list[OrderView]:
    """End every held order past its deadline as ``expired``; the ones ended."""
    now = oms.now()
    ended = []
    query = _held_query(oms)  # links the account first: not inside the locked transaction
    with oms.ledger.session() as session:
        hold_audit_lock(session)
        for row in session.scalars(query):
            deadline = expires_at(oms, row)
            if now >= deadline:
                records.change_status(
                    session,
                    row,
                    OrderStatus.EXPIRED,
                    "approval_expired",
                    at=now,
                    actor=actor,
                    reason=f"held for approval until {deadline.isoformat()}; never sent",
                )
                ended.append(OrderView.of(row))
    return ended


def held_orders(oms: OrderManager) -> list[HeldOrder]:
    """The orders waiting for approval, oldest first (the expired ones ended first)."""
    expire_held(oms)
    query = _held_query(oms)
    with oms.ledger.session(read_only=True) as session:
        return [
            HeldOrder(
                order=OrderView.of(row),
                requested_by=row.actor,
                placed_at=row.placed_at,
                expires_at=expires_at(oms, row),
                measured_notional=row.measured_notional,
            )
            for row in session.scalars(query)
        ]


def approve(oms: OrderManager, reference: str, *, actor: str) -> SubmitResult:
    """Check the held order against the gate again and, if it passes, send it. A refusal
    (HALTED, a limit reached since) raises ``RiskRejected`` and leaves the order held."""
    _may_decide(oms, actor)
    expire_held(oms)
    row_id, requester, strategy, request = _held(oms, reference)
    scope = oms.actor_scope(requester)
    context = oms.context.build(request.symbol, actor=scope, excluding=row_id)
    at = oms.now()
    with oms.ledger.session() as session:
        hold_audit_lock(session)
        row = _still_held(session, row_id, reference)
        # checked under the lock, so no other process's order of the kind slips in between
        context = oms.context.recount(session, context, scope, excluding=row_id)
        decision = oms.gate(strategy, scope).check(request, context)
        append_audit(
            session,
            kind="risk.decision",
            actor=actor,
            payload={"at": at.isoformat(), "order": row.client_order_id, **decision.to_dict()},
        )
        if decision.approved:
            records.change_status(
                session,
                row,
                OrderStatus.NEW,
                "approved",
                at=at,
                actor=actor,
                payload={"requested_by": requester},
            )
        else:
            rejection = decision.rejection
            records.record_event(
                session,
                row,
                "approval_refused",
                at=at,
                actor=actor,
                payload={
                    "rule": None if rejection is None else rejection.rule,
                    "reason": decision.reason,
                },
            )
    decision.raise_if_rejected()
    return SubmitResult(oms.resend(row_id, request, actor), decision)


def reject(oms: OrderManager, reference: str, *, actor: str, reason: str) -> OrderView:
    """End the held order ``rejected``, with the trader's reason; nothing is sent."""
    reason = reason.strip()
    if not reason:
        raise ValidationError("a rejection needs a reason, for the audit chain")
    _may_decide(oms, actor)
    expire_held(oms)
    row_id = _held(oms, reference)[0]
    at = oms.now()
    with oms.ledger.session() as session:
        hold_audit_lock(session)
        row = _still_held(session, row_id, reference)
        records.change_status(
            session,
            row,
            OrderStatus.REJECTED,
            "approval_rejected",
            at=at,
            actor=actor,
            reason=f"rejected by {actor}: {reason}",
            payload={"rule": "approval", "requested_by": row.actor},
        )
        view = OrderView.of(row)
    notify.rejected(oms.bus, oms.account_name, view, "approval", view.reason, at)
    return view


def _may_decide(oms: OrderManager, actor: str) -> None:
    """An actor whose own orders need approval (an assistant) approves nothing."""
    scope = oms.actor_scope(actor)
    if scope is not None and scope.limits.require_approval:
        raise PermissionDenied(
            f"{actor} may not approve or reject held orders: {scope.prefix} orders themselves "
            f"need a trader's approval ({scope.setting}.require_approval)"
        )


def _held_query(oms: OrderManager) -> sa.Select[OrderRow]:
    account_id = oms.account_id
    return (
        sa.select(OrderRow)
        .where(OrderRow.account_id == account_id, OrderRow.status == _HELD)
        .order_by(OrderRow.id)
    )


def _held(oms: OrderManager, reference: str) -> tuple[int, str | None, str | None, Any]:
    view = oms.find(reference)
    with oms.ledger.session(read_only=True) as session:
        row = session.get(OrderRow, view.id)
        assert row is not None
        _check_held(row, reference)
        return row.id, row.actor, row.strategy, request_of(row)


def _still_held(session: Any, row_id: int, reference: str) -> OrderRow:
    # another trader may have decided between the read and this transaction
    row = session.get(OrderRow, row_id)
    assert row is not None
    _check_held(row, reference)
    return row  # type: ignore[no-any-return]


def _check_held(row: OrderRow, reference: str) -> None:
    if row.status != _HELD:
        why = f" ({row.reason})" if row.reason else ""
        raise ValidationError(
            f"order {reference} is {row.status}{why}, not pending approval: "
            "`workbench trade held` lists the orders waiting"
        )
