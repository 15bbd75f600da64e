"""Stopping alpaca-py's stream loops at once.

Both SDK streams receive with ``wait_for(recv(), 5)`` and look for a stop only between two
receives, so a stop waits up to 5 s; closing the socket under them instead ends the receive with
an error the SDK logs as "websocket error, restarting connection". ``until_stopped`` races the
SDK's receive loop against a stop signal and, when the stop wins, cancels the receive (safe:
nothing was half-read) so the SDK's loop sees a clean end and returns.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from workbench.core.tasks import cancel_and_wait

__all__ = ["until_stopped"]

T = TypeVar("T")


async def until_stopped(consume: Coroutine[Any, Any, T], stop: asyncio.Event) -> T | None:
    """``await consume``, or None as soon as ``stop`` is set (``consume`` is then cancelled)."""
    receiving = asyncio.ensure_future(consume)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({receiving, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        await cancel_and_wait(*(task for task in (receiving, stopping) if not task.done()))
    if receiving.done() and not receiving.cancelled():
        return receiving.result()
    return None
