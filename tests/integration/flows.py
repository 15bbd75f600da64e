"""Shared parts of the cross-engine suites (``tests/integration/test_*_integration.py`` and
``test_real_time_data_flow.py``): one local exchange per module on a real loopback socket,
one workbench home per module (the sample lake linked in, the ledger in it or on PostgreSQL),
and runtimes built on that home with the Alpaca adapter pointed at the exchange.

A module shares one exchange and one ledger; each test builds the runtimes it needs (cheap: a
runtime's parts are made on first use) with the settings it tests, e.g. its own risk limits.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from tests.integration.exchange.conftest import KEY, SECRET, Venue
from workbench.core.config import load_settings
from workbench.data import Lake
from workbench.exchange.config import ExchangeConfig
from workbench.exchange.server import ExchangeServer
from workbench.exchange.service import Exchange
from workbench.runtime import Runtime
from workbench.testing import free_port, wait_until

__all__ = [
    "ApiServer",
    "Floor",
    "WsListener",
    "open_floor",
    "postgres_database",
    "serve_api",
]


@dataclass
class Floor:
    """A module's exchange and workbench home."""

    venue: Venue
    home: Path
    ledger_url: str | None = None

    def settings(self, **overrides: Any) -> dict[str, Any]:
        """Settings of a runtime on this floor (``overrides`` replace whole sections)."""
        alpaca = {
            "api_key": KEY,
            "secret_key": SECRET,
            "url": self.venue.url,
            "data_url": self.venue.url,
            "stream_url": self.venue.url.replace("http", "ws", 1) + "/v2/iex",
        }
        base: dict[str, Any] = {"home": self.home, "broker": "alpaca", "alpaca": alpaca}
        if self.ledger_url is not None:
            base["ledger_url"] = self.ledger_url
        return base | overrides

    def runtime(self, **overrides: Any) -> Runtime:
        return Runtime.from_settings(load_settings(**self.settings(**overrides)))

    def next_day(self, seconds: float = 0.0) -> None:
        """A live run's sleep: the exchange's clock a day on (to the next pre-open minute)."""
        self.venue.clock(advance="1d")

    def exchange_orders(self) -> dict[str, Any]:
        """Every order the exchange holds, by client order id (asked through alpaca-py)."""
        from alpaca.trading.requests import GetOrdersRequest

        listed = self.venue.trading().get_orders(GetOrdersRequest(status="all", limit=500))
        return {order.client_order_id: order for order in listed}


def open_floor(
    sample_lake: Path, folder: Path, *, ledger_url: str | None = None, **exchange: Any
) -> Iterator[Floor]:
    """Start an exchange (``exchange``: ``ExchangeConfig`` fields; by default one minute
    before the open of 2017-01-03, daily bars) and a home beside it; stop it afterwards. For a
    module-scoped fixture: ``yield from open_floor(...)``."""
    config = ExchangeConfig(db_path=folder / "exchange.db", start=date(2017, 1, 3), rate_limit=None)
    market = Exchange(Lake(sample_lake), replace(config, **exchange))
    venue = Venue(ExchangeServer(market).start(), market)
    venue.trading().get_account()  # binds the key's secret before a stream signs in
    home = folder / "home"
    home.mkdir()
    (home / "lake").symlink_to(sample_lake)
    try:
        yield Floor(venue, home, ledger_url)
    finally:
        venue.http.close()
        venue.server.stop()
        market.close()


def postgres_database(server_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database on ``server_url`` for a module, dropped afterwards."""
    import sqlalchemy as sa

    name = f"wb_flow_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(server_url).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass(frozen=True)
class ApiServer:
    url: str

    @property
    def ws(self) -> str:
        return self.url.replace("http", "ws", 1) + "/ws"


@contextlib.contextmanager
def serve_api(rt: Runtime, *, fanout: bool = False) -> Iterator[ApiServer]:
    """The API over ``rt`` with uvicorn on a thread and a free loopback port, as ``workbench
    serve api`` runs it; with ``fanout``, ready once it listens to Redis pub/sub."""
    import httpx
    import uvicorn

    from workbench.interfaces.api import create_app

    port = free_port()
    config = uvicorn.Config(create_app(rt), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="api", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        if not server.started:
            return False
        if not fanout:
            return True
        checks = httpx.get(f"{url}/readyz", timeout=5).json()["checks"]
        return any(c["name"] == "fanout" and c["status"] == "ok" for c in checks)

    try:
        wait_until(ready, what="the API to start", timeout=30)
        yield ApiServer(url)
    finally:
        server.should_exit = True
        thread.join(timeout=15)


class WsListener:
    """A ``/ws`` client on its own thread and loop: signs in with ``key``, subscribes to
    ``channels`` and keeps every event frame (answering the server's pings)."""

    def __init__(self, server: ApiServer, key: str, channels: list[str]) -> None:
        import asyncio

        self.events: list[dict[str, Any]] = []
        self.subscribed = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._task: Any = None
        self._args = (server.ws, key, channels)
        self._thread = threading.Thread(target=self._main, name="ws-listener", daemon=True)
        self._thread.start()
        wait_until(self.subscribed.is_set, what=f"the subscription to {channels}", timeout=15)

    def of(self, channel: str) -> list[Any]:
        return [e["data"] for e in list(self.events) if e["channel"] == channel]

    def _main(self) -> None:
        import asyncio

        self._task = self._loop.create_task(self._listen(*self._args))
        with contextlib.suppress(asyncio.CancelledError):
            self._loop.run_until_complete(self._task)
        self._loop.close()

    async def _listen(self, url: str, key: str, channels: list[str]) -> None:
        import json

        from websockets.asyncio.client import connect

        async with connect(url, ping_interval=None) as ws:
            await ws.send(json.dumps({"type": "auth", "token": key}))
            await ws.send(json.dumps({"type": "subscribe", "channels": channels}))
            async for raw in ws:
                message = json.loads(raw)
                if message["type"] == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
                elif message["type"] == "subscribed":
                    self.subscribed.set()
                elif message["type"] == "event":
                    self.events.append(message)

    def close(self) -> None:
        if self._task is not None:
            self._loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join(timeout=10)
