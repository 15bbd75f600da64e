"""Latest bars and quotes as of the paper broker's replay clock, from the engine's own feed
(quotes derived from the last trade, as the exchange derives them)."""

from __future__ import annotations

from collections.abc import Sequence

from workbench.exchange.feed import FrameBarFeed
from workbench.exchange.matching.engine import MatchingEngine
from workbench.model import Bar, Quote

__all__ = ["PaperMarketData"]


class PaperMarketData:
    def __init__(self, engine: MatchingEngine, feed: FrameBarFeed) -> None:
        self._engine = engine
        self._feed = feed

    def latest_bars(self, symbols: Sequence[str]) -> dict[str, Bar]:
        now = self._engine.clock.now()
        found = {symbol: self._feed.completed(symbol, now) for symbol in symbols}
        return {symbol: slots[-1].bar for symbol, slots in found.items() if slots}

    def latest_quotes(self, symbols: Sequence[str]) -> dict[str, Quote]:
        quotes = {}
        for symbol in symbols:
            derived = self._engine.quote(symbol)
            if derived is not None:
                quotes[symbol] = Quote(
                    symbol=symbol,
                    timestamp=derived.timestamp,
                    bid_price=float(derived.bid),
                    bid_size=0.0,
                    ask_price=float(derived.ask),
                    ask_size=0.0,
                )
        return quotes
