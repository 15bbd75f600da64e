"""Health and readiness: every check of the workbench's parts, and what an API process adds
(its WebSocket fan-out, rate limits and job workers) to say whether it can take requests
(``ops.monitor`` names these too)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from workbench.core.errors import ConfigError
from workbench.ledger import Ledger
from workbench.monitoring import HealthCheck, HealthReport, run_health_checks

if TYPE_CHECKING:
    from workbench.gateway.hub import Hub
    from workbench.gateway.ratelimit import RateLimiter
    from workbench.monitoring.service import MonitorService
    from workbench.runtime import Runtime

__all__ = ["REQUIRED_CHECKS", "HealthReport", "Readiness", "health", "readiness"]


def health(rt: Runtime, *, monitor: MonitorService | None = None) -> HealthReport:
    """Every health check. The ledger is opened as it is, not migrated: an old schema is a
    finding, and an unreachable database a failed check, not an error. With a venue outside
    this process configured (Alpaca), its account is asked for and its clock (the HTTP
    ``Date``) is the reference; one without its keys is ``config validate``'s finding. Given
    the running ``monitor`` (this process's), its market stream is checked too: connected, and
    its last message recent; without one that check is skipped."""
    stream = None if monitor is None or monitor.stream is None else monitor.stream.status()
    ledger = Ledger.from_url(rt.settings.ledger_dsn)
    broker, reference = None, None
    if rt.venue.remote:
        try:
            broker, reference = rt.broker, rt.venue.reference_clock()
        except ConfigError:  # no keys: nothing to ask
            broker, reference = None, None
    try:
        return run_health_checks(
            ledger=ledger,
            lake_dir=rt.settings.lake_location,
            home=rt.settings.home,
            now=rt.clock.now(),
            broker=broker,
            stream=stream,
            reference_clock=reference,
        )
    finally:
        ledger.dispose()


#: the checks a server needs to answer requests; one of them failing makes it not ready
#: a Redis that does not answer is not among them: the API degrades without it (rate limits
#: counted in process, events fanned out to this instance's clients) and says so with ``warn``;
#: failing readiness would take every instance out of its load balancer at once
REQUIRED_CHECKS = frozenset({"ledger", "lake", "broker"})


@dataclass(frozen=True)
class Readiness:
    """``health`` plus Redis when ``WB_REDIS_URL`` is set; ``ready`` unless a required check
    (``REQUIRED_CHECKS``) failed."""

    ready: bool
    checks: list[HealthCheck]


def readiness(
    rt: Runtime,
    *,
    fanout: Hub | None = None,
    limits: RateLimiter | None = None,
    job_workers: bool = False,
) -> Readiness:
    """An API process adds its WebSocket ``fanout`` (Redis pub/sub, or degraded to local), its
    rate ``limits`` (shared in Redis, or counted in this process): ``warn`` when degraded; and
    its ``job_workers`` (the Dask cluster jobs run on)."""
    checks = list(health(rt).checks)
    if job_workers:
        status, detail = rt.jobs.health()
        checks.append(HealthCheck("job_workers", status, detail))
    if rt.settings.redis_url is not None:
        checks.append(_redis_check(rt.settings.redis_url.get_secret_value()))
    if fanout is not None:
        state = fanout.state()
        detail = f"{state.detail}; {state.clients} client(s)"
        checks.append(HealthCheck("fanout", "warn" if state.degraded else "ok", detail))
    if limits is not None and not rt.settings.api.rate_limit.enabled:
        checks.append(HealthCheck("rate_limits", "ok", "off (api.rate_limit.enabled is false)"))
    elif limits is not None:
        limit = limits.state()
        checks.append(HealthCheck("rate_limits", "warn" if limit.degraded else "ok", limit.detail))
    failed = any(c.status == "fail" for c in checks if c.name in REQUIRED_CHECKS)
    return Readiness(ready=not failed, checks=checks)


def _redis_check(url: str) -> HealthCheck:
    import time

    import redis

    began = time.perf_counter()
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    status: Literal["ok", "warn"]
    try:
        client.ping()
        status, detail = "ok", "answered PING"
    except redis.RedisError as error:  # the URL holds a password: name the error, not the URL
        status = "warn"
        detail = f"no answer ({type(error).__name__}): rate limits and fan-out run in this process"
    finally:
        client.close()
    return HealthCheck("redis", status, detail, time.perf_counter() - began)
