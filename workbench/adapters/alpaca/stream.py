"""Live quotes, trades and minute bars through alpaca-py's ``StockDataStream``.

Why the SDK and not our own websocket client: its ``_run_forever`` already reconnects with
exponential backoff and equal jitter, bounded by two attributes we set from the config, and
resubscribes to every symbol that has a handler once it is back. What it does not do is say so,
stop promptly (its receive loop looks for a stop every 5 s) or change subscriptions from the
loop's own thread (``subscribe_*`` blocks on a future of that loop). So ``MarketFeed`` (a thin
subclass) reports connections, drops and acknowledgements; this class keeps the subscriptions,
changes the SDK's handler table on its loop only, sends the changes itself, and stops by
cancelling the pending receive (``sdk_loop.until_stopped``). ``run()`` drives the SDK's coroutine
on the caller's event loop: no thread and no second loop of the SDK's own. Speaking the msgpack
protocol with ``websockets`` directly would be about as long, but would be a second client to
keep in step with Alpaca's protocol, where the issue asks for the SDK's.

Each message becomes a ``workbench.model`` Quote, Trade or Bar and is published on
``topics.QUOTE``, ``TRADE`` or ``BAR`` (updated bars too); connections and drops are published
on ``topics.STREAM_STATUS``. With a lake, minute bars are also written to ``bars_1m`` in batches
(``LakeBarWriter``), and whatever is held is written when the stream stops.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from workbench.adapters.alpaca.config import AlpacaConfig
from workbench.adapters.ports import StreamStatus
from workbench.core import topics
from workbench.core.errors import DataError, Retryable
from workbench.core.events import EventBus
from workbench.core.tasks import cancel_and_wait
from workbench.model import Bar, Quote, Trade, normalize_symbols

if TYPE_CHECKING:
    from workbench.adapters.alpaca.market_feed import MarketFeed
    from workbench.data import LakeBarWriter

__all__ = ["AlpacaMarketStream"]

_log = logging.getLogger(__name__)
KINDS = ("quotes", "trades", "bars")
#: the SDK's channels behind each of our kinds (a bar Alpaca corrects comes as an updated bar)
_CHANNELS = {"quotes": ("quotes",), "trades": ("trades",), "bars": ("bars", "updatedBars")}
_STOP_TIMEOUT_S = 10.0


class AlpacaMarketStream:
    """A ``MarketStream`` on Alpaca's market-data stream (or the local exchange's)."""

    source = "alpaca"

    def __init__(
        self, config: AlpacaConfig, bus: EventBus, *, bars_to: LakeBarWriter | None = None
    ) -> None:
        self.config = config
        self.bus = bus
        self.bars_to = bars_to
        self._wanted: dict[str, set[str]] = {kind: set() for kind in KINDS}
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._feed: MarketFeed | None = None
        self._wake: asyncio.Event | None = None
        self._done: asyncio.Event | None = None
        self._sending: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._stop_task: asyncio.Task[None] | None = None
        self._finished = threading.Event()
        self._connected = False
        self._ever_connected = False
        self._reconnects = 0
        self._messages = 0
        self._last_message_at: datetime | None = None
        self._reason: str | None = "not started"

    # -- MarketStream ----------------------------------------------------------------------
    def subscribe(
        self, *, quotes: Sequence[str] = (), trades: Sequence[str] = (), bars: Sequence[str] = ()
    ) -> None:
        self._change(dict(zip(KINDS, (quotes, trades, bars), strict=True)), add=True)

    def unsubscribe(
        self, *, quotes: Sequence[str] = (), trades: Sequence[str] = (), bars: Sequence[str] = ()
    ) -> None:
        self._change(dict(zip(KINDS, (quotes, trades, bars), strict=True)), add=False)

    async def run(self) -> None:
        if self._loop is not None:
            raise DataError("a market stream runs once; build another AlpacaMarketStream")
        from workbench.adapters.alpaca.market_feed import MarketFeed

        self._loop = asyncio.get_running_loop()
        self._wake, self._done = asyncio.Event(), asyncio.Event()
        self._feed = MarketFeed(
            api_key=self.config.api_key,
            secret_key=self.config.secret_key,
            feed=self.config.feed,
            url=self.config.stream_url,
            reconnect_min_s=self.config.reconnect_min_s,
            reconnect_max_s=self.config.reconnect_max_s,
            on_connect=self._connected_now,
            on_drop=self._dropped,
        )
        flusher = asyncio.create_task(self._flush_when_due()) if self.bars_to else None
        try:
            self._sync_handlers()
            # the SDK spins without pause until it has a handler: wait for one here instead
            while not self._stopping and not self._has_subscriptions():
                self._wake.clear()
                await self._wake.wait()
            if not self._stopping:
                await self._feed.run_until_stopped()
        except asyncio.CancelledError:
            self._stopping = True  # a cancelled run is a stop
            raise
        finally:
            if flusher is not None:
                await cancel_and_wait(flusher)
            await self._drain_sends()
            if self.bars_to is not None:
                await asyncio.to_thread(self.bars_to.flush)
            if self._stop_task is not None:
                await self._stop_task
            await self._feed.close()  # already closed unless run() itself was cancelled
            self._disconnected("stopped" if self._stopping else "the venue refused the stream")
            self._done.set()
            self._finished.set()

    async def stop(self) -> None:
        """Close the connection, write the bars still held, and return once ``run`` ended
        (from any thread or event loop)."""
        loop = self._loop
        if loop is None:
            self._stopping = True
            return
        if loop.is_closed() or self._finished.is_set():
            return
        if asyncio.get_running_loop() is loop:
            self._begin_stop()
            assert self._done is not None
            await asyncio.wait_for(self._done.wait(), _STOP_TIMEOUT_S)
            return
        # another loop: a task there could outlive run() and never answer, so only start the
        # stop there and wait here for run() to say it ended
        loop.call_soon_threadsafe(self._begin_stop)
        if not await asyncio.to_thread(self._finished.wait, _STOP_TIMEOUT_S):
            raise Retryable(f"the market stream did not stop within {_STOP_TIMEOUT_S} s")

    def status(self) -> StreamStatus:
        with self._lock:
            subscriptions = {kind: tuple(sorted(self._wanted[kind])) for kind in KINDS}
        return StreamStatus(
            connected=self._connected,
            reconnects=self._reconnects,
            last_message_at=self._last_message_at,
            messages=self._messages,
            subscriptions=subscriptions,
            reason=self._reason,
        )

    def acknowledged(self) -> dict[str, tuple[str, ...]]:
        """The venue's view of the subscriptions, from its last acknowledgement (empty before
        one arrives): what it streams now, which may lag a ``subscribe`` a moment."""
        feed = self._feed
        if feed is None or not self._connected:
            return {}
        known = feed.acknowledged
        return {kind: tuple(known.get(kind, ())) for kind in KINDS}

    def _begin_stop(self) -> None:
        if self._stopping and self._stop_task is not None:
            return
        self._stopping = True
        assert self._wake is not None
        assert self._feed is not None
        self._wake.set()
        self._stop_task = asyncio.get_running_loop().create_task(self._feed.request_stop())

    # -- subscriptions ---------------------------------------------------------------------
    def _change(self, symbols_of: dict[str, Sequence[str]], *, add: bool) -> None:
        for kind, symbols in symbols_of.items():
            if isinstance(symbols, str):
                raise DataError(f"{kind}: give a list of symbols, not the string {symbols!r}")
        with self._lock:
            for kind, symbols in symbols_of.items():
                cleaned = set(normalize_symbols(symbols))
                if add:
                    self._wanted[kind] |= cleaned
                else:
                    self._wanted[kind] -= cleaned
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._sync_handlers)

    def _has_subscriptions(self) -> bool:
        with self._lock:
            return any(self._wanted.values())

    def _sync_handlers(self) -> None:
        """Make the SDK's handler table match the subscriptions (on the stream's loop only) and
        tell the venue what changed when signed in; after a reconnect the SDK itself sends
        the whole table."""
        feed = self._feed
        assert feed is not None
        assert self._wake is not None
        with self._lock:
            wanted = {kind: set(symbols) for kind, symbols in self._wanted.items()}
        handlers = {"quotes": self._on_quote, "trades": self._on_trade, "bars": self._on_bar}
        added = False
        dropped: dict[str, list[str]] = {}
        for kind, channels in _CHANNELS.items():
            for channel in channels:
                table: dict[str, Any] = feed._handlers[channel]
                for symbol in wanted[kind] - table.keys():
                    table[symbol] = handlers[kind]
                    added = True
                gone = sorted(table.keys() - wanted[kind])
                for symbol in gone:
                    del table[symbol]
                if gone:
                    dropped[channel] = gone
        self._wake.set()
        if feed.authenticated and (added or dropped):
            self._send(subscribe=added, dropped=dropped)

    def _send(self, *, subscribe: bool, dropped: dict[str, list[str]]) -> None:
        feed = self._feed
        assert feed is not None

        async def send() -> None:
            try:
                if subscribe:  # the whole table: the venue keeps the union
                    await feed.send_subscribe()
                for channel, symbols in dropped.items():
                    await feed.send_unsubscribe(channel, symbols)
            except Exception as error:  # the reconnect that follows sends the whole table
                _log.warning("could not send a subscription change: %s", error)

        task = asyncio.get_running_loop().create_task(send())
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _drain_sends(self) -> None:
        await cancel_and_wait(*self._sending)

    # -- messages --------------------------------------------------------------------------
    async def _on_quote(self, raw: Any) -> None:
        self._publish(topics.QUOTE, _quote, raw)

    async def _on_trade(self, raw: Any) -> None:
        self._publish(topics.TRADE, _trade, raw)

    async def _on_bar(self, raw: Any) -> None:
        bar = self._publish(topics.BAR, _bar, raw)
        if isinstance(bar, Bar) and self.bars_to is not None and self.bars_to.add(bar):
            await asyncio.to_thread(self.bars_to.flush)

    def _publish(self, topic: str, convert: Any, raw: Any) -> object:
        self._messages += 1
        self._last_message_at = datetime.now(UTC)
        try:
            item = convert(raw)
        except (DataError, TypeError, ValueError) as error:
            _log.warning("skipped a malformed %s message: %s (%r)", topic, error, raw)
            return None
        self.bus.publish(topic, item)
        return item

    async def _flush_when_due(self) -> None:
        writer = self.bars_to
        assert writer is not None
        while True:
            await asyncio.sleep(min(writer.flush_after_s, 1.0))
            if writer.due():
                await asyncio.to_thread(writer.flush)

    # -- connection ------------------------------------------------------------------------
    def _connected_now(self) -> None:
        if self._ever_connected:
            self._reconnects += 1
        self._ever_connected = True
        self._connected, self._reason = True, None
        self._publish_status()

    def _dropped(self, reason: str) -> None:
        # one event per outage, not one per failed attempt
        announce = self._connected or self._reason != reason
        self._connected, self._reason = False, reason
        if announce:
            self._publish_status()

    def _disconnected(self, reason: str) -> None:
        self._connected, self._reason = False, reason
        self._publish_status()

    def _publish_status(self) -> None:
        self.bus.publish(
            topics.STREAM_STATUS,
            {
                "source": self.source,
                "connected": self._connected,
                "reason": self._reason,
                "reconnects": self._reconnects,
                "at": datetime.now(UTC).isoformat(),
            },
        )


def _quote(raw: Any) -> Quote:
    return Quote(
        symbol=raw.symbol,
        timestamp=_utc(raw.timestamp),
        bid_price=float(raw.bid_price),
        bid_size=float(raw.bid_size),
        ask_price=float(raw.ask_price),
        ask_size=float(raw.ask_size),
    )


def _trade(raw: Any) -> Trade:
    return Trade(
        symbol=raw.symbol,
        timestamp=_utc(raw.timestamp),
        price=float(raw.price),
        size=float(raw.size),
    )


def _bar(raw: Any) -> Bar:
    return Bar(
        symbol=raw.symbol,
        timestamp=_utc(raw.timestamp),
        open=float(raw.open),
        high=float(raw.high),
        low=float(raw.low),
        close=float(raw.close),
        volume=float(raw.volume),
        trade_count=None if raw.trade_count is None else int(raw.trade_count),
        vwap=None if raw.vwap is None else float(raw.vwap),
    )


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
