"""The venue's bookkeeping around each order, and the events its changes emit.

``workbench.model.Order`` is the one order vocabulary; a ``Ticket`` wraps one and adds what only
the venue tracks: lifecycle timestamps, the replace chain, bracket links, the trailing stop's
high-water mark and whether a stop has triggered. A change of state replaces ``ticket.order``
with a new frozen ``Order`` (``dataclasses.replace``) and emits one ``ExchangeEvent``.

Status mapping (the model has no Alpaca ``held``/``pending_*`` states): ``ACCEPTED`` is an order
received while its session is closed, queued for the next open; ``held`` legs of a bracket are
``ACCEPTED`` with ``held=True`` and show as ``held`` on the wire.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from workbench.model import Order, OrderRequest, OrderStatus

__all__ = ["OPEN_STATUSES", "EventKind", "ExchangeEvent", "Ticket"]

OPEN_STATUSES = frozenset(
    {OrderStatus.ACCEPTED, OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED, OrderStatus.SUBMITTED}
)
#: Alpaca's trade-update event names, one per transition (doc section 5.1).
EventKind = str


@dataclass(slots=True)
class Ticket:
    order: Order
    account_id: str
    asset_id: str
    submitted_at: datetime
    seq: int
    opening: bool  # opens or grows a position, so it reserves buying power while open
    expires_at: datetime | None = None
    filled_at: datetime | None = None
    canceled_at: datetime | None = None
    expired_at: datetime | None = None
    failed_at: datetime | None = None
    replaced_at: datetime | None = None
    replaced_by: str | None = None
    replaces: str | None = None
    filled_value: Decimal = Decimal(0)  # sum of qty x price, exact (avg price is derived)
    hwm: Decimal | None = None
    trail_stop: Decimal | None = None  # the trailing stop's current stop price
    triggered: bool = False
    held: bool = False
    parent_id: str | None = None
    leg_ids: tuple[str, ...] = ()
    routed_at: datetime | None = None  # when a held leg went live; it trades on later bars only

    @property
    def id(self) -> str:
        return self.order.id

    @property
    def request(self) -> OrderRequest:
        return self.order.request

    @property
    def symbol(self) -> str:
        return self.order.request.symbol

    @property
    def status(self) -> OrderStatus:
        return self.order.status

    @property
    def is_open(self) -> bool:
        return self.order.status in OPEN_STATUSES

    @property
    def is_working(self) -> bool:
        """Routed to the book and able to fill now (not queued, not held)."""
        return self.order.status in (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED)

    @property
    def eligible_after(self) -> datetime:
        """The order trades on prices revealed at or after this instant (no look-back)."""
        return self.routed_at if self.routed_at is not None else self.submitted_at

    @property
    def stop_price(self) -> Decimal | None:
        return self.trail_stop if self.trail_stop is not None else self.request.stop_price

    @property
    def remaining_qty(self) -> Decimal | None:
        """Shares still to fill; None for a notional order (see ``remaining_notional``)."""
        return self.order.remaining_qty

    @property
    def remaining_notional(self) -> Decimal | None:
        notional = self.request.notional
        return None if notional is None else max(Decimal(0), notional - self.filled_value)

    @property
    def wire_status(self) -> str:
        return "held" if self.held and self.is_open else str(self.order.status)

    def update(self, when: datetime, **changes: object) -> None:
        """Replace the frozen order with ``changes`` applied and ``updated_at`` bumped."""
        self.order = dataclasses.replace(self.order, updated_at=when, **changes)  # type: ignore[arg-type]

    def snapshot(self) -> Ticket:
        """A copy that later changes do not touch (every field is itself immutable)."""
        return copy.copy(self)


@dataclass(frozen=True, slots=True)
class ExchangeEvent:
    """One state change of one order, as a trading stream reports it."""

    kind: EventKind
    ticket: Ticket
    timestamp: datetime
    execution_id: str | None = None
    price: Decimal | None = None
    qty: Decimal | None = None
    position_qty: Decimal | None = None

    @property
    def account_id(self) -> str:
        return self.ticket.account_id
