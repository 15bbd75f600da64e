"""Order updates through alpaca-py's ``TradingStream``, on a thread of their own.

``AlpacaBroker`` is synchronous, so the stream runs the SDK's ``_run_forever`` on a background
thread with its own event loop and hands each ``TradeUpdate`` over through a thread-safe queue
that ``drain()`` empties. The SDK reconnects by itself (exponential backoff with jitter, bounded
by the config) and sends its ``listen`` again; this listener only notes when the venue confirms
that it listens and when the link drops, so the broker knows when to poll instead (an update
sent while the link was down is never resent). ``close()`` stops the SDK at once by cancelling its
pending receive (it otherwise looks for a stop every 5 s; ``sdk_loop``) and joins the thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from typing import Any

from alpaca.trading.stream import TradingStream

from workbench.adapters.alpaca.config import AlpacaConfig
from workbench.adapters.alpaca.sdk_loop import until_stopped
from workbench.core.errors import Retryable

__all__ = ["TradeUpdateListener"]

_log = logging.getLogger(__name__)
_JOIN_TIMEOUT_S = 10.0


class _HookedTradingStream(TradingStream):
    def __init__(self, listener: TradeUpdateListener, config: AlpacaConfig) -> None:
        super().__init__(
            config.api_key,
            config.secret_key,
            paper=True,
            url_override=config.trading_stream_endpoint,
        )
        self._reconnect_min_backoff = config.reconnect_min_s
        self._reconnect_max_backoff = config.reconnect_max_s
        self._listener = listener
        self._stop_requested = asyncio.Event()

    async def _dispatch(self, msg: dict[str, Any]) -> None:
        if msg.get("stream") == "listening":
            streams = (msg.get("data") or {}).get("streams") or []
            self._listener._listening_now("trade_updates" in streams)
        await super()._dispatch(msg)

    async def _wait_before_reconnect(self, retries: int) -> None:
        # the SDK calls this after every drop and every failed attempt, and only then
        if self._should_run:
            self._listener._dropped()
        await super()._wait_before_reconnect(retries)

    async def _consume(self) -> None:
        consume = super()._consume()  # type: ignore[no-untyped-call]
        if await until_stopped(consume, self._stop_requested) is None:
            await self.close()  # stopped (the SDK's own stop closes the same way)

    async def stop_now(self) -> None:
        await self.stop_ws()
        self._stop_requested.set()


class TradeUpdateListener:
    """alpaca-py ``TradeUpdate`` objects as they arrive, oldest first."""

    def __init__(self, config: AlpacaConfig) -> None:
        self.config = config
        self._updates: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._listening = False
        #: how many times the link went down (a poll after each covers what it missed)
        self.outages = 0
        self._stream = _HookedTradingStream(self, config)
        self._stream.subscribe_trade_updates(self._on_update)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_task: asyncio.Task[None] | None = None
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._main, name="alpaca-trade-updates", daemon=True)

    @property
    def listening(self) -> bool:
        """The venue confirmed it sends this account's trade updates on the current link."""
        return self._listening

    def start(self) -> TradeUpdateListener:
        self._thread.start()
        self._started.wait(_JOIN_TIMEOUT_S)
        return self

    def drain(self) -> list[Any]:
        drained = []
        while True:
            try:
                drained.append(self._updates.get_nowait())
            except queue.Empty:
                return drained

    def close(self) -> None:
        loop = self._loop
        if loop is not None and self._thread.is_alive():
            # a RuntimeError means the loop has just closed: the thread is ending anyway
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._begin_stop)
        if self._thread.is_alive():
            self._thread.join(_JOIN_TIMEOUT_S)
            if self._thread.is_alive():
                raise Retryable(f"the trade-update stream did not stop in {_JOIN_TIMEOUT_S} s")
        self._listening = False

    # -- the stream's thread ---------------------------------------------------------------
    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._run())
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _run(self) -> None:
        self._started.set()
        try:
            await self._stream._run_forever()  # type: ignore[no-untyped-call]
        except Exception:  # the SDK handles its own errors; anything else ends the stream
            _log.exception("the trade-update stream failed")
        finally:
            self._listening = False
            if self._stop_task is not None:
                await self._stop_task

    def _begin_stop(self) -> None:
        if self._stop_task is None:
            self._stop_task = asyncio.get_running_loop().create_task(self._stream.stop_now())

    async def _on_update(self, update: Any) -> None:
        self._updates.put(update)

    def _listening_now(self, listening: bool) -> None:
        self._listening = listening

    def _dropped(self) -> None:
        if self._listening:
            self.outages += 1
        self._listening = False
