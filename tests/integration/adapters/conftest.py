"""The exchange's fixtures (a lake with the bundled sample, exchanges on free loopback ports,
the admin clock), and an ``AlpacaBroker`` pointed at one of them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.integration.exchange.conftest import (
    KEY,
    SECRET,
    Venue,
    sample_lake,
    start_venue,
    venue,
)
from workbench.adapters.alpaca import AlpacaBroker, AlpacaConfig
from workbench.adapters.paper import PaperBroker, PaperConfig
from workbench.data import Lake

__all__ = ["sample_lake", "start_venue", "venue"]


@pytest.fixture
def alpaca(venue: Venue) -> AlpacaBroker:
    """The Alpaca adapter on an exchange one minute before the open of 2017-01-03."""
    config = AlpacaConfig(
        api_key=KEY, secret_key=SECRET, url=venue.url, data_url=venue.url, retry_wait_s=0.05
    )
    return AlpacaBroker(config)


@pytest.fixture
def paper(sample_lake: Path) -> PaperBroker:
    """A paper broker over the same lake, its clock where the exchange's starts."""
    return PaperBroker.from_lake(Lake(sample_lake), PaperConfig(start=date(2017, 1, 3)))
