"""Moving the market from one instant to the next: what happens between two clock readings.

Between ``after`` and ``until`` the replayer builds the ordered list of things that happened
(session boundaries from the calendar, bar opens and closes from the feed, for every symbol with
open orders) and lets each act in turn. At one instant a bar's close comes first, then the
regular close, the after-hours end, the pre-market and regular opens, and the next bar's open.

* pre-market open: queued extended-hours orders go live;
* regular open: queued orders go live (``accepted`` -> ``new``);
* bar open / bar close: working orders trade on what the bar reveals after they arrived
  (``fills``), within the bar's volume share (``MatchingConfig.max_volume_share``), in time
  priority. Outside the regular session only extended-hours orders trade. IOC, FOK and OPG
  orders get their first print only (a bar's open, or the close of the bar under way), then
  what is left is canceled.
* regular close: CLS orders trade at the closing price; DAY orders expire (extended ones at the
  after-hours end); GTC orders past ``expires_at`` expire; every account's equity is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from workbench.exchange.matching import legs
from workbench.exchange.matching.book import Book, EquityPoint
from workbench.exchange.matching.config import MatchingConfig
from workbench.exchange.matching.fills import Pricer, print_price, range_price, trailing_stop
from workbench.exchange.matching.market import (
    BarFeed,
    BarSlot,
    Session,
    SessionCalendar,
    to_decimal,
)
from workbench.exchange.matching.tickets import Ticket
from workbench.model import OrderSide, OrderStatus, OrderType, TimeInForce

__all__ = ["Replayer"]

_NINE_PLACES = Decimal("1e-9")
_ONE_SHOT = frozenset({TimeInForce.IOC, TimeInForce.FOK, TimeInForce.OPG})
# order of things that happen at the same instant
_BAR_CLOSE, _REGULAR_CLOSE, _EXTENDED_CLOSE, _PREMARKET, _REGULAR_OPEN, _BAR_OPEN = range(6)


@dataclass(frozen=True, slots=True)
class _Step:
    at: datetime
    kind: int
    symbol: str = ""
    slot: BarSlot | None = None
    session: Session | None = None


class Replayer:
    def __init__(
        self,
        book: Book,
        calendar: SessionCalendar,
        feed: BarFeed,
        config: MatchingConfig,
        price_of: Callable[[str, datetime], Decimal | None],
    ) -> None:
        self._book = book
        self._calendar = calendar
        self._feed = feed
        self._config = config
        self._pricer = Pricer(config.spread_bps, config.slippage_bps)
        self._price_of = price_of
        self._capacity: dict[str, tuple[datetime, Decimal]] = {}

    def run(self, after: datetime, until: datetime) -> int:
        """Play everything in (after, until]; returns how many steps happened."""
        steps = self._steps(after, until)
        for step in steps:
            self._handle(step)
        return len(steps)

    # -- the timeline ----------------------------------------------------------------------
    def _steps(self, after: datetime, until: datetime) -> list[_Step]:
        steps: list[_Step] = []
        for session in self._calendar.sessions_touching(after, until):
            for at, kind in (
                (session.premarket, _PREMARKET),
                (session.open, _REGULAR_OPEN),
                (session.close, _REGULAR_CLOSE),
                (session.after_hours_end, _EXTENDED_CLOSE),
            ):
                if after < at <= until:
                    steps.append(_Step(at, kind, session=session))
        for symbol in sorted(self._book.open_symbols()):
            for slot in self._feed.slots(symbol, after, until):
                if after < slot.opens_at <= until:
                    steps.append(_Step(slot.opens_at, _BAR_OPEN, symbol, slot))
                if after < slot.closes_at <= until:
                    steps.append(_Step(slot.closes_at, _BAR_CLOSE, symbol, slot))
        steps.sort(key=lambda s: (s.at, s.kind, s.symbol))
        return steps

    def _handle(self, step: _Step) -> None:
        if step.slot is not None:
            self._bar(step.symbol, step.slot, opening=step.kind == _BAR_OPEN)
        elif step.session is not None:
            session = step.session
            if step.kind == _PREMARKET:
                self._activate(session.premarket, extended_only=True)
            elif step.kind == _REGULAR_OPEN:
                self._activate(session.open, extended_only=False)
            elif step.kind == _REGULAR_CLOSE:
                self._regular_close(session)
            else:
                self._expire(session.after_hours_end, extended=True)

    # -- sessions --------------------------------------------------------------------------
    def _activate(self, when: datetime, *, extended_only: bool) -> None:
        for ticket in self._book.open_tickets():
            if ticket.status is not OrderStatus.ACCEPTED or ticket.held:
                continue
            if ticket.request.time_in_force is TimeInForce.CLS or ticket.submitted_at >= when:
                continue
            if extended_only and not ticket.request.extended_hours:
                continue
            self._book.transition(ticket, OrderStatus.NEW, when, "new")

    def _regular_close(self, session: Session) -> None:
        when = session.close
        for ticket in self._book.open_tickets():
            tif = ticket.request.time_in_force
            if tif is TimeInForce.CLS and not ticket.held and ticket.submitted_at < when:
                self._closing_auction(ticket, when)
        self._expire(when, extended=False)
        for ticket in self._book.open_tickets():
            if ticket.expires_at is not None and ticket.expires_at <= when:
                self._end(ticket, OrderStatus.EXPIRED, when, "expired", regular=False)
        for account in self._book.accounts.values():
            snapshot = account.value(lambda s: self._price_of(s, when))
            account.last_equity = snapshot.equity
            account.last_maintenance_margin = snapshot.maintenance_margin
            self._book.record_equity(EquityPoint(account.id, when, snapshot.equity))

    def _closing_auction(self, ticket: Ticket, when: datetime) -> None:
        price = self._price_of(ticket.symbol, when)
        execution = None
        if price is not None:
            execution = self._pricer.market(ticket.request.side, price)
            limit = ticket.request.limit_price
            if limit is not None:
                marketable = (
                    price <= limit if ticket.request.side is OrderSide.BUY else price >= limit
                )
                execution = (
                    None
                    if not marketable
                    else min(execution, limit)
                    if ticket.request.side is OrderSide.BUY
                    else max(execution, limit)
                )
        if execution is not None:
            self._execute(ticket, self._full_qty(ticket, execution), execution, when, False)
        if ticket.is_open:
            self._end(ticket, OrderStatus.CANCELED, when, "canceled", regular=False)

    def _expire(self, when: datetime, *, extended: bool) -> None:
        for ticket in self._book.open_tickets():
            request = ticket.request
            if ticket.submitted_at >= when or request.extended_hours is not extended:
                continue
            if request.time_in_force is TimeInForce.GTC:
                continue
            if ticket.held and ticket.parent_id is not None:
                continue  # held exits end with their entry
            kind = OrderStatus.EXPIRED if request.time_in_force is TimeInForce.DAY else None
            if kind is None:
                self._end(ticket, OrderStatus.CANCELED, when, "canceled", regular=False)
            else:
                self._end(ticket, kind, when, "expired", regular=False)

    # -- bars ------------------------------------------------------------------------------
    def _bar(self, symbol: str, slot: BarSlot, *, opening: bool) -> None:
        when = slot.opens_at if opening else slot.closes_at
        for ticket in self._book.open_tickets(symbol=symbol):
            if not ticket.is_working or not (slot.regular or ticket.request.extended_hours):
                continue
            tif = ticket.request.time_in_force
            if tif is TimeInForce.CLS or ticket.eligible_after > when:
                continue
            # Only an order already in the book when the bar opened saw its opening print; one
            # that arrived at that very instant came after the print was replayed.
            since_open = (
                ticket.eligible_after <= slot.opens_at and ticket.submitted_at < slot.opens_at
            )
            if opening or not since_open:
                # the open of this bar, or the close of the bar under way when it arrived
                reference = to_decimal(slot.bar.open if opening else slot.bar.close)
                self._at_print(ticket, slot, reference, when)
            elif tif not in _ONE_SHOT:
                self._over_range(ticket, slot, when)

    def _at_print(self, ticket: Ticket, slot: BarSlot, reference: Decimal, when: datetime) -> None:
        price = print_price(ticket, reference, self._pricer)
        tif = ticket.request.time_in_force
        if price is not None:
            wanted = self._full_qty(ticket, price)
            room = self._room(ticket.symbol, slot)
            if tif is not TimeInForce.FOK or room >= wanted:
                self._execute(ticket, min(wanted, room), price, when, slot.regular, slot)
        if ticket.is_open and tif in _ONE_SHOT:
            self._end(ticket, OrderStatus.CANCELED, when, "canceled", regular=slot.regular)
        elif ticket.is_open and ticket.request.type is OrderType.TRAILING_STOP:
            self._trail(ticket, reference)
        elif ticket.triggered:
            self._book.touch(ticket)  # a stop-limit that triggered keeps resting as a limit

    def _over_range(self, ticket: Ticket, slot: BarSlot, when: datetime) -> None:
        price = range_price(ticket, slot, self._pricer)
        if price is not None:
            wanted = self._full_qty(ticket, price)
            room = self._room(ticket.symbol, slot)
            self._execute(ticket, min(wanted, room), price, when, slot.regular, slot)
        if ticket.is_open and ticket.request.type is OrderType.TRAILING_STOP:
            bar = slot.bar
            sell = ticket.request.side is OrderSide.SELL
            self._trail(ticket, to_decimal(bar.high if sell else bar.low))
        elif ticket.triggered:
            self._book.touch(ticket)

    def _trail(self, ticket: Ticket, extreme: Decimal) -> None:
        ticket.hwm, ticket.trail_stop = trailing_stop(ticket, extreme)
        self._book.touch(ticket)

    # -- executions ------------------------------------------------------------------------
    def _full_qty(self, ticket: Ticket, price: Decimal) -> Decimal:
        remaining = ticket.remaining_qty
        if remaining is not None:
            return remaining
        notional = ticket.remaining_notional or Decimal(0)
        return (notional / price).quantize(_NINE_PLACES, rounding=ROUND_FLOOR)

    def _room(self, symbol: str, slot: BarSlot) -> Decimal:
        """What is left of this bar's volume share for ``symbol``."""
        opened, left = self._capacity.get(symbol, (None, None))
        if opened != slot.opens_at or left is None:
            left = Decimal(repr(float(slot.bar.volume))) * self._config.max_volume_share
            self._capacity[symbol] = (slot.opens_at, left)
        return left

    def _execute(
        self,
        ticket: Ticket,
        qty: Decimal,
        price: Decimal,
        when: datetime,
        regular: bool,
        slot: BarSlot | None = None,
    ) -> None:
        whole = ticket.request.qty is not None and ticket.request.qty == int(ticket.request.qty)
        qty = (
            qty.to_integral_value(ROUND_FLOOR)
            if whole
            else qty.quantize(_NINE_PLACES, rounding=ROUND_FLOOR)
        )
        if qty <= 0:
            return
        account = self._book.accounts[ticket.account_id]
        if (
            account.multiplier() == 1
            and ticket.request.side is OrderSide.BUY
            and qty * price > account.cash
        ):
            # a cash account cannot borrow: the open gapped past what the order reserved
            status = OrderStatus.REJECTED if ticket.order.filled_qty == 0 else OrderStatus.CANCELED
            self._end(ticket, status, when, str(status), regular=regular)
            return
        self._book.fill(ticket, qty, price, when)
        if slot is not None:
            opened, left = self._capacity[ticket.symbol]
            self._capacity[ticket.symbol] = (opened, left - qty)
        legs.on_fill(self._book, ticket, when, regular)

    def _end(
        self, ticket: Ticket, status: OrderStatus, when: datetime, event: str, *, regular: bool
    ) -> None:
        self._book.transition(ticket, status, when, event)
        legs.on_end(self._book, ticket, when, regular)
