"""Use cases of the local exchange: serve it over the lake under the workbench home, and move a
running exchange's replay clock from outside (``exchange_clock``, through its admin routes).

The admin key of a served exchange is the configured one (``--admin-key`` or
``WB_EXCHANGE_ADMIN_KEY``) or a random one per run; either way it is written, readable by the
owner only, to ``<home>/exchange/admin-key`` while the exchange runs, which is where
``exchange_clock`` finds it when it is not given one.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.core.errors import AuthError, ConfigError, DataError, NotFound, WorkbenchError
from workbench.model import validate_period

if TYPE_CHECKING:
    from workbench.exchange.config import ExchangeConfig
    from workbench.runtime import Runtime

__all__ = [
    "DEFAULT_EXCHANGE_URL",
    "ExchangeStarted",
    "admin_key_path",
    "exchange_clock",
    "exchange_config",
    "serve_exchange",
]

DEFAULT_EXCHANGE_URL = "http://127.0.0.1:8765"
ADMIN_KEY_ENV = "WB_EXCHANGE_ADMIN_KEY"


@dataclass(frozen=True)
class ExchangeStarted:
    """What a user needs to know once the exchange listens (the CLI prints it)."""

    url: str
    now: datetime
    is_open: bool
    next_open: datetime | None
    speed: float
    admin_key: str
    admin_key_file: Path
    books: Path
    remote: bool  # listening beyond loopback


def admin_key_path(home: Path) -> Path:
    return home / "exchange" / "admin-key"


def exchange_config(
    runtime: Runtime,
    *,
    start: str | None = None,
    speed: float = 0.0,
    timeframe: str = "1d",
    reset: bool = False,
    admin_key: str | None = None,
    max_accounts: int | None = None,
) -> ExchangeConfig:
    """The exchange's settings: its books in ``<home>/exchange/exchange.db``."""
    from workbench.exchange.config import ExchangeConfig

    first = None
    if start is not None:
        try:
            first = date.fromisoformat(start)
        except ValueError:
            raise DataError(f"--start must be YYYY-MM-DD, got {start!r}") from None
        validate_period(first, None)
    if admin_key is not None and len(admin_key.strip()) < 16:
        raise ConfigError("the exchange's admin key must be at least 16 characters")
    if max_accounts is not None and max_accounts < 1:
        raise ConfigError(f"--max-accounts must be at least 1, got {max_accounts}")
    config = ExchangeConfig(db_path=runtime.settings.home / "exchange" / "exchange.db")
    config = replace(config, start=first, speed=speed, timeframe=timeframe, reset=reset)
    if admin_key is not None:
        config = replace(config, admin_key=admin_key.strip())
    if max_accounts is not None:
        config = replace(config, max_accounts=max_accounts)
    return config


def serve_exchange(
    runtime: Runtime,
    config: ExchangeConfig,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    allow_remote: bool = False,
    on_ready: Callable[[ExchangeStarted], None] | None = None,
) -> None:
    """Serve until SIGINT or SIGTERM. Refuses a non-loopback ``host`` unless ``allow_remote``,
    a taken port (ConfigError), and an empty lake (NotFound with the load-sample hint)."""
    from workbench.exchange.server import is_loopback, listen, serve
    from workbench.exchange.service import Exchange

    remote = not is_loopback(host)
    if remote and not allow_remote:
        raise ConfigError(
            f"--host {host} would open the exchange beyond this machine: it has no TLS and "
            "accepts any trading key; pass --allow-remote to do it anyway"
        )
    exchange = Exchange(runtime.data, config)
    key_file = admin_key_path(runtime.settings.home)
    try:
        listener = listen(host, port, what="exchange")
    except WorkbenchError:
        exchange.close()
        raise
    _write_private(key_file, exchange.admin_key + "\n")
    try:
        if on_ready is not None:
            now = exchange.clock.now()
            bound_port = int(listener.getsockname()[1])
            shown = f"[{host}]" if ":" in host else host
            on_ready(
                ExchangeStarted(
                    url=f"http://{shown}:{bound_port}",
                    now=now,
                    is_open=exchange.calendar.is_open(now),
                    next_open=exchange.calendar.next_open(now),
                    speed=exchange.clock.speed,
                    admin_key=exchange.admin_key,
                    admin_key_file=key_file,
                    books=config.db_path,
                    remote=remote,
                )
            )
        serve(exchange, listener=listener)
    finally:
        exchange.close()
        if key_file.is_file() and key_file.read_text().strip() == exchange.admin_key:
            key_file.unlink()


def exchange_clock(
    url: str = DEFAULT_EXCHANGE_URL,
    *,
    admin_key: str | None = None,
    to: str | None = None,
    advance: str | None = None,
    speed: float | None = None,
    home: Path | None = None,
    timeout: float = 120.0,
) -> dict[str, Any]:
    """Read, or move, a running exchange's replay clock; returns its clock state (``now``,
    ``is_open``, ``speed``, ``processed_until``, ``steps``). The admin key comes from
    ``admin_key``, else ``WB_EXCHANGE_ADMIN_KEY``, else ``<home>/exchange/admin-key``."""
    import httpx

    if to is not None and advance is not None:
        raise DataError("give --to or --advance, not both")
    key = admin_key or os.environ.get(ADMIN_KEY_ENV) or _saved_admin_key(home)
    change: dict[str, Any] = {"to": to, "advance": advance, "speed": speed}
    change = {name: value for name, value in change.items() if value is not None}
    headers = {"Authorization": f"Bearer {key}"}
    base = url.rstrip("/")
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=timeout) as client:
            answer = (
                client.post("/admin/clock", json=change) if change else client.get("/admin/clock")
            )
    except httpx.TransportError as error:
        raise NotFound(
            f"no exchange answers at {base} ({error}): start one with `workbench exchange serve`"
            " or give its --url"
        ) from None
    body = _json(answer)
    if answer.status_code == 401:
        raise AuthError(f"the exchange at {base} refused the admin key: {body.get('message')}")
    if answer.status_code == 404:
        raise NotFound(f"{base} has no admin clock: is it a workbench exchange?")
    if answer.status_code >= 400:
        raise DataError(f"the exchange refused the change: {body.get('message', answer.text)}")
    return body


def _saved_admin_key(home: Path | None) -> str:
    if home is None:
        from workbench.core.config import load_settings

        home = load_settings().home
    path = admin_key_path(home)
    try:
        return path.read_text().strip()
    except OSError:
        raise ConfigError(
            f"no admin key: give --admin-key, set {ADMIN_KEY_ENV}, or use the WB_HOME of "
            f"`workbench exchange serve`, which writes it to {path} while it runs"
        ) from None


def _json(answer: Any) -> dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        return {"message": answer.text}
    return body if isinstance(body, dict) else {"message": str(body)}


def _write_private(path: Path, text: str) -> None:
    """Written beside and renamed, created readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    os.replace(partial, path)
