"""Helpers for the stream tests: bounded waits, an event bus that records, a market stream run
on its own thread and event loop as a live runner would run it, and a port that hangs up."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable
from typing import Any

from workbench.adapters.alpaca import AlpacaMarketStream
from workbench.core.events import EventBus
from workbench.testing import wait_until


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 15) -> None:
    wait_until(condition, what=what, timeout=timeout)


class HangUp:
    """A loopback port that takes each connection and closes it at once, counting them: a
    venue no handshake ever reaches, whose ``attempts`` say how often a client tried."""

    def __init__(self) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen()
        self._socket.settimeout(0.05)
        self.port = int(self._socket.getsockname()[1])
        self.attempts = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="hang-up", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            connection.close()
            self.attempts += 1

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._socket.close()


class RecordingBus(EventBus):
    """An event bus that also keeps every (topic, payload) it published."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, Any]] = []
        self.subscribe("*", lambda topic, payload: self.seen.append((topic, payload)))

    def of(self, topic: str) -> list[Any]:
        return [payload for seen_topic, payload in list(self.seen) if seen_topic == topic]


class StreamThread:
    """``stream.run()`` on a thread with its own loop; ``stop()`` ends it from this thread."""

    def __init__(self, stream: AlpacaMarketStream) -> None:
        self.stream = stream
        self.loop = asyncio.new_event_loop()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._main, name="market-stream", daemon=True)
        self.thread.start()

    def _main(self) -> None:
        try:
            self.loop.run_until_complete(self.stream.run())
        except BaseException as error:  # reported by stop()
            self.error = error
        finally:
            self.loop.run_until_complete(self.loop.shutdown_default_executor())
            self.loop.close()

    def stop(self) -> None:
        if not self.loop.is_closed():
            asyncio.run(self.stream.stop())
        self.thread.join(timeout=15)
        assert not self.thread.is_alive(), "the market stream did not stop"
        assert self.error is None, f"the market stream failed: {self.error!r}"
