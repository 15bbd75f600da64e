"""The paper broker: the exchange's matching engine, in-process, on a replay clock over the lake.

No HTTP and no matching code of its own: ``MatchingEngine`` decides what is refused and at what
price orders fill, exactly as the local exchange does, so paper and exchange fills agree. The
clock stands where ``PaperConfig.start`` puts it (by default one minute before the open of the
last session in the lake) and moves only through ``advance``/``move_to``, which play the market
over the step so resting orders meet every bar that passed. Refusals are the engine's own
errors (``Fatal`` and ``NotFound`` subclasses). One caller at a time, like the engine.

``PaperBroker.open`` keeps the book in a file (the exchange's own SQLite store): accounts,
orders, fills and the clock, so a paper account outlives the process, as a venue would, and the
ledger can be reconciled against it after a restart. ``from_lake`` is a throwaway book.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from workbench.adapters.paper.config import PaperConfig
from workbench.adapters.paper.data import PaperMarketData
from workbench.adapters.ports import BrokerEvent, OrderStatusFilter
from workbench.core.clock import ReplayClock
from workbench.core.errors import DataError, NotFound
from workbench.exchange.assets import AssetCatalog
from workbench.exchange.feed import LakeBarFeed
from workbench.exchange.matching import ExchangeEvent, MatchingEngine, select_orders
from workbench.exchange.matching.queries import MAX_ORDERS
from workbench.exchange.service import opening_instant
from workbench.exchange.sessions import NEW_YORK, ExchangeCalendar, exchange_calendar
from workbench.exchange.store import ExchangeStore
from workbench.model import Account, Fill, Order, OrderRequest, Position, TimeInForce

__all__ = ["PaperBroker"]


class PaperBroker:
    venue = "paper"

    def __init__(
        self,
        engine: MatchingEngine,
        clock: ReplayClock,
        account_id: str,
        market_data: PaperMarketData | None = None,
    ) -> None:
        self.engine = engine
        #: latest bars and quotes as of the clock (``MarketData``), when built over a lake
        self.market_data = market_data
        self.clock = clock
        self.account_id = account_id
        self._events: list[BrokerEvent] = []
        self._store: ExchangeStore | None = None
        engine.subscribe(self._on_event)

    @classmethod
    def from_lake(cls, lake: Any, config: PaperConfig | None = None) -> PaperBroker:
        """A broker with one fresh account over ``lake``'s ``bars_<timeframe>``."""
        config = config or PaperConfig()
        if lake.is_empty():
            raise NotFound(
                f"the market-data lake at {lake.root} is empty: run `workbench data load-sample`"
            )
        calendar = exchange_calendar()
        feed = LakeBarFeed(lake, calendar, config.timeframe)
        start = config.start if config.start is not None else last_session(lake, config, calendar)
        clock = ReplayClock(opening_instant(calendar, start))
        engine = MatchingEngine(
            clock=clock,
            calendar=calendar,
            feed=feed,
            assets=AssetCatalog.from_lake(lake).get,
            config=config.matching,
        )
        account = engine.open_account(cash=config.cash)
        return cls(engine, clock, account.id, PaperMarketData(engine, feed))

    @classmethod
    def open(cls, lake: Any, path: Path, config: PaperConfig | None = None) -> PaperBroker:
        """The paper account kept in ``path``: made (as ``from_lake``) the first time, then
        reopened where its clock and book stood. ``config.start`` applies to a new book only."""
        config = config or PaperConfig()
        store = ExchangeStore(path)
        meta = store.meta()
        if "account" not in meta:
            broker = cls.from_lake(lake, config)
            broker._store = store
            broker.save()
            return broker
        if lake.is_empty():
            raise NotFound(
                f"the market-data lake at {lake.root} is empty: run `workbench data load-sample`"
            )
        calendar = exchange_calendar()
        feed = LakeBarFeed(lake, calendar, config.timeframe)
        clock = ReplayClock(datetime.fromisoformat(meta["clock"]))
        engine = MatchingEngine(
            clock=clock,
            calendar=calendar,
            feed=feed,
            assets=AssetCatalog.from_lake(lake).get,
            config=config.matching,
            processed_until=datetime.fromisoformat(meta["processed_until"]),
        )
        engine.restore(store.accounts(), store.tickets())
        broker = cls(engine, clock, meta["account"], PaperMarketData(engine, feed))
        broker._store = store
        return broker

    def save(self) -> None:
        """Write what changed to the book's file (no-op for a throwaway book)."""
        if self._store is None:
            return
        changes = self.engine.take_changes()
        meta = {
            "account": self.account_id,
            "clock": self.clock.now().isoformat(),
            "processed_until": self.engine.processed_until.isoformat(),
        }
        self._store.save(changes, self.engine.book.accounts, meta)

    def close(self) -> None:
        if self._store is not None:
            self.save()
            self._store.close()
            self._store = None

    # -- time ------------------------------------------------------------------------------
    def now(self) -> datetime:
        return self.clock.now()

    def advance(self, step: timedelta) -> datetime:
        """Move the replay clock forward and play the market over the step."""
        moment = self.clock.advance(step)
        self.engine.sync()
        self.save()
        return moment

    def next_print(self) -> datetime:
        """Move the clock just past the next moment orders can trade (the session's open or its
        close): how a person trading the paper book by hand makes time pass. The clock stays
        where it is when no bar of the lake lies ahead."""
        now = self.clock.now()
        session = self.engine.calendar.session_at_or_after(now)
        if session is None:
            return now
        ahead = [moment for moment in (session.open, session.close) if moment > now]
        return self.move_to(min(ahead) + timedelta(seconds=1)) if ahead else now

    def move_to(self, moment: datetime) -> datetime:
        self.clock.set(moment)
        self.engine.sync()
        self.save()
        return self.clock.now()

    # -- Broker ----------------------------------------------------------------------------
    def last_prices(self, symbols: Sequence[str]) -> dict[str, Decimal]:
        """The matching engine's last trade of each symbol, as of the replay clock."""
        found = {symbol: self.engine.price(symbol) for symbol in symbols}
        return {symbol: price for symbol, price in found.items() if price is not None}

    def account(self) -> Account:
        return self.engine.account(self.account_id).to_model()

    def positions(self) -> list[Position]:
        return [
            Position(
                symbol=row.position.symbol,
                qty=row.position.qty,
                avg_entry_price=row.position.avg_entry_price,
                market_price=row.price,
            )
            for row in self.engine.positions(self.account_id)
        ]

    def submit(self, request: OrderRequest) -> Order:
        cid = request.client_order_id
        if cid is not None and self.engine.book.client_id_taken(self.account_id, cid):
            return self.get_order_by_client_id(cid)
        try:
            return self.engine.submit(self.account_id, request).order
        finally:
            self.save()

    def cancel(self, order_id: str) -> None:
        try:
            self.engine.cancel(self.account_id, order_id)
        finally:
            self.save()

    def replace(
        self,
        order_id: str,
        *,
        qty: Decimal | None = None,
        time_in_force: TimeInForce | None = None,
        limit_price: Decimal | None = None,
        stop_price: Decimal | None = None,
        trail: Decimal | None = None,
        client_order_id: str | None = None,
    ) -> Order:
        try:
            return self._replace(
                order_id,
                qty=qty,
                time_in_force=time_in_force,
                limit_price=limit_price,
                stop_price=stop_price,
                trail=trail,
                client_order_id=client_order_id,
            )
        finally:
            self.save()

    def _replace(self, order_id: str, **changes: Any) -> Order:
        return self.engine.replace(self.account_id, order_id, **changes).order

    def get_order(self, order_id: str) -> Order:
        self.engine.sync()
        return self.engine.book.find(self.account_id, order_id).order

    def get_order_by_client_id(self, client_order_id: str) -> Order:
        self.engine.sync()
        return self.engine.book.find_by_client_id(self.account_id, client_order_id).order

    def orders(
        self, status: OrderStatusFilter = "open", *, symbols: Sequence[str] | None = None
    ) -> list[Order]:
        self.engine.sync()
        tickets = select_orders(
            self.engine.book.account_tickets(self.account_id),
            status=status,
            limit=MAX_ORDERS,
            symbols=symbols,
        )
        return [t.order for t in tickets]

    def events(self) -> list[BrokerEvent]:
        self.engine.sync()
        self.save()
        drained, self._events = self._events, []
        return drained

    def _on_event(self, event: ExchangeEvent) -> None:
        if event.account_id != self.account_id:
            return
        order = event.ticket.order
        fill = None
        if event.qty is not None and event.price is not None:
            fill = Fill(
                order_id=order.id,
                symbol=order.symbol,
                side=order.request.side,
                qty=event.qty,
                price=event.price,
                timestamp=event.timestamp,
                fill_id=event.execution_id,
            )
        self._events.append(BrokerEvent(event.kind, order, event.timestamp, fill))


def last_session(lake: Any, config: PaperConfig, calendar: ExchangeCalendar) -> date:
    """The last session that at least half of the lake's tradable symbols have a bar on."""
    dataset = f"bars_{config.timeframe}"
    rows = lake.coverage(dataset)
    if rows.empty:
        raise DataError(f"the lake has no {dataset}: the paper broker fills against it")
    # the session most tradable symbols reach: an index or one long-lived ETF running years
    # past the stock panel must not put "now" where the stocks have no bars
    tradable = rows[~rows["symbol"].astype(str).str.startswith("^")]
    lasts = (tradable if not tradable.empty else rows)["last"].sort_values()
    last = lasts.iloc[(len(lasts) - 1) // 2].to_pydatetime()
    stamp = last if last.tzinfo is not None else last.replace(tzinfo=UTC)
    day = stamp.astimezone(NEW_YORK).date()
    session = calendar.session_on(day)
    if session is None:
        raise DataError(f"the last bar of {dataset} ({day}) is not on a trading session")
    return session.date
