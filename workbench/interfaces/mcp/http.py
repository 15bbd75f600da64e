"""The MCP server over streamable HTTP, mounted in the API at ``/mcp``: authenticated with
the same bearer tokens and API keys as the REST routes (``ops.auth.authenticate`` on every
request), behind the API's own middleware (trusted hosts, body limit, metrics)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from mcp.server import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from workbench.core.errors import WorkbenchError
from workbench.interfaces.mcp.face import Face, credential_from_headers
from workbench.interfaces.mcp.server import build_server
from workbench.ops.assistant import calls
from workbench.runtime import Runtime

__all__ = ["MCP_PATH", "mount"]

MCP_PATH = "/mcp"


def mount(app: FastAPI, runtime: Runtime) -> Callable[[], AbstractAsyncContextManager[None]]:
    """Add ``/mcp`` to ``app``; the answer runs the MCP session manager (in the app's
    lifespan)."""
    endpoint = _Authenticated(build_server(Face(runtime)), runtime)
    app.router.routes.append(Route(MCP_PATH, endpoint=endpoint))
    return endpoint.serving


class _Authenticated:
    """Refuses a request without valid credentials with 401 before the MCP server sees it.

    A session manager runs once: each lifespan of the app (a test client may enter it more
    than once) gets a fresh one with its own streamable HTTP app."""

    def __init__(self, server: MCPServer, runtime: Runtime) -> None:
        self._server = server
        self._runtime = runtime
        self._inner: ASGIApp | None = None

    @asynccontextmanager
    async def serving(self) -> AsyncIterator[None]:
        self._inner = self._server.streamable_http_app(
            streamable_http_path=MCP_PATH,
            # the API's TrustedHosts middleware checks the Host header for every route
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        try:
            async with self._server.session_manager.run():
                yield
        finally:
            self._inner = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        credential = credential_from_headers(headers)
        try:
            await anyio.to_thread.run_sync(calls.principal_for, self._runtime, credential)
        except WorkbenchError as error:
            await _problem(send, 401, error.message)
            return
        if self._inner is None:
            await _problem(
                send, 503, "the MCP server is not running (the API is starting or stopping)"
            )
            return
        await self._inner(scope, receive, send)


async def _problem(send: Send, status: int, detail: str) -> None:
    title = "Unauthorized" if status == 401 else "Service Unavailable"
    body = json.dumps(
        {"type": "about:blank", "title": title, "status": status, "detail": detail}
    ).encode()
    head: list[Any] = [
        (b"content-type", b"application/problem+json"),
        (b"www-authenticate", b"Bearer"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})
