"""The ports every venue adapter implements, in ``workbench.model`` types only.

``Broker`` is what the execution layer trades through: ``adapters.paper`` (in-process, on the
exchange's matching engine) and ``adapters.alpaca`` (alpaca-py) both implement it, so nothing
above this floor asks which one it has. What differs between venues is answered here: the
venue's time and last prices (``now``, ``last_prices``: a replay's clock and the matching
engine's last trade, or the venue's clock and latest trades), and whether its time moves only
when told (``ReplayBroker``). ``submit`` is idempotent on ``client_order_id``: a resend with an
id the venue already knows returns that order and never places a second one.

``Venue`` is how the composition root (``workbench.runtime``) builds a venue's parts: its
broker, a broker of its own for long-running loops, its historical source and its market
stream. Each venue package registers one (``workbench.adapters.register_venue``).

Fills and order changes arrive through ``events()``, which drains what happened since the last
call (oldest first). A venue decides how it learns of them (engine callbacks, a stream, polling).

``MarketStream`` is live market data: it pushes quotes, trades and bars onto the event bus
(``workbench.core.topics``) as they arrive, reconnecting and resubscribing by itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

from workbench.model import Account, Bar, Fill, Order, OrderRequest, Position, Quote, TimeInForce

if TYPE_CHECKING:
    from workbench.core.events import EventBus
    from workbench.data import LakeBarWriter
    from workbench.data.sources import HistoricalSource

__all__ = [
    "Broker",
    "BrokerEvent",
    "MarketData",
    "MarketStream",
    "OrderStatusFilter",
    "ReplayBroker",
    "StreamStatus",
    "Venue",
]

OrderStatusFilter = Literal["open", "closed", "all"]


@dataclass(frozen=True, slots=True)
class BrokerEvent:
    """One change of one order: ``kind`` is Alpaca's trade-update name (``new``, ``fill``,
    ``partial_fill``, ``canceled``, ``expired``, ``replaced``, ``rejected``...); ``fill`` is set
    for executions."""

    kind: str
    order: Order
    timestamp: datetime
    fill: Fill | None = None


@runtime_checkable
class Broker(Protocol):
    @property
    def venue(self) -> str:
        """The venue's name (``paper``, ``alpaca``), which the ledger keeps with the account."""
        ...

    def now(self) -> datetime:
        """The venue's time: orders are stamped, and sessions judged, by it, not this
        machine's clock (a replay's clock stands wherever the replay is)."""
        ...

    def last_prices(self, symbols: Sequence[str]) -> dict[str, Decimal]:
        """The last trade price of each symbol at the venue; symbols without one are absent."""
        ...

    def account(self) -> Account: ...

    def positions(self) -> list[Position]: ...

    def submit(self, request: OrderRequest) -> Order:
        """Place an order; a known ``client_order_id`` returns the existing order."""
        ...

    def cancel(self, order_id: str) -> None: ...

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
        """Cancel/replace: the old order ends ``replaced``; returns the new one."""
        ...

    def get_order(self, order_id: str) -> Order: ...

    def get_order_by_client_id(self, client_order_id: str) -> Order: ...

    def orders(
        self, status: OrderStatusFilter = "open", *, symbols: Sequence[str] | None = None
    ) -> list[Order]: ...

    def events(self) -> list[BrokerEvent]:
        """Order changes and fills since the last call, oldest first."""
        ...

    def close(self) -> None:
        """Release what the broker holds (its book's file, its streams); idempotent."""
        ...


@runtime_checkable
class ReplayBroker(Broker, Protocol):
    """A broker on a replay clock: its time moves only when told, and the market is played
    over each step, so resting orders meet every bar that passed."""

    def move_to(self, moment: datetime) -> datetime: ...

    def next_print(self) -> datetime:
        """Just past the next moment orders can trade (the session's open or close): how time
        passes for a person trading a replay by hand."""
        ...


@runtime_checkable
class MarketData(Protocol):
    def latest_bars(self, symbols: Sequence[str]) -> dict[str, Bar]:
        """The last complete bar of each symbol; unknown symbols are absent."""
        ...

    def latest_quotes(self, symbols: Sequence[str]) -> dict[str, Quote]: ...


@dataclass(frozen=True, slots=True)
class StreamStatus:
    """Where a market stream stands: connected or not, how often it reconnected, what it
    receives, and the time of the last message (None before the first)."""

    connected: bool
    reconnects: int = 0
    last_message_at: datetime | None = None
    messages: int = 0
    subscriptions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    reason: str | None = None


@runtime_checkable
class MarketStream(Protocol):
    """Live quotes, trades and bars, published on the event bus (``topics.QUOTE``, ``TRADE``,
    ``BAR``) and its connection changes on ``topics.STREAM_STATUS``. Subscriptions may change
    while it runs; after a reconnect it resubscribes to all of them."""

    def subscribe(
        self,
        *,
        quotes: Sequence[str] = (),
        trades: Sequence[str] = (),
        bars: Sequence[str] = (),
    ) -> None: ...

    def unsubscribe(
        self,
        *,
        quotes: Sequence[str] = (),
        trades: Sequence[str] = (),
        bars: Sequence[str] = (),
    ) -> None: ...

    async def run(self) -> None:
        """Connect and deliver until ``stop``; reconnects with backoff when the link drops."""
        ...

    async def stop(self) -> None: ...

    def status(self) -> StreamStatus: ...


@runtime_checkable
class Venue(Protocol):
    """One venue's parts, built for the runtime from settings. ``name`` is what ``WB_BROKER``
    (and ``WB_DATA__SOURCE``) call it; ``replays`` says its time moves only when a run moves it
    (a strategy run on it replays past sessions); ``remote`` says it lives outside this process
    (health asks its broker and compares clocks with it). A part the venue does not have
    raises ``ConfigError`` naming what to configure instead."""

    @property
    def name(self) -> str: ...

    @property
    def replays(self) -> bool: ...

    @property
    def remote(self) -> bool: ...

    def problems(self) -> list[str]:
        """What keeps the venue from trading with these settings (missing keys, unreachable,
        refused), each one line; may reach the venue. Empty when nothing does."""
        ...

    def broker(self) -> Broker:
        """The broker one-shot commands trade through."""
        ...

    def live_broker(self) -> Broker | None:
        """A broker of its own for a long-running loop (the caller closes it), or None when the
        one from ``broker()`` serves a loop as well."""
        ...

    def reference_clock(self) -> Callable[[], datetime] | None:
        """The venue's own clock, to measure this machine's drift against; None in-process."""
        ...

    def historical_source(self) -> HistoricalSource:
        """Where ``data fetch`` gets the history the lake lacks."""
        ...

    def market_stream(self, bus: EventBus, *, bars_to: LakeBarWriter | None = None) -> MarketStream:
        """Live quotes, trades and bars onto ``bus``; minute bars also to ``bars_to``."""
        ...
