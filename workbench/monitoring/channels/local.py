"""Channels that stay in the process: ``log`` (the workbench log, at the alert's severity) and
``inapp`` (a bounded feed the live view and the API's WebSocket read; the alert itself is
already in the ledger)."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable

from workbench.model import AlertSeverity
from workbench.monitoring.channels.base import alert_title
from workbench.monitoring.store import AlertRecord

__all__ = ["InAppChannel", "LogChannel"]

_LEVELS = {
    AlertSeverity.INFO: logging.INFO,
    AlertSeverity.WARNING: logging.WARNING,
    AlertSeverity.CRITICAL: logging.CRITICAL,
}


class LogChannel:
    def __init__(self, name: str = "log", logger: str = "workbench.alerts") -> None:
        self.name = name
        self.logger = logging.getLogger(logger)

    def send(self, alert: AlertRecord, *, timeout: float) -> None:
        self.logger.log(
            _LEVELS[alert.severity],
            "%s",
            alert_title(alert),
            extra={"alert_id": alert.id, "scope": alert.scope},
        )


class InAppChannel:
    """Keeps the newest ``size`` delivered alerts and tells listeners (a WebSocket fan-out)."""

    def __init__(self, name: str = "inapp", size: int = 500) -> None:
        self.name = name
        self._feed: deque[AlertRecord] = deque(maxlen=size)
        self._listeners: list[Callable[[AlertRecord], None]] = []
        self._lock = threading.Lock()

    def send(self, alert: AlertRecord, *, timeout: float) -> None:
        with self._lock:
            self._feed.append(alert)
            listeners = list(self._listeners)
        for listener in listeners:
            listener(alert)

    def listen(self, listener: Callable[[AlertRecord], None]) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def stop() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return stop

    def feed(self) -> list[AlertRecord]:
        with self._lock:
            return list(self._feed)
