"""Alpaca through alpaca-py. Host overrides come from settings, so the same code talks to
Alpaca's paper endpoint or to the local exchange."""

from workbench.adapters.alpaca.config import AlpacaConfig
from workbench.adapters.alpaca.data import AlpacaHistoricalSource

__all__ = ["AlpacaConfig", "AlpacaHistoricalSource"]
