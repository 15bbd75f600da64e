"""A small synchronous in-process event bus.

Handlers run in the publisher's thread, in subscription order. A failing handler is logged and
does not stop the others: one broken alert channel must never block an order fill.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

__all__ = ["EventBus", "Handler"]

Handler = Callable[[str, Any], None]
_log = logging.getLogger(__name__)


class EventBus:
    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = defaultdict(list)
        self._lock = threading.Lock()

    def subscribe(self, topic: str, handler: Handler) -> Callable[[], None]:
        """Subscribe to ``topic`` (``"*"`` for all); returns a function that unsubscribes."""
        with self._lock:
            self._handlers[topic].append(handler)

        def unsubscribe() -> None:
            with self._lock:
                if handler in self._handlers[topic]:
                    self._handlers[topic].remove(handler)

        return unsubscribe

    def publish(self, topic: str, payload: Any = None) -> int:
        """Deliver to every handler of ``topic`` and of ``"*"``; returns how many ran cleanly."""
        with self._lock:
            handlers = [*self._handlers.get(topic, ()), *self._handlers.get("*", ())]
        delivered = 0
        for handler in handlers:
            try:
                handler(topic, payload)
            except Exception:
                _log.exception("event handler %r failed on topic %s", handler, topic)
            else:
                delivered += 1
        return delivered
