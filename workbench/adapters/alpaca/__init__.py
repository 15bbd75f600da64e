"""Alpaca through alpaca-py. Host overrides come from settings, so the same code talks to
Alpaca's paper endpoint or to the local exchange."""

from workbench.adapters.alpaca.config import AlpacaConfig
from workbench.adapters.alpaca.data import AlpacaHistoricalSource
from workbench.adapters.alpaca.execution import AlpacaBroker

__all__ = ["AlpacaBroker", "AlpacaConfig", "AlpacaHistoricalSource"]
