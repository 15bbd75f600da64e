"""Who is calling, and how often: API-key authentication, the per-key rate limit and the
request size limit.

An ASGI middleware in front of every route, so all of it runs before a route acts: a refused or
throttled request has no side effect (alpaca-py re-sends a 429'd POST, so an order must never
be created by a request that is then answered 429).

* Bodies: at most ``max_body_bytes`` (413 past it), read here whole before any route sees them,
  so a client cannot hold the server on an endless body.
* ``/admin``: only ``Authorization: Bearer <admin key>`` (``Exchange.admin_key``); trading keys
  do not open it, and the admin key is not a trading key.
* ``/v2``: keys arrive as Alpaca's ``APCA-API-KEY-ID`` / ``APCA-API-SECRET-KEY`` headers or as
  HTTP Basic (the data client's ``use_basic_auth``). The rate limit is a token bucket per key:
  ``limit`` requests per minute, refilled continuously; answers carry ``X-Ratelimit-Limit``,
  ``X-Ratelimit-Remaining`` and ``X-Ratelimit-Reset``. Injected faults
  (``workbench.exchange.faults``) act here too, before any route runs.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import math
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from anyio import to_thread

from workbench.core.errors import WorkbenchError
from workbench.exchange.api.errors import error_body, status_and_code
from workbench.exchange.service import Exchange

__all__ = ["KeyAuthMiddleware", "RateLimiter"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


_INJECTED = {
    429: {"code": 42910000, "message": "rate limit exceeded"},
    500: {"code": 50010000, "message": "internal server error (injected fault)"},
}


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    remaining: int
    reset: int  # epoch seconds when the bucket is full again


class RateLimiter:
    """``limit`` requests per ``window`` seconds per key (a token bucket)."""

    def __init__(self, limit: int, window: float = 60.0, wall: Callable[[], float] = time.time):
        self.limit = limit
        self._rate = limit / window
        self._wall = wall
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> Verdict:
        now = self._wall()
        with self._lock:
            tokens, then = self._buckets.get(key, (float(self.limit), now))
            tokens = min(float(self.limit), tokens + (now - then) * self._rate)
            allowed = tokens >= 1
            if allowed:
                tokens -= 1
            self._buckets[key] = (tokens, now)
        reset = math.ceil(now + (self.limit - tokens) / self._rate)
        return Verdict(allowed, int(tokens), reset)


class KeyAuthMiddleware:
    def __init__(self, app: ASGIApp, exchange: Exchange, limiter: RateLimiter | None) -> None:
        self.app = app
        self.exchange = exchange
        self.limiter = limiter
        self._accounts: dict[tuple[str, str], str] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.exchange.config.max_body_bytes
        body = await _read_body(scope, receive, limit)
        if body is None:
            message = f"request body too large: the limit is {limit} bytes"
            await _reply(send, 413, {"code": 41310000, "message": message})
            return
        receive = _replay(body, receive)
        path = scope.get("path", "")
        if path.startswith("/admin"):
            if not self.exchange.is_admin_key(_bearer(scope)):
                message = "admin routes need the exchange's admin key (Authorization: Bearer ...)"
                await _reply(send, 401, {"code": 40110000, "message": message})
                return
            await self.app(scope, receive, send)
            return
        if not path.startswith("/v2"):
            await self.app(scope, receive, send)
            return
        key_id, secret = _credentials(scope)
        try:
            account_id = await self._account(key_id, secret)
        except WorkbenchError as error:
            await _reply(send, status_and_code(error)[0], error_body(error))
            return
        headers: list[tuple[bytes, bytes]] = []
        fault = self.exchange.faults.draw()
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.status is not None:
            await _reply(send, fault.status, _INJECTED[fault.status])
            return
        if self.limiter is not None:
            verdict = self.limiter.take(key_id)
            headers = [
                (b"x-ratelimit-limit", str(self.limiter.limit).encode()),
                (b"x-ratelimit-remaining", str(verdict.remaining).encode()),
                (b"x-ratelimit-reset", str(verdict.reset).encode()),
            ]
            if not verdict.allowed:
                await _reply(
                    send, 429, {"code": 42910000, "message": "rate limit exceeded"}, headers
                )
                return
        scope.setdefault("state", {})["account_id"] = account_id

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start" and headers:
                message["headers"] = [*message.get("headers", []), *headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _account(self, key_id: str, secret: str) -> str:
        known = self._accounts.get((key_id, secret))
        if known is not None:
            return known
        # the first sight of a key may open an account (a write): off the event loop
        account_id = await to_thread.run_sync(self.exchange.authenticate, key_id, secret)
        self._accounts[(key_id, secret)] = account_id
        return account_id


async def _read_body(scope: Scope, receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None when it is (or says it is) over ``limit`` bytes."""
    declared = _headers(scope).get("content-length", "").strip()
    # isascii too: "¹".isdigit() is true, and int("¹") raises
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client left: the route will see it too
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body read once more for the app, then the connection's own messages (a disconnect)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _bearer(scope: Scope) -> str:
    scheme, _, token = _headers(scope).get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else ""


def _credentials(scope: Scope) -> tuple[str, str]:
    headers = _headers(scope)
    key_id = headers.get("apca-api-key-id", "")
    secret = headers.get("apca-api-secret-key", "")
    basic = headers.get("authorization", "")
    if not key_id and basic.lower().startswith("basic "):
        try:
            key_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
    return key_id.strip(), secret.strip()


async def _reply(
    send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
