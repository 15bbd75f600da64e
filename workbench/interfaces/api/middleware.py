"""Pure ASGI middleware around every request: a bounded body (413), rate limits (429), security
headers, and the request count and latency figures ``/metrics`` serves."""

from __future__ import annotations

import math
import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from workbench.ops import streams
from workbench.runtime import Runtime

__all__ = ["BodyLimit", "RateLimit", "RequestMetrics", "SecurityHeaders", "TrustedHosts"]

Headers = list[tuple[bytes, bytes]]


class BodyLimit:
    """Refuses a body over ``max_bytes`` with 413: at once when ``Content-Length`` says so,
    else when the streamed body passes the limit (as the route reads it)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            detail = f"the request body is over {self.max_bytes} bytes"
            await _refuse(scope, send, 413, "content_too_large", detail)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise HTTPException(413, f"the request body is over {self.max_bytes} bytes")
            return message

        await self.app(scope, counted, send)


async def _refuse(
    scope: Scope,
    send: Send,
    status: int,
    code: str,
    detail: str,
    *,
    headers: Headers = (),  # type: ignore[assignment]
    **extra: Any,
) -> None:
    """A problem body (errors.py's shape) sent before the app is reached."""
    import json
    from http import HTTPStatus

    body = json.dumps(
        {
            "type": f"urn:workbench:problem:{code}",
            "title": HTTPStatus(status).phrase,
            "status": status,
            "detail": detail,
            "instance": scope.get("path", ""),
            "code": code,
            **extra,
        }
    ).encode()
    sent = [(b"content-type", b"application/problem+json"), *headers]
    sent.append((b"content-length", str(len(body)).encode()))
    # a WebSocket handshake is refused with an HTTP answer where the server can send one
    prefix = "websocket.http" if scope["type"] == "websocket" else "http"
    await send({"type": f"{prefix}.response.start", "status": status, "headers": sent})
    await send({"type": f"{prefix}.response.body", "body": body})


class RateLimit:
    """429 with ``Retry-After`` when a request's address, user or API key is out of tokens
    (``ops.streams.admit``; login has its own stricter bucket). It wraps the whole app, so
    every path is covered, a WebSocket handshake and anything mounted later included."""

    def __init__(self, app: ASGIApp, runtime: Runtime, limiter: streams.RateLimiter) -> None:
        self.app, self.runtime, self.limiter = app, runtime, limiter
        self.owners = streams.KeyOwners()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in {"http", "websocket"}:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        credential = headers.get(b"authorization", b"").decode("latin-1") or _bearer(headers)
        client = scope.get("client")
        decision = await streams.admit(
            self.runtime,
            self.limiter,
            method=scope.get("method", "GET"),
            path=scope.get("path", ""),
            client=client[0] if client else "unknown",
            credential=credential or None,
            owners=self.owners,
        )
        if decision.allowed:
            await self.app(scope, receive, send)
            return
        wait = max(1, math.ceil(decision.retry_after))
        detail = f"too many requests: try again in {wait} s"
        if scope["type"] == "websocket" and "websocket.http.response" not in scope.get(
            "extensions", {}
        ):
            await send({"type": "websocket.close", "code": streams.CLOSE_SLOW, "reason": detail})
            return
        retry = [(b"retry-after", str(wait).encode())]
        await _refuse(
            scope,
            send,
            429,
            "rate_limited",
            detail,
            headers=retry,
            retry_after=round(decision.retry_after, 3),
        )


def _bearer(headers: dict[bytes, bytes]) -> str:
    """The credential a WebSocket client offered as the subprotocol ``bearer.<credential>``."""
    offered = headers.get(b"sec-websocket-protocol", b"").decode("latin-1")
    for protocol in offered.split(","):
        if protocol.strip().startswith("bearer."):
            return protocol.strip()[len("bearer.") :]
    return ""


class TrustedHosts:
    """400 unless the ``Host`` header names one of ``allowed`` (``*`` any, ``*.example.org``
    its subdomains): a page on another site cannot reach a loopback API by DNS rebinding."""

    def __init__(self, app: ASGIApp, allowed: list[str]) -> None:
        self.app, self.allowed = app, [host.lower() for host in allowed]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in {"http", "websocket"} and "*" not in self.allowed:
            host = dict(scope["headers"]).get(b"host", b"").decode("latin-1").lower()
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if not any(_matches(name, pattern) for pattern in self.allowed):
                detail = f"this server does not answer for host {name!r}: see api.trusted_hosts"
                await _refuse(scope, send, 400, "untrusted_host", detail)
                return
        await self.app(scope, receive, send)


def _matches(name: str, pattern: str) -> bool:
    if pattern.startswith("*."):
        return name.endswith(pattern[1:])
    return name == pattern


_COMMON: Headers = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
_API_CSP = b"default-src 'none'; frame-ancestors 'none'"
# Swagger UI: its assets from this server, one inline start-up script, data: images
_DOCS_CSP = (
    b"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data:; frame-ancestors 'none'"
)


class SecurityHeaders:
    """nosniff, no framing, no referrer, a content security policy, ``no-store`` on API
    answers (they hold account data), and HSTS when served over TLS."""

    def __init__(self, app: ASGIApp, *, docs_prefix: str = "/docs") -> None:
        self.app, self.docs_prefix = app, docs_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        docs = path.startswith(self.docs_prefix)
        extra = [*_COMMON, (b"content-security-policy", _DOCS_CSP if docs else _API_CSP)]
        if path.startswith("/api/"):
            extra.append((b"cache-control", b"no-store"))
        if scope.get("scheme") == "https":
            extra.append((b"strict-transport-security", b"max-age=31536000"))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                added = [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *added]}
            await send(message)

        await self.app(scope, receive, with_headers)


class RequestMetrics:
    """``workbench_api_requests_total`` by method, route template and status, and
    ``workbench_api_request_seconds`` by method and route (a template, so ids do not
    explode the label space)."""

    def __init__(self, app: ASGIApp, registry: CollectorRegistry) -> None:
        self.app = app
        self.requests = Counter(
            "workbench_api_requests",
            "API requests answered",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "workbench_api_request_seconds",
            "Time to answer an API request",
            ["method", "route"],
            registry=registry,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began, status = time.perf_counter(), 500

        async def noted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, noted)
        finally:
            route = _route_of(scope)
            self.requests.labels(scope["method"], route, str(status)).inc()
            self.latency.labels(scope["method"], route).observe(time.perf_counter() - began)


def _route_of(scope: Scope) -> str:
    route = scope.get("route")
    template = getattr(route, "path", None)
    return template if isinstance(template, str) else "unmatched"
