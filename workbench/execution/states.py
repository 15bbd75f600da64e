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

from workbench.core.errors import WorkbenchError
from workbench.model import OrderStatus

__all__ = [
    "LEDGER_STATUSES",
    "TRANSITIONS",
    "IllegalTransition",
    "can_transition",
    "check_transition",
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
