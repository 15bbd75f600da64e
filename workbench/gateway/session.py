"""One ``/ws`` connection: authenticate, then subscribe, unsubscribe, heartbeats and a bounded
send queue (docs/api.md, the WebSocket protocol).

The session speaks to a ``Connection`` (the API adapts its framework's WebSocket to it) and to
its ``Hub`` (registration, channel membership). Only the sender task writes to the connection;
the hub hands it frames with ``offer``, which never waits: a client whose queue is full is
dropped with 1013, and nobody else waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, NoReturn, Protocol
from urllib.parse import parse_qsl

from workbench.core.config import WebSocketSettings
from workbench.core.errors import WorkbenchError
from workbench.core.tasks import cancel_and_wait
from workbench.gateway.channels import CHANNELS, Channel
from workbench.gateway.ratelimit import Bucket, LocalBuckets
from workbench.model import Role, can

if TYPE_CHECKING:
    from workbench.gateway.hub import Hub

__all__ = [
    "CLOSE_AUTH",
    "CLOSE_GOING_AWAY",
    "CLOSE_SLOW",
    "PROTOCOL",
    "Caller",
    "ClientSession",
    "Connection",
]

#: the subprotocol the server answers with; a client offers it beside ``bearer.<credential>``
PROTOCOL = "workbench.v1"
_BEARER = "bearer."
#: authentication refused: a bad or expired credential, one in the URL, none in time
CLOSE_AUTH = 1008
#: the server is stopping, or the client was idle past ``idle_timeout_seconds``
CLOSE_GOING_AWAY = 1001
#: the client read too slowly (its send queue filled), or the server is full
CLOSE_SLOW = 1013
_CREDENTIAL_NAMES = {
    "token",
    "access_token",
    "api_key",
    "apikey",
    "key",
    "auth",
    "authorization",
    "bearer",
    "jwt",
}
#: the most symbols one subscription names
_MAX_SYMBOLS = 1000
_SYMBOL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-/]{0,19}$")
_LOOKS_LIKE_CREDENTIAL = re.compile(
    r"^(?:bearer\s+)?(?:wb[kr]_\S+|[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,})$", re.IGNORECASE
)
_TYPES = ("auth", "subscribe", "unsubscribe", "ping", "pong")


class Caller(Protocol):
    """Who a connection acts for (``ops.auth.Principal`` is one)."""

    @property
    def user(self) -> str: ...
    @property
    def role(self) -> Role: ...


class Connection(Protocol):
    """What a session needs of a WebSocket; ``receive`` returns None once the client is gone."""

    query_string: str
    offered_subprotocols: list[str]

    async def accept(self, subprotocol: str | None) -> None: ...
    async def receive(self) -> str | bytes | None: ...
    async def send(self, text: str) -> None: ...
    async def close(self, code: int, reason: str) -> None: ...


Authenticate = Callable[[str], Awaitable[Caller]]


class _Closing(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


class ClientSession:
    def __init__(
        self,
        hub: Hub,
        connection: Connection,
        settings: WebSocketSettings,
        auth: Authenticate,
        *,
        subscribe: tuple[str, ...] = (),
    ) -> None:
        self.hub, self.connection, self.settings = hub, connection, settings
        self._authenticate, self._initial = auth, subscribe
        self.queue: asyncio.Queue[str] = asyncio.Queue(maxsize=settings.send_queue)
        self.channels: set[str] = set()
        #: the symbols a channel that allows it was narrowed to (absent: every symbol)
        self.symbols: dict[str, frozenset[str]] = {}
        self.caller: Caller | None = None
        self._credential = ""
        self._last_seen = time.monotonic()
        self._closing: tuple[int, str] | None = None
        self._woken = asyncio.Event()
        rate = settings.messages_per_second
        self._messages = LocalBuckets()
        self._message_bucket = Bucket("messages", rate, max(1, int(rate * 4)))

    # -- what the hub calls -----------------------------------------------------------------
    def offer(self, frame: str) -> None:
        """Queue a frame for this client, or drop the client when its queue is full."""
        if self._closing is not None:
            return
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.hub.dropped += 1
            reason = f"send queue full ({self.settings.send_queue}): the client reads too slowly"
            self.request_close(CLOSE_SLOW, reason)

    def request_close(self, code: int, reason: str) -> None:
        if self._closing is None:
            self._closing = (code, reason)
            self._woken.set()

    def sees(self, channel: Channel, owner: str | None) -> bool:
        if channel.owner_key is None or self.caller is None:
            return True
        if channel.see_all is not None and can(self.caller.role, channel.see_all):
            return True
        return owner is not None and owner == self.caller.user

    # -- the connection's life ----------------------------------------------------------------
    async def run(self) -> None:
        try:
            await self._open()
        except _Closing as closing:
            await self._close(closing.code, closing.reason)
            return
        if self.caller is None:  # the client left before authenticating
            return
        self.hub.register(self)
        if self._initial:  # /ws/<channel>: subscribed from the start
            await self._membership("subscribe", list(self._initial), None)
        tasks = [
            asyncio.create_task(self._read()),
            asyncio.create_task(self._send()),
            asyncio.create_task(self._beat()),
            asyncio.create_task(self._woken.wait()),
        ]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self.hub.unregister(self)
            # a send to a socket already closed is how a session may end: not an error here
            await cancel_and_wait(*tasks, errors=False)
        if self._closing is not None:
            await self._close(*self._closing)

    async def _open(self) -> None:
        offered = self.connection.offered_subprotocols
        answer = PROTOCOL if PROTOCOL in offered else None
        if _credential_in(self.connection.query_string):
            await self.connection.accept(answer)
            await self._refuse(
                "token_in_url",
                "a credential in the URL is refused (URLs are logged): send it in the first "
                'message {"type": "auth", "token": ...} or as the subprotocol bearer.<token>',
            )
        bearer = next((p[len(_BEARER) :] for p in offered if p.startswith(_BEARER)), None)
        await self.connection.accept(answer)
        if bearer is None:
            bearer = await self._first_message_credential()
            if bearer is None:
                return
        try:
            self.caller = await self._authenticate(bearer)
        except WorkbenchError as error:
            await self._refuse("unauthorized", f"authentication failed: {error.message}")
        self._credential = bearer
        allowed = [c.name for c in CHANNELS.values() if can(self.caller.role, c.permission)]
        await self.connection.send(
            _message(
                "welcome",
                user=self.caller.user,
                role=self.caller.role.value,
                channels=allowed,
                heartbeat_seconds=self.settings.heartbeat_seconds,
                idle_timeout_seconds=self.settings.idle_timeout_seconds,
                send_queue=self.settings.send_queue,
            )
        )

    async def _first_message_credential(self) -> str | None:
        try:
            text = await asyncio.wait_for(
                self.connection.receive(), self.settings.auth_timeout_seconds
            )
        except TimeoutError:
            await self._refuse(
                "auth_timeout",
                f"no auth message within {self.settings.auth_timeout_seconds:g} s",
            )
        if text is None:
            return None
        body = _parse(text, self.settings.max_message_bytes)
        if isinstance(body, str):
            await self._refuse("invalid_message", body)
        token = body.get("token")
        if body.get("type") != "auth" or not isinstance(token, str) or not token.strip():
            await self._refuse(
                "not_authenticated",
                'the first message must be {"type": "auth", "token": "<access token or API key>"}',
            )
        return str(token)

    async def _refuse(self, code: str, message: str) -> NoReturn:
        with contextlib.suppress(Exception):
            await self.connection.send(_message("error", code=code, message=message))
        raise _Closing(CLOSE_AUTH, message[:120])

    async def _close(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.connection.close(code, reason[:120]), timeout=2)

    async def _send(self) -> None:
        while True:
            frame = await self.queue.get()
            await self.connection.send(frame)

    async def _beat(self) -> None:
        settings = self.settings
        while True:
            await asyncio.sleep(settings.heartbeat_seconds)
            idle = time.monotonic() - self._last_seen
            if idle > settings.idle_timeout_seconds:
                reason = f"idle: nothing from the client for {settings.idle_timeout_seconds:g} s"
                self.request_close(CLOSE_GOING_AWAY, reason)
                return
            self.offer(_message("ping", at=time.time()))

    async def _read(self) -> None:
        while True:
            text = await self.connection.receive()
            if text is None:
                return  # the client closed: nothing to send back
            self._last_seen = time.monotonic()
            await self._handle(text)

    async def _handle(self, text: str | bytes) -> None:
        limit = self._messages.take([self._message_bucket])
        if not limit.allowed:
            detail = f"over {self.settings.messages_per_second:g} messages a second"
            self._error("rate_limited", detail, retry_after=round(limit.retry_after, 3))
            return
        body = _parse(text, self.settings.max_message_bytes)
        if isinstance(body, str):
            self._error("invalid_message", body)
            return
        kind, ref = body.get("type"), body.get("id")
        if kind in ("subscribe", "unsubscribe"):
            await self._membership(kind, body.get("channels"), ref, body.get("symbols"))
        elif kind == "ping":
            self.offer(_message("pong", id=ref))
        elif kind == "pong":
            pass
        elif kind == "auth":
            self._error("already_authenticated", "this connection is authenticated", ref)
        else:
            self._error("unknown_type", f"type must be one of {', '.join(_TYPES)}", ref)

    async def _membership(self, kind: str, names: Any, ref: Any, symbols: Any = None) -> None:
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            self._error("invalid_message", "channels must be a non-empty list of names", ref)
            return
        unknown = [n for n in names if n not in CHANNELS]
        if unknown:
            known = ", ".join(CHANNELS)
            self._error("unknown_channel", f"no channel {unknown[0]!r}: one of {known}", ref)
            return
        wanted = _symbols(names, symbols) if kind == "subscribe" else None
        if isinstance(wanted, str):
            self._error("invalid_message", wanted, ref)
            return
        if kind == "unsubscribe":
            self.hub.leave(self, names)
            self.offer(_message("unsubscribed", channels=names, id=ref))
            return
        try:  # a revoked key or an expired token subscribes to nothing more
            self.caller = await self._authenticate(self._credential)
        except WorkbenchError as error:
            self._error("unauthorized", f"the credential is no longer valid: {error.message}")
            self.request_close(CLOSE_AUTH, "the credential is no longer valid")
            return
        role = self.caller.role
        refused = [CHANNELS[n] for n in names if not can(role, CHANNELS[n].permission)]
        if refused:
            first = refused[0]
            detail = (
                f"{self.caller.user} ({role.value}) may not subscribe to {first.name}: "
                f"it needs {first.permission.value}"
            )
            self._error("forbidden", detail, ref, channel=first.name)
            return
        self.hub.join(self, names, wanted)
        narrowed = {name: sorted(only) for name, only in sorted(self.symbols.items())}
        channels = sorted(self.channels)
        self.offer(_message("subscribed", channels=channels, symbols=narrowed or None, id=ref))

    def _error(self, code: str, message: str, ref: Any = None, **extra: Any) -> None:
        self.offer(_message("error", code=code, message=message, id=ref, **extra))


def _symbols(names: list[str], symbols: Any) -> frozenset[str] | str | None:
    """The symbols a subscribe message narrows its channels to, or what is wrong with them."""
    if symbols is None:
        return None
    if not any(CHANNELS[n].symbol_key for n in names):
        allowed = ", ".join(c.name for c in CHANNELS.values() if c.symbol_key)
        return f"symbols narrow only these channels: {allowed}"
    if (
        not isinstance(symbols, list)
        or not 0 < len(symbols) <= _MAX_SYMBOLS
        or not all(isinstance(s, str) and _SYMBOL.match(s) for s in symbols)
    ):
        return f"symbols must be a list of 1 to {_MAX_SYMBOLS} symbols such as AAPL or BRK.B"
    return frozenset(s.upper() for s in symbols)


def _message(kind: str, **fields: Any) -> str:
    return json.dumps({"type": kind, **{k: v for k, v in fields.items() if v is not None}})


def _parse(text: str | bytes, limit: int) -> dict[str, Any] | str:
    """The message as a dict, or what is wrong with it."""
    if isinstance(text, bytes):
        return "binary frames are not part of the protocol: send JSON text"
    if len(text) > limit:
        return f"a message is at most {limit} bytes"
    try:
        body = json.loads(text)
    except ValueError:
        return "not JSON"
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        return 'a message is a JSON object with a "type"'
    return body


def _credential_in(query_string: str) -> bool:
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        if name.lower() in _CREDENTIAL_NAMES or _LOOKS_LIKE_CREDENTIAL.match(value.strip()):
            return True
    return False
