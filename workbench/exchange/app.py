"""The exchange's web app: Alpaca's Trading API v2 and Market Data v2 on one server (alpaca-py
builds ``url_override + "/v2" + path`` for both clients, and their paths do not overlap), plus
``/admin`` for the replay clock and ``/healthz``.

``create_app(exchange)`` wires the routes, the key/rate-limit middleware and the error bodies;
when the clock runs (``speed > 0``) a heartbeat plays the market every ``tick_seconds`` so fills
happen even when nobody asks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from anyio import to_thread
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from workbench.core.tasks import cancel_and_wait
from workbench.exchange.api import admin, data_stream, market_data, trade_stream, trading
from workbench.exchange.api.auth import KeyAuthMiddleware, RateLimiter
from workbench.exchange.api.errors import install_error_handlers
from workbench.exchange.service import Exchange

__all__ = ["create_app"]

_log = logging.getLogger(__name__)


def create_app(exchange: Exchange, *, tick_seconds: float = 0.25) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        heartbeat = asyncio.create_task(_heartbeat(exchange, tick_seconds))
        try:
            yield
        finally:
            await cancel_and_wait(heartbeat)

    app = FastAPI(
        title="Workbench local exchange",
        summary="Alpaca-compatible Trading API v2 and Market Data v2 replaying the lake",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.exchange = exchange
    app.include_router(trading.router)
    app.include_router(market_data.router)
    app.include_router(trade_stream.router)
    app.include_router(data_stream.router)
    if exchange.config.admin:
        app.include_router(admin.router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok", "now": exchange.clock.now().isoformat()})

    install_error_handlers(app)
    limit = exchange.config.rate_limit
    limiter = RateLimiter(limit) if limit else None
    app.add_middleware(KeyAuthMiddleware, exchange=exchange, limiter=limiter)
    return app


async def _heartbeat(exchange: Exchange, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        if exchange.clock.speed <= 0:
            continue
        try:
            await to_thread.run_sync(exchange.tick)
        except Exception:
            # keep beating: the next request would meet the same failure and report it
            _log.exception("the exchange heartbeat failed to play the market")
