"""The ports every venue adapter implements, in ``workbench.model`` types only.

``Broker`` is what the execution layer trades through: ``adapters.paper`` (in-process, on the
exchange's matching engine) and ``adapters.alpaca`` (alpaca-py) both implement it, so nothing
above this floor asks which one it has. ``submit`` is idempotent on ``client_order_id``: a resend
with an id the venue already knows returns that order and never places a second one.

Fills and order changes arrive through ``events()``, which drains what happened since the last
call (oldest first). A venue decides how it learns of them (engine callbacks, a stream, polling).

``MarketStream`` is live market data: it pushes quotes, trades and bars onto the event bus
(``workbench.core.topics``) as they arrive, reconnecting and resubscribing by itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal, Protocol, runtime_checkable

from workbench.model import Account, Bar, Fill, Order, OrderRequest, Position, Quote, TimeInForce

__all__ = [
    "Broker",
    "BrokerEvent",
    "MarketData",
    "MarketStream",
    "OrderStatusFilter",
    "StreamStatus",
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
