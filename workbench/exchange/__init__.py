"""Floor 4: the local Alpaca-compatible exchange.

A replay clock over the lake's history, a matching engine (``workbench.exchange.matching``, a
library the paper broker reuses), its own SQLite books, and Alpaca's Trading API v2 and Market
Data v2 on loopback (``create_app``), exact enough that the official alpaca-py client is its test
client. Names load on first use, so importing the package does not import FastAPI.
"""

from __future__ import annotations

from workbench.core.lazy import lazy_attributes

__all__ = [
    "Exchange",
    "ExchangeCalendar",
    "ExchangeClock",
    "ExchangeConfig",
    "ExchangeServer",
    "ExchangeStore",
    "FrameBarFeed",
    "LakeBarFeed",
    "MatchingConfig",
    "MatchingEngine",
    "create_app",
    "exchange_calendar",
    "serve",
]

_HOME = {
    "Exchange": "service",
    "ExchangeCalendar": "sessions",
    "ExchangeClock": "clock",
    "ExchangeConfig": "config",
    "ExchangeServer": "server",
    "ExchangeStore": "store",
    "FrameBarFeed": "feed",
    "LakeBarFeed": "feed",
    "MatchingConfig": "matching",
    "MatchingEngine": "matching",
    "create_app": "app",
    "exchange_calendar": "sessions",
    "serve": "server",
}

__getattr__ = lazy_attributes(__name__, _HOME)
