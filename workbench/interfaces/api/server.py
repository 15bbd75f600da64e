"""``workbench serve api``: uvicorn in the foreground on a socket bound first (a taken port is
one clear error), stopping cleanly on SIGINT and SIGTERM (``workbench.core.serving``).

Beyond loopback the API needs TLS (``ssl_certfile``/``ssl_keyfile``) or ``behind_proxy`` (a
TLS-terminating proxy in front; its ``X-Forwarded-*`` headers are then honoured from
``forwarded_allow_ips``)."""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.core.errors import ConfigError
from workbench.core.serving import is_loopback, listen, run_server

if TYPE_CHECKING:
    import uvicorn

__all__ = ["ApiStarted", "serve_api"]

#: how long an idle keep-alive connection stays open. Longer than the idle expiry of the
#: clients and proxies in front (httpx 5 s, nginx and load balancers 60 s): with uvicorn's
#: default of 5 s, equal to httpx's, a client reusing a connection just as the server closes it
#: got a reset (httpx.ReadError) under load - the server must outlive its clients' pools.
KEEP_ALIVE_SECONDS = 75


@dataclass(frozen=True)
class ApiStarted:
    url: str
    workers: int
    #: what the operator should know before clients arrive, one line each
    warnings: tuple[str, ...] = ()


def serve_api(
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    ssl_certfile: Path | None = None,
    ssl_keyfile: Path | None = None,
    behind_proxy: bool = False,
    forwarded_allow_ips: str = "127.0.0.1",
    log_level: str = "warning",
    on_ready: Callable[[ApiStarted], None] | None = None,
) -> None:
    """Serve until SIGINT or SIGTERM; each worker process holds one runtime."""
    import uvicorn

    tls = _tls(ssl_certfile, ssl_keyfile)
    if not is_loopback(host) and not tls and not behind_proxy:
        raise ConfigError(
            f"--host {host} would serve the API beyond this machine without TLS: give "
            "--ssl-certfile and --ssl-keyfile, or --behind-proxy when a TLS proxy is in front"
        )
    if workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {workers}")
    listener = listen(host, port, what="API server")
    config = uvicorn.Config(
        "workbench.interfaces.api.app:app_from_settings",
        factory=True,
        workers=workers,
        log_level=log_level,
        ssl_certfile=str(ssl_certfile) if ssl_certfile else None,
        ssl_keyfile=str(ssl_keyfile) if ssl_keyfile else None,
        proxy_headers=behind_proxy,
        forwarded_allow_ips=forwarded_allow_ips if behind_proxy else None,
        server_header=False,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )
    shown = f"[{host}]" if ":" in host else host
    bound = int(listener.getsockname()[1])
    with listener:
        if on_ready is not None:
            url = f"{'https' if tls else 'http'}://{shown}:{bound}"
            on_ready(ApiStarted(url, workers, _unshared_workers(workers)))
        if workers == 1:
            run_server(config, listener)
        else:
            _run_workers(config, listener)


def _unshared_workers(workers: int) -> tuple[str, ...]:
    """Worker processes share the ledger, but only Redis carries one worker's events to the
    others: without it a /ws client sees its own worker's events only, and an answer another
    worker keeps (ops.kept_reads) may lag this one's writes by api.read_cache_seconds."""
    if workers == 1:
        return ()
    from workbench.core.config import load_settings

    settings = load_settings()
    if settings.redis_url is not None:
        return ()
    return (
        f"{workers} workers without WB_REDIS_URL: a /ws client sees only its own worker's "
        "events, and positions, the account and the latest bars read through one worker may "
        f"lag another's orders by up to {settings.api.read_cache_seconds:g} s "
        "(api.read_cache_seconds); set WB_REDIS_URL to share them (docs/api.md)",
    )


def _tls(certfile: Path | None, keyfile: Path | None) -> bool:
    if (certfile is None) != (keyfile is None):
        raise ConfigError("TLS needs both --ssl-certfile and --ssl-keyfile")
    for path in (certfile, keyfile):
        if path is not None and not path.is_file():
            raise ConfigError(f"no such file: {path}")
    return certfile is not None


def _run_workers(config: uvicorn.Config, listener: socket.socket) -> None:
    # uvicorn's supervisor: SIGINT and SIGTERM stop every worker and return normally
    from uvicorn.supervisors import Multiprocess

    Multiprocess(config, sockets=[listener]).run()
