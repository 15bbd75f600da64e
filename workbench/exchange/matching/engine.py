"""The matching engine: accounts, orders and positions of one venue, on an injected clock.

``MatchingEngine`` is a library object with no web or file dependencies: give it a clock, a
session calendar, a bar feed and an asset lookup (``market.py``), and it accepts, cancels and
replaces orders (``validation.py`` says what it refuses), fills them against bars as the clock
moves (``replay.py``, ``fills.py``) and tells listeners about every change (``ExchangeEvent``).
Every public call first plays the market up to ``clock.now()``, so the answer is always as of
now. It is not thread-safe: one caller at a time (the exchange service holds a lock).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from workbench.core.clock import Clock
from workbench.exchange.matching import legs, validation
from workbench.exchange.matching.accounts import (
    AccountConfig,
    AccountSnapshot,
    AccountState,
    PositionValue,
)
from workbench.exchange.matching.book import Book, Changes, Listener
from workbench.exchange.matching.config import MatchingConfig
from workbench.exchange.matching.errors import (
    DuplicateClientOrderId,
    InvalidOrder,
    OrderNotCancelable,
    UnknownAccount,
    UnknownAsset,
    UnknownPosition,
)
from workbench.exchange.matching.fills import trailing_stop
from workbench.exchange.matching.market import (
    AssetInfo,
    BarFeed,
    DerivedQuote,
    PricePoint,
    SessionCalendar,
)
from workbench.exchange.matching.replay import Replayer
from workbench.exchange.matching.tickets import Ticket
from workbench.model import Order, OrderRequest, OrderSide, OrderStatus, OrderType, TimeInForce

__all__ = ["AssetLookup", "MatchingEngine"]

AssetLookup = Callable[[str], AssetInfo | None]
_NINE_PLACES = Decimal("1e-9")


class MatchingEngine:
    def __init__(
        self,
        *,
        clock: Clock,
        calendar: SessionCalendar,
        feed: BarFeed,
        assets: AssetLookup,
        config: MatchingConfig | None = None,
        processed_until: datetime | None = None,
    ) -> None:
        self.clock = clock
        self.calendar = calendar
        self.feed = feed
        self.assets = assets
        self.config = config or MatchingConfig()
        self.book = Book()
        self.processed_until = processed_until or clock.now()
        #: new orders may trade only this long after they arrive (a slow venue; fault injection)
        self.fill_delay = timedelta(0)
        self._replayer = Replayer(self.book, calendar, feed, self.config, self._price_at)

    # -- time ------------------------------------------------------------------------------
    def sync(self) -> int:
        """Play the market up to the clock's now; returns how many steps happened."""
        now = self.clock.now()
        if now <= self.processed_until:
            return 0
        steps = self._replayer.run(self.processed_until, now)
        self.processed_until = now
        return steps

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        return self.book.subscribe(listener)

    def take_changes(self) -> Changes:
        return self.book.take_changes()

    def restore(self, accounts: Iterable[AccountState], tickets: Iterable[Ticket]) -> None:
        """Load saved state (the store's) into an empty engine."""
        for account in accounts:
            self.book.add_account(account)
        for ticket in sorted(tickets, key=lambda t: t.seq):
            self.book.add(ticket, None, ticket.order.updated_at)
        self.book.take_changes()

    def reload(
        self,
        accounts: Iterable[AccountState],
        tickets: Iterable[Ticket],
        processed_until: datetime,
    ) -> None:
        """Replace the state with saved state: another process moved the same saved book since
        this engine last loaded or saved it. Listeners stay subscribed."""
        self.book.clear()
        self.processed_until = processed_until
        self.restore(accounts, tickets)

    # -- market ----------------------------------------------------------------------------
    def last_trade(self, symbol: str, at: datetime | None = None) -> PricePoint | None:
        return self.feed.last_trade(symbol, at or self.clock.now())

    def quote(self, symbol: str, at: datetime | None = None) -> DerivedQuote | None:
        last = self.last_trade(symbol, at)
        return None if last is None else DerivedQuote.around(last, self.config.spread_bps)

    def price(self, symbol: str) -> Decimal | None:
        return self._price_at(symbol, self.clock.now())

    def _price_at(self, symbol: str, at: datetime) -> Decimal | None:
        last = self.feed.last_trade(symbol, at)
        return None if last is None else last.price

    def asset(self, symbol: str) -> AssetInfo:
        found = self.assets(symbol)
        if found is None:
            raise UnknownAsset(symbol)
        return found

    # -- accounts --------------------------------------------------------------------------
    def open_account(
        self, account_id: str | None = None, *, cash: Decimal | None = None, number: str = ""
    ) -> AccountState:
        self.sync()
        account_id = account_id or str(uuid.uuid4())
        opening = self.config.initial_cash if cash is None else Decimal(cash)
        account = AccountState(
            id=account_id,
            number=number or "PA" + uuid.UUID(account_id).hex[:10].upper(),
            created_at=self.clock.now(),
            cash=opening,
            last_equity=opening,
        )
        self.book.add_account(account)
        return account

    def account_state(self, account_id: str) -> AccountState:
        account = self.book.accounts.get(account_id)
        if account is None:
            raise UnknownAccount(account_id)
        return account

    def account(self, account_id: str) -> AccountSnapshot:
        self.sync()
        return self.account_state(account_id).value(self.price)

    def configure(self, account_id: str, **changes: object) -> AccountConfig:
        """Change account settings; ``None`` values are ignored (alpaca-py sends them all)."""
        self.sync()
        account = self.account_state(account_id)
        known = {f.name for f in dataclasses.fields(AccountConfig)}
        updates = {k: v for k, v in changes.items() if v is not None and k in known}
        account.config = dataclasses.replace(account.config, **updates)  # type: ignore[arg-type]
        self.book.add_account(account)
        return account.config

    # -- orders ----------------------------------------------------------------------------
    def submit(
        self,
        account_id: str,
        request: OrderRequest,
        *,
        stop_loss_limit_price: Decimal | None = None,
    ) -> Ticket:
        """Validate and accept an order. It is queued or working on return, never filled yet:
        it trades only on prices the replay reveals after now."""
        self.sync()
        now = self.clock.now()
        account = self.account_state(account_id)
        cid = request.client_order_id
        if cid is not None and self.book.client_id_taken(account_id, cid):
            raise DuplicateClientOrderId(cid)
        opening, rules, asset = self._admit(account, request, stop_loss_limit_price, ())
        order_id = str(uuid.uuid4())
        status = OrderStatus.NEW if rules.working else OrderStatus.ACCEPTED
        ticket = Ticket(
            order=Order(
                id=order_id,
                client_order_id=cid or order_id,
                request=request,
                status=status,
                created_at=now,
                updated_at=now,
            ),
            account_id=account_id,
            asset_id=asset.id,
            submitted_at=now,
            seq=self.book.next_seq(),
            opening=opening,
            expires_at=self._expiry(request, rules.expires_at, now),
        )
        if self.fill_delay:
            ticket.routed_at = now + self.fill_delay
        self._start_trailing(ticket)
        self.book.add(ticket, str(status), now)
        legs.create_legs(self.book, ticket, stop_loss_limit_price, now)
        return ticket

    def _admit(
        self,
        account: AccountState,
        request: OrderRequest,
        stop_loss_limit_price: Decimal | None,
        ignoring: tuple[str, ...],
    ) -> tuple[bool, validation.SessionRules, AssetInfo]:
        now = self.clock.now()
        validation.check_account(account)
        asset = validation.check_asset(request.symbol, self.assets(request.symbol))
        validation.check_shape(request, asset, account, stop_loss_limit_price)
        current = self.calendar.session_at_or_after(now)
        following = (
            None if current is None else self.calendar.session_at_or_after(current.after_hours_end)
        )
        rules = validation.session_rules(request, now, current, following)
        tickets = [t for t in self.book.open_tickets(account.id) if t.id not in ignoring]
        quote = self.quote(request.symbol)
        if quote is None and request.type in (OrderType.MARKET, OrderType.TRAILING_STOP):
            raise InvalidOrder(f"no market price for {request.symbol} yet", symbol=request.symbol)
        opening = validation.classify(request, account, asset, tickets, quote)
        validation.check_wash_trade(request, tickets)
        if opening:
            quotes = {symbol: self.quote(symbol) for symbol in {t.symbol for t in tickets}}
            quotes[request.symbol] = quote
            validation.check_buying_power(
                request, account.value(self.price), tickets, quotes, self.config
            )
        return opening, rules, asset

    def _expiry(
        self, request: OrderRequest, session_expiry: datetime | None, now: datetime
    ) -> datetime | None:
        if request.time_in_force is TimeInForce.GTC:
            return now + timedelta(days=self.config.gtc_days)
        return session_expiry

    def _start_trailing(self, ticket: Ticket) -> None:
        if ticket.request.type is not OrderType.TRAILING_STOP:
            return
        price = self.price(ticket.symbol)
        if price is None:  # guarded in _admit; kept for the type checker
            raise InvalidOrder(f"no market price for {ticket.symbol} yet")
        ticket.hwm, ticket.trail_stop = trailing_stop(ticket, price)

    def cancel(self, account_id: str, order_id: str) -> Ticket:
        self.sync()
        ticket = self.book.find(account_id, order_id)
        if not ticket.is_open:
            raise OrderNotCancelable(order_id, str(ticket.status))
        now = self.clock.now()
        self.book.transition(ticket, OrderStatus.CANCELED, now, "canceled")
        legs.on_end(self.book, ticket, now, self._regular(now))
        return ticket

    def cancel_all(self, account_id: str) -> list[Ticket]:
        """Cancel every open order of the account; returns them as canceled."""
        self.sync()
        canceled = []
        for ticket in self.book.open_tickets(account_id):
            if ticket.is_open:  # a group member may have gone with an earlier one
                canceled.append(self.cancel(account_id, ticket.id))
        return canceled

    def replace(
        self,
        account_id: str,
        order_id: str,
        *,
        qty: Decimal | None = None,
        time_in_force: TimeInForce | None = None,
        limit_price: Decimal | None = None,
        stop_price: Decimal | None = None,
        trail: Decimal | None = None,
        client_order_id: str | None = None,
    ) -> Ticket:
        """Cancel/replace: the old order ends ``replaced``, a new one carries the changes.

        Unset fields carry over; ``qty`` defaults to what the old order had left to fill.
        """
        self.sync()
        old = self.book.find(account_id, order_id)
        if not old.is_open:
            raise InvalidOrder(f"order is {old.status} and cannot be replaced")
        if old.request.notional is not None:
            raise InvalidOrder("notional orders cannot be replaced")
        if client_order_id is not None and self.book.client_id_taken(account_id, client_order_id):
            raise DuplicateClientOrderId(client_order_id)
        request = _replaced_request(old, qty, time_in_force, limit_price, stop_price, trail)
        request = dataclasses.replace(request, client_order_id=client_order_id)
        account = self.account_state(account_id)
        ignoring = (old.id, *validation_group(self.book, old))
        opening, rules, _ = self._admit(account, request, None, ignoring)
        now = self.clock.now()
        new_id = str(uuid.uuid4())
        working = old.is_working or rules.working
        status = OrderStatus.ACCEPTED if old.held or not working else OrderStatus.NEW
        new = dataclasses.replace(
            old,
            order=Order(
                id=new_id,
                client_order_id=client_order_id or new_id,
                request=request,
                status=status,
                created_at=now,
                updated_at=now,
            ),
            submitted_at=now,
            seq=self.book.next_seq(),
            opening=opening,
            expires_at=self._expiry(request, rules.expires_at, now),
            filled_value=Decimal(0),
            replaces=old.id,
            routed_at=None,
            hwm=None,
            trail_stop=None,
            triggered=False,
        )
        self._start_trailing(new)
        self.book.transition(old, OrderStatus.REPLACED, now, "replaced", replaced_by=new_id)
        legs.relink(self.book, old, new)
        self.book.add(new, str(status) if not new.held else None, now)
        return new

    def _regular(self, moment: datetime) -> bool:
        session = self.calendar.session_at_or_after(moment)
        return session is not None and session.is_regular(moment)

    # -- positions -------------------------------------------------------------------------
    def positions(self, account_id: str) -> list[PositionValue]:
        self.sync()
        account = self.account_state(account_id)
        return [
            PositionValue.of(p, self.price(p.symbol)) for _, p in sorted(account.positions.items())
        ]

    def position(self, account_id: str, symbol: str) -> PositionValue:
        self.sync()
        held = self.account_state(account_id).positions.get(symbol)
        if held is None:
            raise UnknownPosition(symbol)
        return PositionValue.of(held, self.price(symbol))

    def close_position(
        self,
        account_id: str,
        symbol: str,
        *,
        qty: Decimal | None = None,
        percentage: Decimal | None = None,
    ) -> Ticket:
        """Submit the market order that closes all, ``qty`` or ``percentage`` of a position."""
        self.sync()
        held = self.account_state(account_id).position_qty(symbol)
        if held == 0:
            raise UnknownPosition(symbol)
        size = abs(held)
        if qty is not None:
            size = qty
        elif percentage is not None:
            if not Decimal(0) < percentage <= 100:
                raise InvalidOrder("percentage must be in (0, 100]")
            size = (abs(held) * percentage / 100).quantize(_NINE_PLACES, rounding=ROUND_FLOOR)
        side = OrderSide.SELL if held > 0 else OrderSide.BUY
        request = OrderRequest(symbol=symbol, side=side, qty=size)
        return self.submit(account_id, request)


def validation_group(book: Book, ticket: Ticket) -> tuple[str, ...]:
    """Ids whose reservations a replacement of ``ticket`` takes over (its exit group)."""
    return tuple(member.id for member in legs.group_of(book, ticket))


def _replaced_request(
    old: Ticket,
    qty: Decimal | None,
    time_in_force: TimeInForce | None,
    limit_price: Decimal | None,
    stop_price: Decimal | None,
    trail: Decimal | None,
) -> OrderRequest:
    request = old.request
    changes: dict[str, object] = {"qty": qty if qty is not None else old.remaining_qty}
    if time_in_force is not None:
        changes["time_in_force"] = time_in_force
    if limit_price is not None:
        changes["limit_price"] = limit_price
    if stop_price is not None:
        changes["stop_price"] = stop_price
    if trail is not None:
        if request.type is not OrderType.TRAILING_STOP:
            raise InvalidOrder("trail can only be replaced on trailing_stop orders")
        key = "trail_price" if request.trail_price is not None else "trail_percent"
        changes[key] = trail
    return dataclasses.replace(request, **changes)  # type: ignore[arg-type]
