"""The paper broker: the exchange's matching engine, in-process, on a replay clock over the lake.

No HTTP and no matching code of its own: ``MatchingEngine`` decides what is refused and at what
price orders fill, exactly as the local exchange does, so paper and exchange fills agree. The
clock stands where ``PaperConfig.start`` puts it (by default one minute before the open of the
last session in the lake) and moves only through ``advance``/``move_to``, which play the market
over the step so resting orders meet every bar that passed. Refusals are the engine's own
errors (``Fatal`` and ``NotFound`` subclasses). One caller at a time per object, like the engine.

``PaperBroker.open`` keeps the book in a file (the exchange's own SQLite store): accounts,
orders, fills and the clock, so a paper account outlives the process, as a venue would, and the
ledger can be reconciled against it after a restart. Several processes may trade one book at
once (two ``workbench trade submit`` commands): every call runs under the file's write lock on
the book as the file has it then (reloaded when another process wrote since this one last
looked, which a version number in the file tells), and writes what it changed before the lock
is released, so no process writes back a stale account over another's fills. ``from_lake`` is
a throwaway book.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from workbench.adapters.paper.config import PaperConfig
from workbench.adapters.paper.data import PaperMarketData
from workbench.adapters.ports import BrokerEvent, OrderStatusFilter
from workbench.core.clock import ReplayClock
from workbench.core.errors import DataError, NotFound, WorkbenchError
from workbench.exchange.assets import AssetCatalog
from workbench.exchange.feed import LakeBarFeed
from workbench.exchange.matching import ExchangeEvent, MatchingEngine, select_orders
from workbench.exchange.matching.queries import MAX_ORDERS
from workbench.exchange.service import opening_instant
from workbench.exchange.sessions import NEW_YORK, ExchangeCalendar, exchange_calendar
from workbench.exchange.store import ExchangeStore
from workbench.model import Account, Fill, Order, OrderRequest, Position, TimeInForce

__all__ = ["PaperBroker"]

_T = TypeVar("_T")
#: meta key of the book file's version, raised by every write
_VERSION = "version"


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
        #: the file's version this engine holds; None: reload before the next call
        self._version: str | None = None
        self._file_meta: dict[str, str] = {}
        engine.subscribe(self._on_event)

    @classmethod
    def from_lake(cls, lake: Any, config: PaperConfig | None = None) -> PaperBroker:
        """A broker with one fresh account over ``lake``'s ``bars_<timeframe>``."""
        config = config or PaperConfig()
        _require_bars(lake)
        calendar = exchange_calendar()
        start = config.start if config.start is not None else last_session(lake, config, calendar)
        broker = cls._over(lake, config, calendar, opening_instant(calendar, start), None)
        account = broker.engine.open_account(cash=config.cash)
        broker.account_id = account.id
        return broker

    @classmethod
    def _over(
        cls,
        lake: Any,
        config: PaperConfig,
        calendar: ExchangeCalendar,
        now: datetime,
        processed_until: datetime | None,
    ) -> PaperBroker:
        feed = LakeBarFeed(lake, calendar, config.timeframe)
        clock = ReplayClock(now)
        engine = MatchingEngine(
            clock=clock,
            calendar=calendar,
            feed=feed,
            assets=AssetCatalog.from_lake(lake).get,
            config=config.matching,
            processed_until=processed_until,
        )
        return cls(engine, clock, "", PaperMarketData(engine, feed))

    @classmethod
    def open(cls, lake: Any, path: Path, config: PaperConfig | None = None) -> PaperBroker:
        """The paper account kept in ``path``: made (as ``from_lake``) the first time, then
        reopened where its clock and book stood. ``config.start`` applies to a new book only.
        Two processes opening a new book at once get the same account: the first makes it."""
        config = config or PaperConfig()
        store = ExchangeStore(path)
        try:
            with store.transaction():
                meta = store.meta()
                if "account" not in meta:
                    broker = cls.from_lake(lake, config)
                    broker._store = store
                    broker._version = broker._write()
                else:
                    _require_bars(lake)
                    broker = cls._over(
                        lake,
                        config,
                        exchange_calendar(),
                        datetime.fromisoformat(meta["clock"]),
                        datetime.fromisoformat(meta["processed_until"]),
                    )
                    broker.account_id = meta["account"]
                    broker.engine.restore(store.accounts(), store.tickets())
                    broker._store = store
                    broker._version = meta.get(_VERSION)
                    broker._file_meta = meta
        except BaseException:
            store.close()
            raise
        return broker

    def save(self) -> None:
        """Bring the book's file up to date (no-op for a throwaway book). Every call saves what
        it changed already; this is for code that moved the engine by hand."""
        self._on_book(lambda: None)

    def close(self) -> None:
        if self._store is not None:
            self.save()
            self._store.close()
            self._store = None

    # -- one call on the book ----------------------------------------------------------------
    def _on_book(self, action: Callable[[], _T]) -> _T:
        """Run ``action`` on the book as saved now and save what it changed, all under the
        file's write lock. A refusal (a ``WorkbenchError``) still saves what the market did
        before it (fills the replay made), since this process has already heard of them."""
        store = self._store
        if store is None:
            return action()
        refusal: WorkbenchError | None = None
        try:
            with store.transaction():
                self._refresh(store)
                try:
                    outcome = action()
                except WorkbenchError as error:
                    refusal = error
                written = self._write()
        except BaseException:
            self._version = None  # what this engine holds may not be what the file has
            raise
        self._version = written
        if refusal is not None:
            raise refusal
        return outcome

    def _refresh(self, store: ExchangeStore) -> None:
        meta = self._file_meta = store.meta()
        if self._version is not None and meta.get(_VERSION) == self._version:
            return
        saved_clock = datetime.fromisoformat(meta["clock"])
        if saved_clock > self.clock.now():
            self.clock.set(saved_clock)
        processed_until = datetime.fromisoformat(meta["processed_until"])
        self.engine.reload(store.accounts(), store.tickets(), processed_until)
        self._version = meta.get(_VERSION)

    def _write(self) -> str | None:
        """Write what changed inside the open transaction; the version the file will have."""
        assert self._store is not None
        changes = self.engine.take_changes()
        meta = {
            "account": self.account_id,
            "clock": self.clock.now().isoformat(),
            "processed_until": self.engine.processed_until.isoformat(),
        }
        unchanged = all(self._file_meta.get(key) == value for key, value in meta.items())
        if not changes and unchanged and self._version is not None:
            return self._version
        version = str(int(self._version or 0) + 1)
        self._store.save(changes, self.engine.book.accounts, {**meta, _VERSION: version})
        return version

    # -- time ------------------------------------------------------------------------------
    def now(self) -> datetime:
        return self.clock.now()

    def advance(self, step: timedelta) -> datetime:
        """Move the replay clock forward and play the market over the step."""

        def advance() -> datetime:
            moment = self.clock.advance(step)
            self.engine.sync()
            return moment

        return self._on_book(advance)

    def next_print(self) -> datetime:
        """Move the clock just past the next moment orders can trade (the session's open or its
        close, or after the close the next session's open when an open order has a bar there):
        how a person trading the paper book by hand makes time pass. The clock stays where it
        is when no bar of the lake lies ahead."""
        return self._on_book(self._next_print)

    def _next_print(self) -> datetime:
        now = self.clock.now()
        calendar = self.engine.calendar
        session = calendar.session_at_or_after(now)
        if session is None:
            return now
        ahead = [moment for moment in (session.open, session.close) if moment > now]
        if not ahead:
            following = calendar.session_at_or_after(session.after_hours_end)
            if following is not None and self._bars_in(following.open, following.close):
                ahead = [following.open]
        return self._move_to(min(ahead) + timedelta(seconds=1)) if ahead else now

    def _bars_in(self, start: datetime, end: datetime) -> bool:
        """Whether a symbol of an open order has a bar opening between ``start`` and ``end``."""
        symbols = {ticket.symbol for ticket in self.engine.book.open_tickets(self.account_id)}
        feed = self.engine.feed
        return any(feed.slots(symbol, start, end) for symbol in symbols)

    def move_to(self, moment: datetime) -> datetime:
        return self._on_book(lambda: self._move_to(moment))

    def _move_to(self, moment: datetime) -> datetime:
        self.clock.set(moment)
        self.engine.sync()
        return self.clock.now()

    # -- Broker ----------------------------------------------------------------------------
    def last_prices(self, symbols: Sequence[str]) -> dict[str, Decimal]:
        """The matching engine's last trade of each symbol, as of the replay clock."""
        found = {symbol: self.engine.price(symbol) for symbol in symbols}
        return {symbol: price for symbol, price in found.items() if price is not None}

    def account(self) -> Account:
        return self._on_book(lambda: self.engine.account(self.account_id).to_model())

    def positions(self) -> list[Position]:
        return self._on_book(self._positions)

    def _positions(self) -> list[Position]:
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
        """Place an order; a ``client_order_id`` the book knows is the same order again, and
        comes back as it stands (a resend is never a second order)."""
        return self._on_book(lambda: self._submit(request))

    def _submit(self, request: OrderRequest) -> Order:
        cid = request.client_order_id
        if cid is not None and self.engine.book.client_id_taken(self.account_id, cid):
            self.engine.sync()
            return self.engine.book.find_by_client_id(self.account_id, cid).order
        return self.engine.submit(self.account_id, request).order

    def cancel(self, order_id: str) -> None:
        self._on_book(lambda: self.engine.cancel(self.account_id, order_id))

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
        changes: dict[str, Any] = {
            "qty": qty,
            "time_in_force": time_in_force,
            "limit_price": limit_price,
            "stop_price": stop_price,
            "trail": trail,
            "client_order_id": client_order_id,
        }
        return self._on_book(
            lambda: self.engine.replace(self.account_id, order_id, **changes).order
        )

    def get_order(self, order_id: str) -> Order:
        def find() -> Order:
            self.engine.sync()
            return self.engine.book.find(self.account_id, order_id).order

        return self._on_book(find)

    def get_order_by_client_id(self, client_order_id: str) -> Order:
        def find() -> Order:
            self.engine.sync()
            return self.engine.book.find_by_client_id(self.account_id, client_order_id).order

        return self._on_book(find)

    def orders(
        self, status: OrderStatusFilter = "open", *, symbols: Sequence[str] | None = None
    ) -> list[Order]:
        def select() -> list[Order]:
            self.engine.sync()
            tickets = select_orders(
                self.engine.book.account_tickets(self.account_id),
                status=status,
                limit=MAX_ORDERS,
                symbols=symbols,
            )
            return [t.order for t in tickets]

        return self._on_book(select)

    def events(self) -> list[BrokerEvent]:
        self._on_book(self.engine.sync)
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


def _require_bars(lake: Any) -> None:
    if lake.is_empty():
        raise NotFound(
            f"the market-data lake at {lake.url} is empty: run `workbench data load-sample`"
        )


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
