"""``/ws`` and ``/ws/<channel>``: the WebSocket face over ``ops.streams`` (docs/api.md, the
WebSocket protocol). The route only adapts Starlette's WebSocket to ``ops.streams.Connection``."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket

from workbench.ops import streams

__all__ = ["router"]

router = APIRouter(tags=["websocket"])


class _Socket:
    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket
        self.query_string = bytes(websocket.scope.get("query_string", b"")).decode("latin-1")
        self.offered_subprotocols = [str(p) for p in websocket.scope.get("subprotocols", [])]

    async def accept(self, subprotocol: str | None) -> None:
        await self.websocket.accept(subprotocol=subprotocol)

    async def receive(self) -> str | bytes | None:
        message = await self.websocket.receive()
        if message["type"] == "websocket.disconnect":
            return None
        text = message.get("text")
        return text if text is not None else bytes(message.get("bytes") or b"")

    async def send(self, text: str) -> None:
        await self.websocket.send_text(text)

    async def close(self, code: int, reason: str) -> None:
        await self.websocket.close(code, reason)


@router.websocket("/ws")
async def events(websocket: WebSocket) -> None:
    state = websocket.app.state
    await streams.serve_websocket(state.runtime, state.hub, _Socket(websocket))


@router.websocket("/ws/{channel}")
async def channel_events(websocket: WebSocket, channel: str) -> None:
    state = websocket.app.state
    socket = _Socket(websocket)
    await streams.serve_websocket(state.runtime, state.hub, socket, subscribe=(channel,))
