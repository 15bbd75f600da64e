"""The hub behind ``/ws``: which session listens to which channel, and the two ways events
reach them.

- **This process's bus.** The hub subscribes to every topic a channel carries; a handler runs
  in the publisher's thread (an order route's worker thread, the OMS), turns the payload into
  JSON once and hands it to the event loop (``call_soon_threadsafe``), which queues one frame
  per subscribed session without waiting for any of them.
- **Redis** (``WB_REDIS_URL``): a listener task reads ``<prefix>:events``, where the relay of
  every process sharing the prefix publishes (``relay``), and delivers what other processes
  published; an event whose ``origin`` is this runtime came from the bus already and is skipped.
  When Redis is away the hub goes on with its own bus (``state`` says so) and reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.core.config import WebSocketSettings
from workbench.core.tasks import cancel_and_wait
from workbench.gateway.channels import (
    CHANNELS,
    RELAYED_TOPICS,
    channels_of,
    event_frame,
    of_symbols,
    owner_of,
)
from workbench.gateway.relay import decode, events_channel
from workbench.gateway.session import (
    CLOSE_GOING_AWAY,
    CLOSE_SLOW,
    Authenticate,
    ClientSession,
    Connection,
)
from workbench.model import to_plain

if TYPE_CHECKING:
    from workbench.core.events import EventBus

__all__ = ["FanoutState", "Hub"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FanoutState:
    #: events reach this instance's clients from every process sharing the Redis prefix
    shared: bool
    degraded: bool
    detail: str
    clients: int


class Hub:
    def __init__(
        self,
        bus: EventBus,
        settings: WebSocketSettings,
        *,
        origin: str,
        redis_url: str | None = None,
        prefix: str = "workbench",
    ) -> None:
        self.bus, self.settings, self.origin = bus, settings, origin
        self.redis_url, self.channel = redis_url, events_channel(prefix)
        self.sessions: set[ClientSession] = set()
        self._members: dict[str, set[ClientSession]] = defaultdict(set)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unsubscribe: list[Callable[[], None]] = []
        self._listener: asyncio.Task[None] | None = None
        self._redis_up = False
        self._redis_failure: str | None = None
        self.delivered = self.dropped = 0
        #: called with the topic of every event another process relayed (kept answers listen)
        self.remote_observers: list[Callable[[str], None]] = []

    # -- lifetime ----------------------------------------------------------------------------
    async def start(self) -> None:
        """Listen to the bus (and Redis, when configured) from this event loop on; idempotent."""
        if self._loop is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._unsubscribe = [self.bus.subscribe(t, self._from_bus) for t in sorted(RELAYED_TOPICS)]
        if self.redis_url is not None:
            self._listener = asyncio.create_task(self._listen(self.redis_url))

    async def close(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe, self._loop = [], None
        if self._listener is not None:
            await cancel_and_wait(self._listener)
            self._listener = None
        for session in list(self.sessions):
            session.request_close(CLOSE_GOING_AWAY, "the server is stopping")

    async def serve(
        self, connection: Connection, authenticate: Authenticate, subscribe: tuple[str, ...] = ()
    ) -> None:
        """Run one connection to its end (subscribed to ``subscribe`` once authenticated)."""
        await self.start()
        if len(self.sessions) >= self.settings.max_connections:
            await connection.accept(None)
            reason = f"this server holds {self.settings.max_connections} connections: try later"
            await connection.close(CLOSE_SLOW, reason)
            return
        session = ClientSession(self, connection, self.settings, authenticate, subscribe=subscribe)
        await session.run()

    def state(self) -> FanoutState:
        clients = len(self.sessions)
        if self.redis_url is None:
            return FanoutState(
                False, False, "local: this instance's events only (no WB_REDIS_URL)", clients
            )
        if self._redis_up:
            return FanoutState(
                True, False, "every instance's events through Redis pub/sub", clients
            )
        why = self._redis_failure or "not connected yet"
        return FanoutState(False, True, f"degraded to local: Redis pub/sub {why}", clients)

    # -- membership (the sessions call these) ------------------------------------------------
    def register(self, session: ClientSession) -> None:
        self.sessions.add(session)

    def unregister(self, session: ClientSession) -> None:
        self.sessions.discard(session)
        self.leave(session, list(session.channels))

    def join(
        self,
        session: ClientSession,
        channels: Iterable[str],
        symbols: frozenset[str] | None = None,
    ) -> None:
        """Subscribe ``session`` to ``channels``; ``symbols`` narrows those that allow it (a
        subscription without ``symbols`` takes every symbol again)."""
        for name in channels:
            session.channels.add(name)
            if CHANNELS[name].symbol_key is not None and symbols is not None:
                session.symbols[name] = symbols
            else:
                session.symbols.pop(name, None)
            self._members[name].add(session)

    def leave(self, session: ClientSession, channels: Iterable[str]) -> None:
        for name in channels:
            session.channels.discard(name)
            session.symbols.pop(name, None)
            self._members[name].discard(session)

    # -- events ------------------------------------------------------------------------------
    def _from_bus(self, topic: str, payload: Any) -> None:
        loop = self._loop
        if loop is None or not any(self._members.get(c.name) for c in channels_of(topic)):
            return  # nobody listens: not even the JSON is made
        data = to_plain(payload)
        text = json.dumps(data)
        with contextlib.suppress(RuntimeError):  # the loop has closed: the server is stopping
            loop.call_soon_threadsafe(self.deliver, topic, data, text)

    def deliver(self, topic: str, data: Any, data_json: str) -> None:
        """Queue one event for every session subscribed to a channel carrying ``topic``."""
        for channel in channels_of(topic):
            members = self._members.get(channel.name)
            if not members:
                continue
            frame = event_frame(channel.name, topic, data_json)
            owner = owner_of(channel, data)
            narrowed: dict[frozenset[str], str | None] = {}  # one frame per distinct filter
            for session in list(members):
                if not session.sees(channel, owner):
                    continue
                wanted = session.symbols.get(channel.name)
                sent: str | None = frame
                if wanted is not None:
                    if wanted not in narrowed:
                        kept = of_symbols(channel, data, wanted)
                        narrowed[wanted] = (
                            None
                            if kept is None
                            else frame
                            if kept is data
                            else event_frame(channel.name, topic, json.dumps(kept))
                        )
                    sent = narrowed[wanted]
                if sent is not None:
                    session.offer(sent)
                    self.delivered += 1

    async def _listen(self, url: str) -> None:
        import redis.asyncio

        delay = 0.2
        while True:
            client = redis.asyncio.Redis.from_url(
                url, socket_connect_timeout=1, health_check_interval=15
            )
            try:
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                await pubsub.subscribe(self.channel)
                self._redis_up, self._redis_failure, delay = True, None, 0.2
                _log.info("fan-out listens to Redis pub/sub")
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    event = decode(message["data"])
                    if event is not None and event.origin != self.origin:
                        for observe in self.remote_observers:
                            observe(event.topic)
                        self.deliver(event.topic, event.data, json.dumps(event.data))
                    # let the senders drain before the next event of a burst: a queue should
                    # fill only when its client reads slowly, not because Redis was quick
                    await asyncio.sleep(0)
            except (redis.RedisError, OSError) as error:
                if self._redis_up or self._redis_failure is None:
                    _log.warning(
                        "fan-out degraded to local: Redis failed (%s)", type(error).__name__
                    )
                self._redis_up, self._redis_failure = False, f"failed ({type(error).__name__})"
            finally:
                with contextlib.suppress(Exception):
                    await client.aclose()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
