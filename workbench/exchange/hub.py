"""Fan-out of engine events to trading-stream connections.

The engine emits events in whichever thread plays the market (a request's worker thread, the
clock's heartbeat); each stream connection lives on the server's event loop. ``publish`` hands
an event to every connection of its account with ``call_soon_threadsafe``, so the engine never
waits on a slow client and a closed one just drops out; only connections listening to
``trade_updates`` get them. Market-data connections register too, so that ``drop_all`` (fault
injection) can hang up on every stream at once. ``topics()`` says what each connection listens
to (``trade_updates``, ``trades:AAPL``...), so a test or an operator can wait for a subscription
to be in force instead of guessing how long it takes.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from dataclasses import dataclass, field

from workbench.exchange.matching.tickets import ExchangeEvent

__all__ = ["EventHub"]


@dataclass(frozen=True, slots=True)
class _Subscriber:
    account_id: str
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[ExchangeEvent | None]
    topics: set[str] = field(default_factory=set)


class EventHub:
    def __init__(self) -> None:
        self._subscribers: dict[int, _Subscriber] = {}
        self._ids = itertools.count()
        self._lock = threading.Lock()

    def subscribe(self, account_id: str) -> tuple[int, asyncio.Queue[ExchangeEvent | None]]:
        """Called on the event loop that will read the queue. ``None`` on it means: hang up
        (``drop_all``). Market-data connections subscribe with no account, for that alone."""
        queue: asyncio.Queue[ExchangeEvent | None] = asyncio.Queue()
        with self._lock:
            token = next(self._ids)
            self._subscribers[token] = _Subscriber(account_id, asyncio.get_running_loop(), queue)
        return token, queue

    def listen(self, token: int, topics: set[str]) -> None:
        """What a connection now listens to (its whole set)."""
        with self._lock:
            subscriber = self._subscribers.get(token)
            if subscriber is not None:
                subscriber.topics.clear()
                subscriber.topics.update(topics)

    def topics(self) -> list[frozenset[str]]:
        """Each open connection's topics."""
        with self._lock:
            return [frozenset(s.topics) for s in self._subscribers.values()]

    def unsubscribe(self, token: int) -> None:
        with self._lock:
            self._subscribers.pop(token, None)

    def publish(self, event: ExchangeEvent) -> None:
        with self._lock:
            targets = [
                s
                for s in self._subscribers.values()
                if s.account_id == event.account_id and "trade_updates" in s.topics
            ]
        for subscriber in targets:
            try:
                subscriber.loop.call_soon_threadsafe(subscriber.queue.put_nowait, event)
            except RuntimeError:  # its loop has closed: the connection is gone
                continue

    def drop_all(self) -> int:
        """Tell every connection to hang up (fault injection); returns how many were told."""
        with self._lock:
            targets = list(self._subscribers.values())
        for subscriber in targets:
            try:
                subscriber.loop.call_soon_threadsafe(subscriber.queue.put_nowait, None)
            except RuntimeError:
                continue
        return len(targets)

    def __len__(self) -> int:
        return len(self._subscribers)
