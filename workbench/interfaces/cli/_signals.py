"""Graceful stop: SIGINT and SIGTERM ask a long command to finish the step under way."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from workbench.interfaces.cli._common import err_console

__all__ = ["stop_requested"]


@contextmanager
def stop_requested() -> Iterator[Callable[[], bool]]:
    """Yields ``should_stop``; the first signal sets it, a second one interrupts at once."""
    asked = {"stop": False}
    previous = {}

    def handle(number: int, frame: FrameType | None) -> None:
        if asked["stop"]:
            raise KeyboardInterrupt
        asked["stop"] = True
        err_console.print(
            f"{signal.Signals(number).name}: stopping after the step under way (again to stop now)"
        )

    for number in (signal.SIGINT, signal.SIGTERM):
        previous[number] = signal.signal(number, handle)
    try:
        yield lambda: asked["stop"]
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
