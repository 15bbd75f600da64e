"""Waiting on a condition instead of sleeping a fixed time: a test that waits for what it needs
is as fast as the machine allows and does not fail when the machine is slow; and a free port
for a server it starts."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import TypeVar

__all__ = ["free_port", "wait_until"]

T = TypeVar("T")


def wait_until(
    predicate: Callable[[], T],
    *,
    what: str | Callable[[], str],
    timeout: float = 15.0,
    interval: float = 0.02,
) -> T:
    """Call ``predicate`` every ``interval`` seconds until it returns something truthy, and
    return that; after ``timeout`` seconds raise ``TimeoutError`` naming ``what`` was awaited
    (a callable ``what`` is asked then, to tell what was seen so far)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            awaited = what() if callable(what) else what
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {awaited}")
        time.sleep(interval)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on now (the OS picks it), for a server a test starts."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
