"""The API's app factory: ``create_app(runtime)`` serves one runtime for the whole process and
closes it on shutdown; ``app_from_settings`` builds one from the environment (uvicorn workers).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from prometheus_client import CollectorRegistry
from starlette.concurrency import run_in_threadpool

from workbench.core.tasks import cancel_and_wait
from workbench.interfaces.api import docs, routes
from workbench.interfaces.api.deps import API_PREFIX
from workbench.interfaces.api.errors import document_problem_type, install_error_handlers
from workbench.interfaces.api.middleware import (
    BodyLimit,
    RateLimit,
    RequestMetrics,
    SecurityHeaders,
    TrustedHosts,
)
from workbench.interfaces.api.rbac import document_access
from workbench.interfaces.mcp import http as mcp_http
from workbench.ops import jobs, kept_reads, streams
from workbench.runtime import Runtime

__all__ = ["API_PREFIX", "app_from_settings", "create_app"]


def create_app(runtime: Runtime) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tending: asyncio.Task[None] | None = None
        try:
            runtime.metrics  # noqa: B018 - counting the bus's events from start-up on
            if _open_ledger(runtime):
                _recover_jobs(runtime)
            await app.state.hub.start()
            tending = asyncio.create_task(_tend_jobs(runtime))
            async with mcp_sessions():
                yield
        finally:
            if tending is not None:
                await cancel_and_wait(tending)
            await app.state.hub.close()
            await app.state.limiter.close()
            runtime.close()

    app = FastAPI(
        title="Workbench API",
        summary="Market data, strategies and the trading account of a Workbench home.",
        version="1",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.runtime = runtime
    app.state.metrics = CollectorRegistry()
    app.state.hub = streams.hub(runtime)
    streams.register_metrics(app.state.hub, app.state.metrics)
    kept_reads.register_metrics(runtime, app.state.metrics)
    app.state.limiter = streams.limiter(runtime)
    install_error_handlers(app)
    for router in (
        routes.health,
        routes.auth,
        routes.me,
        routes.market,
        routes.analysis,
        routes.strategy_runs,  # before strategies: /strategies/{name} would take "runs"
        routes.strategies,
        routes.approvals,  # before /orders/{reference} would read "held"
        routes.orders,
        routes.trading,
        routes.trading_state,
        routes.runs,
        routes.reports,
        routes.alerts,
        routes.audit,
        routes.admin,
        routes.jobs,
        routes.ws,
    ):
        app.include_router(router.router)
    document_access(app)
    document_problem_type(app)
    docs.mount(app)
    mcp_sessions = mcp_http.mount(app, runtime)
    _add_middleware(app, runtime)
    return app


def _open_ledger(runtime: Runtime) -> bool:
    """Migrate the ledger as every command does on first use; a ledger that cannot be opened
    now is logged and left to ``/readyz`` (the process still answers ``/healthz``)."""
    try:
        runtime.ledger  # noqa: B018 - built (and migrated) on first use
    except Exception as error:
        logging.getLogger("workbench.api").warning("the ledger did not open: %s", error)
        return False
    return True


def _recover_jobs(runtime: Runtime) -> None:
    """Jobs a stopped process left queued or running become ``interrupted`` (resubmittable)."""
    try:
        interrupted = jobs.recover(runtime)
    except Exception as error:  # the API still serves; the jobs stay as they were
        logging.getLogger("workbench.api").warning("unfinished jobs not recovered: %s", error)
        return
    if interrupted:
        logging.getLogger("workbench.api").warning(
            "jobs left unfinished by a stopped process, now interrupted: %s",
            ", ".join(str(job_id) for job_id in interrupted),
        )


async def _tend_jobs(runtime: Runtime) -> None:
    """Every ``jobs.heartbeat_seconds``: renew the leases of the jobs this process runs and
    interrupt those whose process is gone (``ops.jobs.tend``), on a worker thread. A ledger
    that does not answer is logged and tried again at the next beat."""
    log = logging.getLogger("workbench.api")
    while True:
        await asyncio.sleep(runtime.settings.jobs.heartbeat_seconds)
        try:
            interrupted = await run_in_threadpool(jobs.tend, runtime)
        except Exception as error:
            log.warning("the jobs' leases were not renewed: %s", error)
            continue
        if interrupted:
            log.warning(
                "jobs whose process is gone, now interrupted: %s",
                ", ".join(str(job_id) for job_id in interrupted),
            )


def _add_middleware(app: FastAPI, runtime: Runtime) -> None:
    settings = runtime.settings.api
    # added innermost first: metrics sees every answer, the host check runs before all
    app.add_middleware(RateLimit, runtime=runtime, limiter=app.state.limiter)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-API-Key"],
        )
    app.add_middleware(TrustedHosts, allowed=settings.trusted_hosts)
    app.add_middleware(RequestMetrics, registry=app.state.metrics)


def app_from_settings() -> FastAPI:
    """An app over ``Runtime.from_settings()`` (each uvicorn worker process builds its own)."""
    return create_app(Runtime.from_settings())
