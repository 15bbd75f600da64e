"""A client's side of the API's ``/ws`` protocol (docs/api.md) for tests: the next message of
the kind awaited, answering the server's heartbeats on the way as a client must."""

from __future__ import annotations

import asyncio
import json
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

__all__ = ["next_ws_message"]


async def next_ws_message(ws: ClientConnection, kind: str, timeout: float = 10) -> dict[str, Any]:
    """The next message of type ``kind`` within ``timeout`` seconds; pings are answered and
    events skipped while waiting for another kind; anything else fails the wait."""
    deadline = time.monotonic() + timeout
    while True:
        left = max(0.01, deadline - time.monotonic())
        message = json.loads(await asyncio.wait_for(ws.recv(), left))
        if message["type"] == kind:
            return dict(message)
        assert message["type"] in {"ping", "event"}, message
        if message["type"] == "ping":
            await ws.send(json.dumps({"type": "pong"}))
