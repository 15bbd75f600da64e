"""Sending a written intent to the broker, and what the ledger records when the send fails.

Retryable broker errors are retried with backoff (the resend is idempotent: the broker treats
a known ``client_order_id`` as the same order); a fatal refusal ends the order ``rejected``
with the broker's reason; when retries run out the order stays ``submitted`` (its outcome
unknown) until ``recover`` or reconciliation learns it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from workbench.core.errors import BrokerError, Fatal, NotFound, Retryable
from workbench.execution import notify, records
from workbench.execution.crash_points import crash_point
from workbench.execution.views import OrderView
from workbench.ledger import OrderRow
from workbench.model import OrderRequest, OrderStatus

if TYPE_CHECKING:
    from workbench.execution.oms import OrderManager

__all__ = ["RetryPolicy", "broker_rejected", "move_order", "send"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 4
    first_delay: float = 0.2
    factor: float = 2.0

    def delays(self) -> Iterator[float]:
        delay = self.first_delay
        for _ in range(self.attempts - 1):
            yield delay
            delay *= self.factor


def send(oms: OrderManager, order_id: int, request: OrderRequest, actor: str) -> OrderView:
    """Send the intent ``order_id`` (already in the ledger) and book the broker's answer."""
    delays = oms.retry.delays()
    while True:
        try:
            placed = oms.broker.submit(request)
            break
        except Retryable as error:
            delay = next(delays, None)
            if delay is None:
                return _unknown_outcome(oms, order_id, error, actor)
            _log.warning("broker busy (%s); resending %s", error, request.client_order_id)
            oms.sleep(delay)
        except (Fatal, NotFound) as error:
            return broker_rejected(oms, order_id, str(error), actor)
    oms.sent_here.add(placed.client_order_id)
    crash_point("after_send")
    return oms.apply_snapshot(placed, actor=actor, kind="accepted")


def move_order(
    oms: OrderManager,
    order_id: int,
    status: OrderStatus,
    kind: str,
    *,
    at: datetime,
    actor: str,
    reason: str | None = None,
    payload: dict[str, Any] | None = None,
) -> OrderView:
    """``records.change_status`` of the order's row in a transaction of its own; its view."""
    with oms.ledger.session() as session:
        row = session.get(OrderRow, order_id)
        assert row is not None
        records.change_status(
            session, row, status, kind, at=at, actor=actor, reason=reason, payload=payload
        )
        return OrderView.of(row)


def _unknown_outcome(oms: OrderManager, order_id: int, error: BrokerError, actor: str) -> OrderView:
    return move_order(
        oms,
        order_id,
        OrderStatus.SUBMITTED,
        "send_failed",
        at=oms.now(),
        actor=actor,
        payload={"error": str(error)},
    )


def broker_rejected(oms: OrderManager, order_id: int, reason: str, actor: str) -> OrderView:
    at = oms.now()
    view = move_order(
        oms,
        order_id,
        OrderStatus.REJECTED,
        "rejected",
        at=at,
        actor=actor,
        reason=reason,
        payload={"rule": "broker"},
    )
    notify.rejected(oms.bus, oms.account_name, view, "broker", reason, at)
    return view
