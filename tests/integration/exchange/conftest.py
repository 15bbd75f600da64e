"""A real exchange on a real socket, driven by the official alpaca-py clients.

The bundled sample is loaded once per session into a lake on a temporary folder; each test
starts its own exchange (fresh SQLite books) on a free loopback port with uvicorn on a thread,
with the rate limit off unless the test asks for one, and moves the replay clock through the
admin endpoint instead of sleeping.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from workbench.data import Lake
from workbench.exchange.config import ExchangeConfig
from workbench.exchange.server import ExchangeServer
from workbench.exchange.service import Exchange

with warnings.catch_warnings():
    # alpaca-py 0.44 imports websockets.legacy, deprecated since websockets 14: import it once
    # here with that one warning silenced (pytest runs with -W error)
    warnings.filterwarnings("ignore", "websockets.legacy is deprecated", DeprecationWarning)
    import alpaca.data.historical
    import alpaca.trading.client  # noqa: F401

KEY, SECRET = "PKTEST0001", "test-secret"
HEADERS = {"APCA-API-KEY-ID": KEY, "APCA-API-SECRET-KEY": SECRET}


@pytest.fixture(scope="session")
def sample_lake(shared_sample_lake: Path) -> Path:
    return shared_sample_lake


@dataclass
class Venue:
    server: ExchangeServer
    exchange: Exchange
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        # trading keys for /v2, the admin key for /admin: each route reads only its own
        admin = {"Authorization": f"Bearer {self.exchange.admin_key}"}
        self.http = httpx.Client(base_url=self.server.url, headers=HEADERS | admin, timeout=30)

    @property
    def url(self) -> str:
        return self.server.url

    def trading(self, key: str = KEY, secret: str = SECRET) -> Any:
        from alpaca.trading.client import TradingClient

        return TradingClient(key, secret, paper=True, url_override=self.url)

    def data(self) -> Any:
        from alpaca.data.historical import StockHistoricalDataClient

        return StockHistoricalDataClient(KEY, SECRET, url_override=self.url)

    def clock(self, **change: Any) -> dict[str, Any]:
        answer = self.http.post("/admin/clock", json=change)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body


def _starter(sample_lake: Path, folder: Path) -> tuple[Callable[..., Venue], list[Venue]]:
    running: list[Venue] = []

    def start(db: Path | None = None, **settings: Any) -> Venue:
        config = ExchangeConfig(
            db_path=db or folder / f"exchange-{len(running)}.db",
            start=date(2017, 1, 3),
            rate_limit=None,
        )
        exchange = Exchange(Lake(sample_lake), replace(config, **settings))
        venue = Venue(ExchangeServer(exchange).start(), exchange)
        running.append(venue)
        return venue

    return start, running


def _stop(running: list[Venue]) -> None:
    for venue in running:
        venue.http.close()
        venue.server.stop()
        venue.exchange.close()


@pytest.fixture
def start_venue(sample_lake: Path, tmp_path: Path) -> Iterator[Callable[..., Venue]]:
    """Start exchanges (``start_venue(**ExchangeConfig fields)``); all stop after the test."""
    start, running = _starter(sample_lake, tmp_path)
    yield start
    _stop(running)


@pytest.fixture
def venue(start_venue: Callable[..., Venue]) -> Venue:
    """An exchange one minute before the open of 2017-01-03, replaying daily bars."""
    return start_venue()


@pytest.fixture(scope="module")
def shared_venue(sample_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Venue]:
    """One exchange for a module's tests that leave no trace (refused requests)."""
    start, running = _starter(sample_lake, tmp_path_factory.mktemp("shared-exchange"))
    yield start()
    _stop(running)
