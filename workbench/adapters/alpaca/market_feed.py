"""alpaca-py's ``StockDataStream`` with the hooks ``AlpacaMarketStream`` needs.

The SDK's ``_run_forever`` already does what a live feed must: after a dropped or failed
connection it waits (exponential backoff with equal jitter, bounded by
``_reconnect_min_backoff`` / ``_reconnect_max_backoff``), connects, authenticates and sends
one subscribe message for every symbol that has a handler. What it lacks is a word to its owner
when that happens, so this subclass reports each connection and each drop (with its cause),
records the venue's subscription acknowledgements, and stops without waiting for the SDK's next
look for a stop (``sdk_loop``). The module imports alpaca-py at its top and
is itself imported only when a stream is built.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from alpaca.data.enums import DataFeed
from alpaca.data.live import StockDataStream

from workbench.adapters.alpaca.sdk_loop import until_stopped

__all__ = ["MarketFeed"]

#: the SDK's channels that carry what ``MarketStream`` streams
CHANNELS = ("quotes", "trades", "bars", "updatedBars")


class MarketFeed(StockDataStream):
    def __init__(
        self,
        *,
        api_key: str,
        secret_key: str,
        feed: str,
        url: str | None,
        reconnect_min_s: float,
        reconnect_max_s: float,
        on_connect: Callable[[], None],
        on_drop: Callable[[str], None],
    ) -> None:
        super().__init__(api_key, secret_key, feed=DataFeed(feed), url_override=url)
        self._reconnect_min_backoff = reconnect_min_s
        self._reconnect_max_backoff = reconnect_max_s
        self._on_connect = on_connect
        self._on_drop = on_drop
        self._last_error = "connection closed"
        self._stop_requested = asyncio.Event()
        #: signed in on the current connection, so subscription changes may be sent on it
        self.authenticated = False
        #: the venue's view of our subscriptions, from its last acknowledgement
        self.acknowledged: dict[str, tuple[str, ...]] = {}

    async def _start_ws(self) -> None:
        self.authenticated = False
        try:
            await super()._start_ws()
        except Exception as error:
            self._last_error = (
                f"cannot connect to {self._endpoint}: {str(error) or type(error).__name__}"
            )
            raise
        self.authenticated = True
        self._on_connect()

    async def _consume(self) -> bool:
        try:
            stale = await until_stopped(super()._consume(), self._stop_requested)
        except Exception as error:
            self.authenticated = False
            self._last_error = f"connection lost: {str(error) or type(error).__name__}"
            raise
        if stale is None:  # stopped: close as the SDK would on its own stop
            self.authenticated = False
            await self.close()
            return False
        if stale:
            self.authenticated = False
            self._last_error = "no data within the data timeout"
        return bool(stale)

    async def _wait_before_reconnect(self, retries: int) -> None:
        # the SDK calls this after every drop and every failed attempt, and only then
        self.authenticated = False
        if self._should_run:
            self._on_drop(self._last_error)
        await super()._wait_before_reconnect(retries)

    async def _dispatch(self, msg: dict[str, Any]) -> None:
        if msg.get("T") == "subscription":
            self.acknowledged = {channel: tuple(msg.get(channel) or ()) for channel in CHANNELS}
        await super()._dispatch(msg)

    async def send_unsubscribe(self, channel: str, symbols: list[str]) -> None:
        await self._send_unsubscribe_msg(channel, symbols)

    async def send_subscribe(self) -> None:
        await self._send_subscribe_msg()

    async def run_until_stopped(self) -> None:
        await self._run_forever()

    async def request_stop(self) -> None:
        """Stop now, not at the SDK's next look for a stop (``until_stopped``)."""
        await self.stop_ws()
        self._stop_requested.set()
