"""Bracket, OCO and OTO orders: creating the legs and keeping the group consistent.

* **bracket**: an entry and two exits on the other side (take-profit limit, stop or stop-limit),
  ``held`` until the entry fills, then one-cancels-the-other.
* **oco**: the order is itself a take-profit limit exit with one stop leg; both work at once and
  a fill of either cancels the other.
* **oto**: an entry and one held exit.

When an exit fills partly, its sibling shrinks to what is left; when it fills completely or is
canceled, the sibling is canceled. An entry that ends partly filled (expired or canceled) sends
its exits out for the filled quantity; one that ends unfilled cancels them.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from workbench.exchange.matching.book import Book
from workbench.exchange.matching.tickets import Ticket
from workbench.model import Order, OrderClass, OrderRequest, OrderSide, OrderStatus, OrderType

__all__ = ["activate_legs", "create_legs", "group_of", "on_end", "on_fill", "relink"]

_ENTRY_CLASSES = frozenset({OrderClass.BRACKET, OrderClass.OTO})
_AFTER = timedelta(microseconds=1)


def create_legs(
    book: Book, parent: Ticket, stop_loss_limit_price: Decimal | None, now: datetime
) -> list[Ticket]:
    request = parent.request
    klass = request.order_class
    if klass is OrderClass.SIMPLE:
        return []
    exit_side = request.side if klass is OrderClass.OCO else _other(request.side)
    requests = []
    if klass is not OrderClass.OCO and request.take_profit_limit_price is not None:
        requests.append(_leg(request, exit_side, OrderType.LIMIT, request.take_profit_limit_price))
    if request.stop_loss_stop_price is not None:
        kind = OrderType.STOP if stop_loss_limit_price is None else OrderType.STOP_LIMIT
        requests.append(
            _leg(request, exit_side, kind, stop_loss_limit_price, request.stop_loss_stop_price)
        )
    held = klass is not OrderClass.OCO
    legs = []
    for leg_request in requests:
        leg_id = str(uuid.uuid4())
        status = OrderStatus.ACCEPTED if held else parent.status
        leg = Ticket(
            order=Order(
                id=leg_id,
                client_order_id=leg_id,
                request=leg_request,
                status=status,
                created_at=now,
                updated_at=now,
            ),
            account_id=parent.account_id,
            asset_id=parent.asset_id,
            submitted_at=now,
            seq=book.next_seq(),
            opening=False,
            expires_at=parent.expires_at,
            held=held,
            parent_id=parent.id,
        )
        book.add(leg, None if held else str(status), now)
        legs.append(leg)
    parent.leg_ids = tuple(leg.id for leg in legs)
    book.touch(parent)
    return legs


def group_of(book: Book, ticket: Ticket) -> list[Ticket]:
    """The exits that share ticket's shares, ticket excluded: an OCO's parent and leg, or a
    bracket's two legs."""
    if ticket.parent_id is not None:
        parent = book.tickets[ticket.parent_id]
        members = [book.tickets[i] for i in parent.leg_ids]
        if parent.request.order_class is OrderClass.OCO:
            members.append(parent)
    elif ticket.request.order_class is OrderClass.OCO:
        members = [book.tickets[i] for i in ticket.leg_ids]
    else:
        return []
    return [m for m in members if m.id != ticket.id and m.is_open]


def on_fill(book: Book, ticket: Ticket, when: datetime, regular: bool) -> None:
    """After ``ticket`` traded: release a filled entry's exits, shrink or cancel sibling exits."""
    if _is_entry(ticket):
        if ticket.status is OrderStatus.FILLED:
            activate_legs(book, ticket, ticket.order.filled_qty, when, regular)
        return
    for sibling in group_of(book, ticket):
        if ticket.status is OrderStatus.FILLED:
            book.transition(sibling, OrderStatus.CANCELED, when, "canceled")
        elif sibling.order.filled_qty == 0 and ticket.remaining_qty is not None:
            _resize(book, sibling, ticket.remaining_qty, when)


def on_end(book: Book, ticket: Ticket, when: datetime, regular: bool) -> None:
    """After ``ticket`` was canceled, expired or rejected."""
    if _is_entry(ticket):
        filled = ticket.order.filled_qty
        if filled > 0:
            activate_legs(book, ticket, filled, when, regular)
        else:
            for leg in _legs(book, ticket):
                book.transition(leg, OrderStatus.CANCELED, when, "canceled")
        return
    for sibling in group_of(book, ticket):
        book.transition(sibling, OrderStatus.CANCELED, when, "canceled")


def activate_legs(book: Book, entry: Ticket, qty: Decimal, when: datetime, regular: bool) -> None:
    """Send held exits out for ``qty``: working at once in the regular session, else queued."""
    for leg in _legs(book, entry):
        if not leg.held:
            continue
        if leg.request.qty != qty:
            leg.update(when, request=dataclasses.replace(leg.request, qty=qty))
        leg.held = False
        # live from just after the fill that released it: it trades on later prints only
        leg.routed_at = when + _AFTER
        if regular:
            book.transition(leg, OrderStatus.NEW, when, "new")
        else:
            book.touch(leg)


def _resize(book: Book, ticket: Ticket, qty: Decimal, when: datetime) -> None:
    ticket.update(when, request=dataclasses.replace(ticket.request, qty=qty))
    book.touch(ticket)


def _legs(book: Book, ticket: Ticket) -> list[Ticket]:
    return [book.tickets[i] for i in ticket.leg_ids if book.tickets[i].is_open]


def _is_entry(ticket: Ticket) -> bool:
    return ticket.parent_id is None and ticket.request.order_class in _ENTRY_CLASSES


def _leg(
    parent: OrderRequest,
    side: OrderSide,
    kind: OrderType,
    limit: Decimal | None,
    stop: Decimal | None = None,
) -> OrderRequest:
    return OrderRequest(
        symbol=parent.symbol,
        side=side,
        qty=parent.qty,
        type=kind,
        time_in_force=parent.time_in_force,
        limit_price=limit,
        stop_price=stop,
        order_class=parent.order_class,
    )


def _other(side: OrderSide) -> OrderSide:
    return OrderSide.SELL if side is OrderSide.BUY else OrderSide.BUY


def relink(book: Book, old: Ticket, new: Ticket) -> None:
    """The replacement takes the old order's place in its bracket or OCO group."""
    if old.parent_id is not None:
        parent = book.tickets[old.parent_id]
        parent.leg_ids = tuple(new.id if i == old.id else i for i in parent.leg_ids)
        book.touch(parent)
    for leg_id in old.leg_ids:
        leg = book.tickets[leg_id]
        leg.parent_id = new.id
        book.touch(leg)
