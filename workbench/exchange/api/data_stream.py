"""The market-data stream (alpaca_api.md 4.1) at ``/v2/iex``, ``/v2/sip`` and ``/v2/test``.

Frames are msgpack arrays of maps with msgpack Timestamps in ``t`` when the client sent
``Content-Type: application/msgpack`` (alpaca-py always does and can read nothing else), JSON
text otherwise. Sequence: ``connected`` on open, then ``auth``, then ``subscribe`` /
``unsubscribe`` (set union and difference, ``"*"`` for every symbol), each acknowledged with the
full subscription.

What streams, as the replay clock passes it (checked every ``poll`` seconds):

* ``bars`` (``b``): each complete minute bar of the lake (or of an intraday replay's own
  timeframe when the lake has no minute bars; a daily replay of 2017 has none to send);
* ``dailyBars`` (``d``): each daily bar at its session's close;
* ``trades`` (``t``) and ``quotes`` (``q``): derived from each complete bar of the exchange's
  timeframe, as on REST;
* ``updatedBars``, ``statuses`` and the rest are accepted and stay silent: the lake has no late
  trades or halts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import datetime
from typing import Any

import msgpack
from anyio import to_thread
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from workbench.core.errors import AuthError, PermissionDenied
from workbench.exchange.feed import FrameBarFeed
from workbench.exchange.matching.market import BarSlot, DerivedQuote, PricePoint, to_decimal
from workbench.exchange.service import Exchange

__all__ = ["CHANNELS", "router"]

router = APIRouter()
CHANNELS = ("trades", "quotes", "bars", "updatedBars", "dailyBars", "statuses", "lulds")


class _Connection:
    def __init__(self, socket: WebSocket, exchange: Exchange) -> None:
        self.socket = socket
        self.exchange = exchange
        headers = {k.lower(): v for k, v in socket.headers.items()}
        self.binary = "msgpack" in headers.get("content-type", "")
        self.subscribed: dict[str, set[str]] = {channel: set() for channel in CHANNELS}
        self.seen = exchange.clock.now()

    async def send(self, messages: list[dict[str, Any]]) -> None:
        if self.binary:
            await self.socket.send_bytes(msgpack.packb(messages, datetime=True))
        else:
            await self.socket.send_text(json.dumps(messages, default=_iso))

    async def receive(self) -> Any:
        message = await self.socket.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        try:
            if message.get("bytes") is not None:
                return msgpack.unpackb(message["bytes"])
            return json.loads(message.get("text") or "")
        except (ValueError, msgpack.UnpackException):
            return None

    def topics(self) -> set[str]:
        return {f"{c}:{s}" for c, symbols in self.subscribed.items() for s in symbols}

    def change(self, message: dict[str, Any], add: bool) -> dict[str, Any]:
        for channel in CHANNELS:
            symbols = {str(s).upper() if s != "*" else "*" for s in message.get(channel) or ()}
            if add:
                self.subscribed[channel] |= symbols
            else:
                self.subscribed[channel] -= symbols
        ack: dict[str, Any] = {"T": "subscription"}
        ack |= {channel: sorted(self.subscribed[channel]) for channel in CHANNELS}
        ack["corrections"] = ack["cancelErrors"] = sorted(self.subscribed["trades"])
        return ack

    def wanted(self, channel: str) -> list[str]:
        symbols = self.subscribed[channel]
        if "*" in symbols:
            return [asset.symbol for asset in self.exchange.assets.all()]
        return sorted(symbols)

    def data_since(self, after: datetime, until: datetime) -> list[dict[str, Any]]:
        exchange = self.exchange
        messages: list[dict[str, Any]] = []
        minute = exchange.feed_for("1m")
        if minute is None and not exchange.feed.timeframe.endswith("d"):
            minute = exchange.feed  # an intraday replay without minute bars: its own bars
        if minute is not None:
            for symbol in self.wanted("bars"):
                messages += [_bar("b", s) for s in _done(minute, symbol, after, until)]
        daily = exchange.feed_for("1d")
        if daily is not None:
            for symbol in self.wanted("dailyBars"):
                messages += [_bar("d", s) for s in _done(daily, symbol, after, until)]
        spread = exchange.config.matching.spread_bps
        for channel, kind in (("trades", "t"), ("quotes", "q")):
            for symbol in self.wanted(channel):
                for slot in _done(exchange.feed, symbol, after, until):
                    point = PricePoint(
                        to_decimal(slot.bar.close), slot.closes_at, to_decimal(slot.bar.volume)
                    )
                    messages.append(_print(kind, symbol, point, spread))
        return sorted(messages, key=lambda m: m["t"])


def _done(feed: FrameBarFeed, symbol: str, after: datetime, until: datetime) -> list[BarSlot]:
    return [s for s in feed.slots(symbol, after, until) if after < s.closes_at <= until]


def _bar(kind: str, slot: BarSlot) -> dict[str, Any]:
    bar = slot.bar
    return {
        "T": kind,
        "S": bar.symbol,
        "o": bar.open,
        "h": bar.high,
        "l": bar.low,
        "c": bar.close,
        "v": bar.volume,
        "n": bar.trade_count,
        "vw": bar.vwap,
        "t": bar.timestamp,
    }


def _print(kind: str, symbol: str, point: PricePoint, spread: Any) -> dict[str, Any]:
    if kind == "t":
        return {
            "T": "t",
            "S": symbol,
            "i": int(point.timestamp.timestamp() * 1_000_000),
            "x": "",
            "p": float(point.price),
            "s": float(point.size),
            "c": [],
            "z": "",
            "t": point.timestamp,
        }
    quote = DerivedQuote.around(point, spread)
    return {
        "T": "q",
        "S": symbol,
        "bx": "",
        "bp": float(quote.bid),
        "bs": 1,
        "ax": "",
        "ap": float(quote.ask),
        "as": 1,
        "c": [],
        "z": "",
        "t": point.timestamp,
    }


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    raise TypeError(f"not JSON: {value!r}")


@router.websocket("/v2/{feed}")
async def market_data_stream(socket: WebSocket, feed: str) -> None:
    exchange: Exchange = socket.app.state.exchange
    await socket.accept()
    connection = _Connection(socket, exchange)
    try:
        if feed not in ("iex", "sip", "test", "delayed_sip"):
            await connection.send([{"T": "error", "code": 404, "msg": "feed not found"}])
            await socket.close()
            return
        await connection.send([{"T": "success", "msg": "connected"}])
        if not await _authenticated(connection):
            return
        await _serve(connection, exchange.config.stream_poll)
    except WebSocketDisconnect:
        return


async def _authenticated(connection: _Connection) -> bool:
    message = await connection.receive()
    if not isinstance(message, dict) or message.get("action") != "auth":
        await connection.send([{"T": "error", "code": 401, "msg": "not authenticated"}])
        await connection.socket.close()
        return False
    key, secret = str(message.get("key", "")), str(message.get("secret", ""))
    try:
        await to_thread.run_sync(connection.exchange.authenticate, key, secret)
    except (AuthError, PermissionDenied) as error:
        refusal = (
            {"T": "error", "code": 402, "msg": "auth failed"}
            if isinstance(error, AuthError)
            else {"T": "error", "code": 406, "msg": "connection limit exceeded"}  # account cap
        )
        await connection.send([refusal])
        await connection.socket.close()
        return False
    await connection.send([{"T": "success", "msg": "authenticated"}])
    return True


async def _serve(connection: _Connection, poll: float) -> None:
    token, hangup = connection.exchange.hub.subscribe("")

    async def listen() -> None:
        while True:
            message = await connection.receive()
            action = message.get("action") if isinstance(message, dict) else None
            if action in ("subscribe", "unsubscribe"):
                acknowledgement = connection.change(message, action == "subscribe")
                connection.exchange.hub.listen(token, connection.topics())
                await connection.send([acknowledgement])
            else:
                await connection.send([{"T": "error", "code": 400, "msg": "invalid syntax"}])

    reader = asyncio.create_task(listen())
    try:
        while not reader.done():
            await asyncio.wait({reader}, timeout=poll)
            if not hangup.empty():  # dropped on purpose (fault injection)
                await connection.socket.close(code=1011)
                return
            now = connection.exchange.clock.now()
            if now > connection.seen:
                batch = await to_thread.run_sync(connection.data_since, connection.seen, now)
                connection.seen = now
                if batch:
                    await connection.send(batch)
    finally:
        connection.exchange.hub.unsubscribe(token)
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
            await reader
