"""The engine's state and the only code that changes it: accounts, tickets, fills, events.

Every change goes through ``transition`` or ``fill`` here, so each one emits exactly one event
and is recorded in ``Changes`` for the store to persist. Nothing here decides *whether* an order
trades; ``engine`` and ``replay`` do, and call in.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from workbench.exchange.matching.accounts import AccountState, apply_fill
from workbench.exchange.matching.errors import UnknownOrder
from workbench.exchange.matching.tickets import EventKind, ExchangeEvent, Ticket
from workbench.model import Fill, OrderStatus

__all__ = ["Book", "Changes", "EquityPoint", "Listener"]

Listener = Callable[[ExchangeEvent], None]
_log = logging.getLogger(__name__)
_NINE_PLACES = Decimal("1e-9")
_STAMP_OF = {
    OrderStatus.FILLED: "filled_at",
    OrderStatus.CANCELED: "canceled_at",
    OrderStatus.EXPIRED: "expired_at",
    OrderStatus.REJECTED: "failed_at",
    OrderStatus.REPLACED: "replaced_at",
}


@dataclass(frozen=True, slots=True)
class EquityPoint:
    """An account's equity at one regular close (for portfolio history and ``last_equity``)."""

    account_id: str
    timestamp: datetime
    equity: Decimal


@dataclass(slots=True)
class Changes:
    """What changed since the store last saved: current tickets and accounts, new rows."""

    tickets: dict[str, Ticket] = field(default_factory=dict)
    accounts: set[str] = field(default_factory=set)
    fills: list[Fill] = field(default_factory=list)
    equity: list[EquityPoint] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.tickets or self.accounts or self.fills or self.equity)


class Book:
    def __init__(self) -> None:
        self.accounts: dict[str, AccountState] = {}
        self.tickets: dict[str, Ticket] = {}
        self._open: dict[str, Ticket] = {}
        self._client_ids: dict[tuple[str, str], str] = {}
        self._listeners: list[Listener] = []
        self._changes = Changes()
        self._seq = 0

    def clear(self) -> None:
        """Forget every account, ticket and pending change; listeners stay subscribed."""
        self.accounts.clear()
        self.tickets.clear()
        self._open.clear()
        self._client_ids.clear()
        self._changes = Changes()
        self._seq = 0

    # -- registration ----------------------------------------------------------------------
    def add_account(self, account: AccountState) -> None:
        self.accounts[account.id] = account
        self._changes.accounts.add(account.id)

    def add(self, ticket: Ticket, event: EventKind | None, when: datetime) -> None:
        self.tickets[ticket.id] = ticket
        self._client_ids[(ticket.account_id, ticket.order.client_order_id)] = ticket.id
        self._seq = max(self._seq, ticket.seq)
        if ticket.is_open:
            self._open[ticket.id] = ticket
        self.touch(ticket)
        if event is not None:
            self.emit(ExchangeEvent(event, ticket.snapshot(), when))

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # -- lookups ---------------------------------------------------------------------------
    def client_id_taken(self, account_id: str, client_order_id: str) -> bool:
        return (account_id, client_order_id) in self._client_ids

    def find(self, account_id: str, order_id: str) -> Ticket:
        ticket = self.tickets.get(order_id)
        if ticket is None or ticket.account_id != account_id:
            raise UnknownOrder(order_id)
        return ticket

    def find_by_client_id(self, account_id: str, client_order_id: str) -> Ticket:
        order_id = self._client_ids.get((account_id, client_order_id))
        if order_id is None:
            raise UnknownOrder(client_order_id)
        return self.tickets[order_id]

    def open_tickets(
        self, account_id: str | None = None, symbol: str | None = None
    ) -> list[Ticket]:
        """Open tickets in time priority (arrival order)."""
        found = [
            t
            for t in self._open.values()
            if (account_id is None or t.account_id == account_id)
            and (symbol is None or t.symbol == symbol)
        ]
        return sorted(found, key=lambda t: t.seq)

    def open_symbols(self) -> set[str]:
        return {t.symbol for t in self._open.values()}

    def account_tickets(self, account_id: str) -> Iterator[Ticket]:
        return (t for t in self.tickets.values() if t.account_id == account_id)

    # -- changes ---------------------------------------------------------------------------
    def touch(self, ticket: Ticket) -> None:
        self._changes.tickets[ticket.id] = ticket

    def transition(
        self, ticket: Ticket, status: OrderStatus, when: datetime, event: EventKind, **extra: object
    ) -> None:
        """Move ``ticket`` to ``status`` at ``when``, stamp the matching ``*_at`` and emit."""
        ticket.update(when, status=status)
        stamp = _STAMP_OF.get(status)
        if stamp is not None:
            setattr(ticket, stamp, when)
        for name, value in extra.items():
            setattr(ticket, name, value)
        if ticket.is_open:
            self._open[ticket.id] = ticket
        else:
            self._open.pop(ticket.id, None)
        self.touch(ticket)
        self.emit(ExchangeEvent(event, ticket.snapshot(), when))

    def fill(self, ticket: Ticket, qty: Decimal, price: Decimal, when: datetime) -> Fill:
        """Execute ``qty`` at ``price``: cash, position, order and one fill/partial_fill event."""
        account = self.accounts[ticket.account_id]
        side = ticket.request.side
        position_qty = apply_fill(account, ticket.symbol, side, qty, price)
        ticket.filled_value += qty * price
        filled = ticket.order.filled_qty + qty
        done = _complete(ticket, filled, price)
        status = OrderStatus.FILLED if done else OrderStatus.PARTIALLY_FILLED
        ticket.update(
            when, status=status, filled_qty=filled, filled_avg_price=ticket.filled_value / filled
        )
        if done:
            ticket.filled_at = when
            self._open.pop(ticket.id, None)
        record = Fill(
            order_id=ticket.id,
            symbol=ticket.symbol,
            side=side,
            qty=qty,
            price=price,
            timestamp=when,
            fill_id=str(uuid.uuid4()),
        )
        self._changes.fills.append(record)
        self._changes.accounts.add(account.id)
        self.touch(ticket)
        self.emit(
            ExchangeEvent(
                "fill" if done else "partial_fill",
                ticket.snapshot(),
                when,
                execution_id=record.fill_id,
                price=price,
                qty=qty,
                position_qty=position_qty,
            )
        )
        return record

    def record_equity(self, point: EquityPoint) -> None:
        self._changes.equity.append(point)
        self._changes.accounts.add(point.account_id)

    def emit(self, event: ExchangeEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                # a broken subscriber (a stream client) must never stop a fill
                _log.exception("exchange event listener %r failed", listener)

    def take_changes(self) -> Changes:
        changes, self._changes = self._changes, Changes()
        return changes


def _complete(ticket: Ticket, filled: Decimal, price: Decimal) -> bool:
    qty = ticket.request.qty
    if qty is not None:
        return filled >= qty
    remaining = ticket.remaining_notional or Decimal(0)
    # a notional order is done when what is left buys less than the smallest share increment
    return (remaining / price).quantize(_NINE_PLACES, rounding=ROUND_FLOOR) == 0
