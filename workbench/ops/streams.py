"""Use cases of ``/ws`` and of the rate limits: the API builds one ``Hub`` and one
``RateLimiter`` per process (``hub``, ``limiter``), serves each WebSocket through
``serve_websocket``, and asks ``admit`` before every request (docs/api.md)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from workbench.core.errors import WorkbenchError
from workbench.core.security import api_key_prefix, looks_like_api_key, secret_digest
from workbench.gateway.hub import Hub
from workbench.gateway.ratelimit import Bucket, Decision, RateLimiter
from workbench.gateway.session import CLOSE_AUTH, CLOSE_GOING_AWAY, CLOSE_SLOW, PROTOCOL, Connection
from workbench.ledger import ApiKeyRow, UserRow
from workbench.ops.auth import Principal, authenticate
from workbench.ops.kept_reads import kept_reads
from workbench.ops.secrets import token_signer

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

    from workbench.runtime import Runtime

__all__ = [
    "CLOSE_AUTH",
    "CLOSE_GOING_AWAY",
    "CLOSE_SLOW",
    "LOGIN_PATH",
    "PROTOCOL",
    "Connection",
    "Decision",
    "Hub",
    "KeyOwners",
    "RateLimiter",
    "admit",
    "buckets_for",
    "hub",
    "limiter",
    "register_metrics",
    "serve_websocket",
]

#: the login route, limited apart (``api.rate_limit.login_*``)
LOGIN_PATH = "/api/v1/auth/login"
#: answered whatever the limits: liveness must not depend on them
_UNLIMITED = frozenset({"/healthz"})


def hub(rt: Runtime) -> Hub:
    """This process's hub over the runtime's bus, and Redis when configured."""
    url = rt.settings.redis_url
    made = Hub(
        rt.bus,
        rt.settings.api.ws,
        origin=rt.instance_id,
        redis_url=url.get_secret_value() if url is not None else None,
        prefix=rt.settings.redis_prefix,
    )
    # another process's order or fill drops this one's kept answers as its own would
    made.remote_observers.append(kept_reads(rt).changed)
    return made


def limiter(rt: Runtime) -> RateLimiter:
    url = rt.settings.redis_url
    return RateLimiter(url.get_secret_value() if url else None, rt.settings.redis_prefix)


def register_metrics(hub: Hub, registry: CollectorRegistry) -> None:
    """The hub's figures on the API's ``/metrics``: clients now, slow clients dropped."""
    from prometheus_client import Gauge

    clients = Gauge("workbench_ws_clients", "Open /ws connections", registry=registry)
    clients.set_function(lambda: len(hub.sessions))
    dropped = Gauge(
        "workbench_ws_slow_clients_dropped",
        "WebSocket clients dropped because their send queue filled (1013)",
        registry=registry,
    )
    dropped.set_function(lambda: hub.dropped)


async def serve_websocket(
    rt: Runtime, hub: Hub, connection: Connection, *, subscribe: tuple[str, ...] = ()
) -> None:
    """One ``/ws`` connection, authenticated by ``ops.auth`` (in a worker thread: it reads the
    ledger), to its end; ``/ws/<channel>`` subscribes it to that channel from the start."""

    async def who(credential: str) -> Principal:
        return await asyncio.to_thread(authenticate, rt, credential)

    await hub.serve(connection, who, subscribe)


def buckets_for(
    rt: Runtime,
    *,
    method: str,
    path: str,
    client: str,
    credential: str | None,
    key_owner: str | None = None,
) -> list[Bucket]:
    """The buckets a request counts against: its address's (or, for login, the stricter login
    bucket of its address), and its user's or API key's when it carries one that verifies. An
    API key whose user is known (``key_owner``) counts against its user's bucket too, so making
    more keys never multiplies a user's rate. Nothing here touches the ledger: a token's user
    comes from its verified claims, a key's bucket is named by its visible prefix."""
    limits = rt.settings.api.rate_limit
    if not limits.enabled or path in _UNLIMITED:
        return []
    if method == "POST" and path == LOGIN_PATH:
        return [Bucket(f"login:{client}", limits.login_per_minute / 60, limits.login_burst)]
    buckets = [Bucket(f"addr:{client}", limits.address_per_second, limits.address_burst)]
    principal = _principal_key(rt, credential)
    owners = [principal] if principal is not None else []
    if key_owner is not None and principal is not None and principal.startswith("key:"):
        owners.append(f"user:{key_owner}")
    for owner in owners:
        buckets.append(Bucket(owner, limits.principal_per_second, limits.principal_burst))
    return buckets


class KeyOwners:
    """The user of each working API key this process has seen, looked up by the key's digest
    in a worker thread and kept for ``ttl`` seconds (so a key revoked meanwhile stops counting
    against its user within that time). A key that does not work (unknown, revoked, expired)
    counts against nobody's bucket but its own and its address's: a stale key cannot spend
    its user's requests."""

    def __init__(self, *, ttl: float = 60.0, capacity: int = 10_000) -> None:
        self._ttl, self._capacity = ttl, capacity
        self._owners: dict[str, tuple[str, float]] = {}

    async def owner(self, rt: Runtime, credential: str | None) -> str | None:
        key = _bare(credential)
        if key is None or not looks_like_api_key(key):
            return None
        digest = secret_digest(key)
        known = self._owners.get(digest)
        if known is not None and time.monotonic() - known[1] < self._ttl:
            return known[0]
        found = await asyncio.to_thread(_key_owner, rt, digest)
        if found is None:
            self._owners.pop(digest, None)
            return None
        if len(self._owners) >= self._capacity:
            self._owners.clear()
        self._owners[digest] = (found, time.monotonic())
        return found


async def admit(
    rt: Runtime,
    limits: RateLimiter,
    *,
    method: str,
    path: str,
    client: str,
    credential: str | None,
    owners: KeyOwners | None = None,
) -> Decision:
    """Whether a request may go on now, or how long it must wait."""
    enabled = rt.settings.api.rate_limit.enabled
    owner = await owners.owner(rt, credential) if owners is not None and enabled else None
    buckets = buckets_for(
        rt, method=method, path=path, client=client, credential=credential, key_owner=owner
    )
    return await limits.take(buckets)


def _key_owner(rt: Runtime, digest: str) -> str | None:
    now = datetime.now(UTC)
    query = (
        sa.select(UserRow.username)
        .join(ApiKeyRow, ApiKeyRow.user_id == UserRow.id)
        .where(ApiKeyRow.key_hash == digest, ApiKeyRow.revoked_at.is_(None))
        .where(sa.or_(ApiKeyRow.expires_at.is_(None), ApiKeyRow.expires_at > now))
    )
    with rt.ledger.session(read_only=True) as session:
        return session.scalar(query)


def _bare(credential: str | None) -> str | None:
    """The token of ``Bearer <token>`` (or a bare credential)."""
    if not credential:
        return None
    scheme, _, rest = credential.strip().partition(" ")
    return rest.strip() if scheme.lower() == "bearer" else credential.strip()


def _principal_key(rt: Runtime, credential: str | None) -> str | None:
    token = _bare(credential)
    if token is None:
        return None
    if looks_like_api_key(token):
        return f"key:{api_key_prefix(token)}"
    if token.count(".") != 2:
        return None
    try:
        return f"user:{token_signer(rt.settings).verify(token).username}"
    except WorkbenchError:  # not a valid token (or no secret to check it): the address counts
        return None
