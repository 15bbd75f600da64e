"""Floor 4: venue adapters. The ports (``ports``: ``Broker``, ``ReplayBroker``, ``MarketData``,
``MarketStream``, ``Venue``) and one package per venue, alike in shape (``config``, ``data``,
``execution``, ``venue``): ``paper`` (the exchange's matching engine in-process) and ``alpaca``
(alpaca-py); a venue's SDK is imported only inside its package.

Venues are found by name in a registry, so a third venue adds its package and one line here
(or one ``register_venue`` call) and nothing above this floor changes. Each entry names its
``Venue`` class as ``"module:Class"``, imported only when that venue is opened.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from workbench.adapters.ports import (
    Broker,
    BrokerEvent,
    MarketData,
    MarketStream,
    OrderStatusFilter,
    ReplayBroker,
    StreamStatus,
    Venue,
)
from workbench.core.errors import ConfigError

if TYPE_CHECKING:
    from workbench.core.config import Settings

__all__ = [
    "Broker",
    "BrokerEvent",
    "MarketData",
    "MarketStream",
    "OrderStatusFilter",
    "ReplayBroker",
    "StreamStatus",
    "Venue",
    "VenueFactory",
    "open_venue",
    "register_venue",
    "venue_names",
]

#: builds a venue from the settings and the lake (a callable: only a venue that needs the lake
#: opens it)
VenueFactory = Callable[["Settings", Callable[[], Any]], Venue]

_VENUES: dict[str, str | VenueFactory] = {
    "paper": "workbench.adapters.paper.venue:PaperVenue",
    "alpaca": "workbench.adapters.alpaca.venue:AlpacaVenue",
}


def register_venue(name: str, factory: str | VenueFactory) -> None:
    """Make ``name`` a venue ``WB_BROKER`` can choose: ``factory`` is a ``Venue`` class (or any
    callable of settings and lake) or its ``"module:Class"`` path."""
    _VENUES[name] = factory


def venue_names() -> tuple[str, ...]:
    return tuple(_VENUES)


def open_venue(name: str, settings: Settings, lake: Callable[[], Any]) -> Venue:
    """The venue called ``name``, built from ``settings``; ``ConfigError`` for an unknown one."""
    factory = _VENUES.get(name)
    if factory is None:
        known = ", ".join(_VENUES)
        raise ConfigError(f"no venue called {name!r}: one of {known}")
    if isinstance(factory, str):
        module, _, attribute = factory.partition(":")
        factory = getattr(importlib.import_module(module), attribute)
    venue: Venue = factory(settings, lake)
    return venue
