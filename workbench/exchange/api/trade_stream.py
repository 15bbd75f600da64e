"""The trading stream (alpaca_api.md 4.2): JSON ``trade_updates`` on a websocket at ``/stream``.

The client authenticates (``{"action": "authenticate", "data": {"key_id", "secret_key"}}``, or
the newer ``{"action": "auth", "key", "secret"}``); the first frame the server sends is the
authorization answer. After ``{"action": "listen", "data": {"streams": ["trade_updates"]}}``
every state change of the account's orders arrives as one frame, with the full order as it
stands after the change; an empty ``streams`` list stops them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from workbench.core.errors import AuthError, PermissionDenied
from workbench.exchange.api.render import order_json, price, quantity, timestamp
from workbench.exchange.matching.tickets import ExchangeEvent
from workbench.exchange.service import Exchange

__all__ = ["router", "trade_update"]

router = APIRouter()


def trade_update(event: ExchangeEvent) -> dict[str, Any]:
    data: dict[str, Any] = {
        "event": event.kind,
        "timestamp": timestamp(event.timestamp),
        "order": order_json(event.ticket),
    }
    if event.execution_id is not None:
        data |= {
            "execution_id": event.execution_id,
            "price": price(event.price),
            "qty": quantity(event.qty),
            "position_qty": quantity(event.position_qty),
        }
    return {"stream": "trade_updates", "data": data}


def _authorization(status: str) -> str:
    return json.dumps(
        {"stream": "authorization", "data": {"action": "authenticate", "status": status}}
    )


async def _receive_json(socket: WebSocket) -> Any:
    message = await socket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    raw = message.get("text") or message.get("bytes") or b""
    try:
        return json.loads(raw)
    except ValueError:
        return {}


def _credentials(message: Any) -> tuple[str, str]:
    if not isinstance(message, dict):
        return "", ""
    if message.get("action") == "auth":
        return str(message.get("key", "")), str(message.get("secret", ""))
    data = message.get("data") if message.get("action") == "authenticate" else None
    if not isinstance(data, dict):
        return "", ""
    return str(data.get("key_id", "")), str(data.get("secret_key", ""))


@router.websocket("/stream")
async def trading_stream(socket: WebSocket) -> None:
    exchange: Exchange = socket.app.state.exchange
    await socket.accept()
    try:
        key, secret = _credentials(await _receive_json(socket))
        try:
            account_id = await to_thread.run_sync(exchange.authenticate, key, secret)
        except (AuthError, PermissionDenied):  # PermissionDenied: the account cap
            await socket.send_text(_authorization("unauthorized"))
            await socket.close()
            return
        await socket.send_text(_authorization("authorized"))
        token, queue = exchange.hub.subscribe(account_id)
        try:
            await _serve(socket, queue, lambda topics: exchange.hub.listen(token, topics))
        finally:
            exchange.hub.unsubscribe(token)
    except WebSocketDisconnect:
        return


async def _serve(
    socket: WebSocket,
    queue: asyncio.Queue[ExchangeEvent | None],
    listen_to: Callable[[set[str]], None],
) -> None:
    listening = asyncio.Event()

    async def listen() -> None:
        while True:
            message = await _receive_json(socket)
            if isinstance(message, dict) and message.get("action") == "listen":
                streams = (message.get("data") or {}).get("streams") or []
                wanted = [s for s in streams if s == "trade_updates"]
                listening.set() if wanted else listening.clear()
                listen_to(set(wanted))
                reply = {"stream": "listening", "data": {"streams": wanted}}
                await socket.send_text(json.dumps(reply))

    reader = asyncio.create_task(listen())
    try:
        while True:
            getter = asyncio.create_task(queue.get())
            done, _ = await asyncio.wait({getter, reader}, return_when=asyncio.FIRST_COMPLETED)
            if reader in done:  # the client left
                getter.cancel()
                return
            event = getter.result()
            if event is None:  # dropped on purpose (fault injection)
                await socket.close(code=1011)
                return
            if listening.is_set():
                await socket.send_text(json.dumps(trade_update(event)))
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
            await reader
