"""The order state machine: which status may follow which, and nothing else.

An order is ``new`` once its intent is written (before the broker hears of it), ``submitted``
while a send is unanswered, ``accepted`` when the broker holds it, then fills move it to
``partially_filled`` and ``filled``; ``canceled``, ``rejected``, ``expired`` and ``replaced``
end it. An order an actor may place only with a trader's approval (docs/risk.md) is
``pending_approval`` from its intent until a trader approves it (``new``, then on as any
order), rejects it, it is canceled, or it expires; the broker never hears of it before. The
terminal statuses have no way out. Repeating the current status is allowed only where it
carries news (another partial fill); otherwise it is a no-op the OMS ignores.
"""

from __future__ import annotations

from decimal import Decimal

from workbench.core.errors import WorkbenchError
from workbench.model import OrderStatus

__all__ = [
    "LEDGER_STATUSES",
    "TRANSITIONS",
    "IllegalTransition",
    "can_transition",
    "check_transition",
    "ledger_status",
]

S = OrderStatus
_ENDINGS = {S.CANCELED, S.EXPIRED, S.REPLACED, S.REJECTED}

#: every legal move; a status missing on the right of its row cannot follow it
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING_APPROVAL: frozenset({S.NEW, S.REJECTED, S.CANCELED, S.EXPIRED}),
    S.NEW: frozenset(
        {S.SUBMITTED, S.ACCEPTED, S.PARTIALLY_FILLED, S.FILLED, S.CANCELED, S.REJECTED, S.EXPIRED}
    ),
    S.SUBMITTED: frozenset({S.ACCEPTED, S.PARTIALLY_FILLED, S.FILLED, *_ENDINGS}),
    S.ACCEPTED: frozenset({S.PARTIALLY_FILLED, S.FILLED, *_ENDINGS}),
    S.PARTIALLY_FILLED: frozenset(
        {S.PARTIALLY_FILLED, S.FILLED, S.CANCELED, S.EXPIRED, S.REPLACED}
    ),
    S.FILLED: frozenset(),
    S.CANCELED: frozenset(),
    S.REJECTED: frozenset(),
    S.EXPIRED: frozenset(),
    S.REPLACED: frozenset(),
}


#: the statuses an order has in the ledger; a venue's passing states are mapped onto these
LEDGER_STATUSES = tuple(TRANSITIONS)


class IllegalTransition(WorkbenchError):
    """A status change the state machine does not allow (for example, a fill after a cancel)."""

    code = "illegal_transition"


def can_transition(current: OrderStatus, new: OrderStatus) -> bool:
    return OrderStatus(new) in TRANSITIONS.get(OrderStatus(current), frozenset())


def check_transition(current: OrderStatus, new: OrderStatus, *, order: str = "") -> None:
    if not can_transition(current, new):
        subject = f"order {order}" if order else "an order"
        raise IllegalTransition(
            f"{subject} cannot go from {current} to {new}",
            current=str(current),
            new=str(new),
        )


def ledger_status(broker_status: OrderStatus, filled_qty: Decimal = Decimal(0)) -> OrderStatus:
    """The ledger's name for what the broker reports. The broker's ``new`` is an order live at
    the venue: for the ledger it is ``accepted`` (the ledger's ``new`` is an intent not yet
    acknowledged). A venue's passing states map to the nearest ledger status: ``pending_new``
    is a send not yet confirmed; ``held`` (a bracket leg waiting for its parent),
    ``pending_cancel``, ``done_for_day``... are orders still open at the venue."""
    status = OrderStatus(broker_status)
    if status is OrderStatus.PENDING_NEW:
        return OrderStatus.SUBMITTED
    if status is OrderStatus.NEW or status not in TRANSITIONS:
        return OrderStatus.PARTIALLY_FILLED if filled_qty > 0 else OrderStatus.ACCEPTED
    return status
