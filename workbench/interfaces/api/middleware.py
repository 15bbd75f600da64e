"""Pure ASGI middleware around every request: a bounded body (413), security headers, and the
request count and latency figures ``/metrics`` serves."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodyLimit", "RequestMetrics", "SecurityHeaders"]

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
            await _refuse(scope, send, self.max_bytes)
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


async def _refuse(scope: Scope, send: Send, limit: int) -> None:
    import json

    body = json.dumps(
        {
            "type": "urn:workbench:problem:content_too_large",
            "title": "Content Too Large",
            "status": 413,
            "detail": f"the request body is over {limit} bytes",
            "instance": scope.get("path", ""),
            "code": "content_too_large",
        }
    ).encode()
    headers = [(b"content-type", b"application/problem+json")]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


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
