"""Carries the event bus of one process to every API instance through Redis pub/sub.

The runtime attaches an ``EventRelay`` to its bus when ``WB_REDIS_URL`` is set, in every
process (the API, a CLI command, a live run, the monitor): each event of a topic some channel
carries (``channels.RELAYED_TOPICS``) is published on ``<prefix>:events`` as one JSON envelope
``{"origin", "topic", "data"}``. ``origin`` names the runtime that published it, so an API
instance skips its own events when they come back (it delivered them from its bus already).

Publishing never slows the publisher: the bus handler only queues the event (bounded; when
Redis is away the oldest waiting events are dropped, counted and logged: the ledger, not the
stream, is the record); one daemon thread publishes. ``flush`` (at ``close``, and at exit) waits a
moment for the queue to empty, so a CLI command that submitted an order publishes it before
the process ends.
"""

from __future__ import annotations

import atexit
import json
import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.gateway.channels import RELAYED_TOPICS
from workbench.model import to_plain

if TYPE_CHECKING:
    from workbench.core.events import EventBus

__all__ = ["EventRelay", "RelayedEvent", "decode", "encode", "events_channel"]

_log = logging.getLogger(__name__)


def events_channel(prefix: str) -> str:
    return f"{prefix}:events"


@dataclass(frozen=True)
class RelayedEvent:
    origin: str
    topic: str
    data: Any


def encode(origin: str, topic: str, payload: Any) -> str:
    return json.dumps({"origin": origin, "topic": topic, "data": to_plain(payload)})


def decode(message: str | bytes) -> RelayedEvent | None:
    """The event in an envelope, or None when it is not one (logged, never raised)."""
    try:
        body = json.loads(message)
        return RelayedEvent(str(body["origin"]), str(body["topic"]), body.get("data"))
    except (ValueError, KeyError, TypeError):
        _log.warning("ignored a message on the events channel that is not an event envelope")
        return None


class EventRelay:
    """Publishes this bus's relayed topics to Redis from a thread of its own."""

    def __init__(self, redis_url: str, prefix: str, origin: str, *, capacity: int = 10_000) -> None:
        self.url, self.channel, self.origin = redis_url, events_channel(prefix), origin
        # None asks the thread to stop
        self._queue: queue.Queue[tuple[str, Any] | None] = queue.Queue(maxsize=capacity)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._flush_at_exit = False
        self.published = self.dropped = 0

    def attach(self, bus: EventBus) -> None:
        for topic in sorted(RELAYED_TOPICS):
            bus.subscribe(topic, self.handle)

    def handle(self, topic: str, payload: Any) -> None:
        """The bus handler: queue, never wait (the oldest event goes when the queue is full)."""
        item = (topic, payload)
        while True:
            try:
                self._queue.put_nowait(item)
                break
            except queue.Full:
                try:
                    self._queue.get_nowait()
                    self._queue.task_done()  # given up: flush does not wait for it
                    self.dropped += 1
                except queue.Empty:
                    pass
        self._ensure_thread()

    def flush(self, timeout: float = 2.0) -> bool:
        """Wait up to ``timeout`` seconds for every queued event to be published (or given up)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.005)
        return not self._queue.unfinished_tasks

    def close(self, timeout: float = 2.0) -> None:
        """Flush, then stop the thread (a later event starts it again)."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is None:
            return
        self.flush(timeout)
        self._queue.put(None)
        thread.join(timeout=1.0)

    def _ensure_thread(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if not self._flush_at_exit:
                # a process that ends without closing its runtime still publishes what it
                # queued: the daemon thread runs on while exit handlers do
                atexit.register(self.flush)
                self._flush_at_exit = True
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="workbench-event-relay", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        import redis

        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5, socket_timeout=1)
        failing_since: float | None = None
        try:
            while True:
                batch = [self._queue.get()]
                while len(batch) < 200:
                    try:
                        batch.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                stop = any(item is None for item in batch)
                events = [item for item in batch if item is not None]
                try:
                    if (
                        events
                        and failing_since is not None
                        and time.monotonic() - failing_since < 1
                    ):
                        raise redis.ConnectionError("waiting before reconnecting")
                    self._publish(client, events)
                    failing_since = None
                except redis.RedisError as error:
                    if failing_since is None:
                        _log.warning(
                            "Redis did not take %d event(s) (%s): other API instances miss them",
                            len(events),
                            type(error).__name__,
                        )
                        failing_since = time.monotonic()
                    self.dropped += len(events)
                finally:
                    for _ in batch:
                        self._queue.task_done()
                if stop:
                    return
        finally:
            client.close()

    def _publish(self, client: Any, events: list[tuple[str, Any]]) -> None:
        if not events:
            return
        pipe = client.pipeline(transaction=False)
        for topic, payload in events:
            pipe.publish(self.channel, encode(self.origin, topic, payload))
        pipe.execute()
        self.published += len(events)
