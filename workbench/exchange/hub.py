"""Fan-out of engine events to trading-stream connections.

The engine emits events in whichever thread plays the market (a request's worker thread, the
clock's heartbeat); each stream connection lives on the server's event loop. ``publish`` hands
an event to every connection of its account with ``call_soon_threadsafe``, so the engine never
waits on a slow client and a closed one just drops out. Market-data connections register too,
so that ``drop_all`` (fault injection) can hang up on every stream at once.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from dataclasses import dataclass

from workbench.exchange.matching.tickets import ExchangeEvent

__all__ = ["EventHub"]


@dataclass(frozen=True, slots=True)
class _Subscriber:
    account_id: str
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[ExchangeEvent | None]


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

    def unsubscribe(self, token: int) -> None:
        with self._lock:
            self._subscribers.pop(token, None)

    def publish(self, event: ExchangeEvent) -> None:
        with self._lock:
            targets = [s for s in self._subscribers.values() if s.account_id == event.account_id]
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
