"""Shared parts of the cross-engine suites (``tests/integration/test_*_integration.py`` and
``test_real_time_data_flow.py``): one local exchange per module on a real loopback socket,
one workbench home per module (the sample lake linked in, the ledger in it or on PostgreSQL),
and runtimes built on that home with the Alpaca adapter pointed at the exchange.

A module shares one exchange and one ledger; each test builds the runtimes it needs (cheap: a
runtime's parts are made on first use) with the settings it tests, e.g. its own risk limits.
"""

from __future__ import annotations

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

__all__ = ["Floor", "open_floor", "postgres_database"]


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
