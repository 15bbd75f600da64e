"""Alpaca through alpaca-py. Host overrides come from settings, so the same code talks to
Alpaca's paper endpoint or to the local exchange. alpaca-py itself is imported only when an
adapter is built."""

from workbench.adapters.alpaca.config import AlpacaConfig
from workbench.adapters.alpaca.data import AlpacaHistoricalSource
from workbench.adapters.alpaca.execution import AlpacaBroker
from workbench.adapters.alpaca.stream import AlpacaMarketStream

__all__ = [
    "AlpacaBroker",
    "AlpacaConfig",
    "AlpacaHistoricalSource",
    "AlpacaMarketStream",
]
