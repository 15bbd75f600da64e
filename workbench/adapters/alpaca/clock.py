"""The venue's clock and last prices through alpaca-py (``AlpacaBroker.now``, ``last_prices``).

The local exchange runs a replay clock, so "now" for orders sent to it is its clock, not the
machine's: ``AlpacaClock.now`` asks ``GET /v2/clock``. Last prices are the latest trades of
Market Data v2, which is what Alpaca's own buying-power checks price market orders at.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from workbench.adapters.alpaca.config import AlpacaConfig
from workbench.core.errors import Retryable

__all__ = ["AlpacaClock"]


class AlpacaClock:
    def __init__(self, config: AlpacaConfig, trading: Any | None = None) -> None:
        """``trading``: the broker's ``TradingClient`` to share (one is made when None)."""
        from alpaca.data.historical import StockHistoricalDataClient
        from alpaca.trading.client import TradingClient

        self.config = config
        self._trading = trading or TradingClient(
            api_key=config.api_key,
            secret_key=config.secret_key,
            paper=True,
            url_override=config.url,
        )
        self._data = StockHistoricalDataClient(
            api_key=config.api_key, secret_key=config.secret_key, url_override=config.data_url
        )
        # alpaca-py's own retry of 429/5xx, paced as the rest of the adapter is configured
        for client in (self._trading, self._data):
            client._retry = config.retry_attempts
            client._retry_wait = config.retry_wait_s  # a float sleeps fine

    def now(self) -> datetime:
        clock: Any = self._call(self._trading.get_clock)
        stamp: datetime = clock.timestamp
        return stamp.astimezone(UTC)

    def last_prices(self, symbols: Sequence[str]) -> dict[str, Decimal]:
        if not symbols:
            return {}
        from alpaca.data.requests import StockLatestTradeRequest

        request = StockLatestTradeRequest(symbol_or_symbols=list(symbols), feed=self.config.feed)
        trades: Any = self._call(lambda: self._data.get_stock_latest_trade(request))
        return {symbol: Decimal(str(trade.price)) for symbol, trade in trades.items()}

    @staticmethod
    def _call(function: Any) -> Any:
        from alpaca.common.exceptions import APIError

        from workbench.adapters.alpaca.execution import _translate

        try:
            return function()
        except APIError as error:
            raise _translate(error, "answer") from None
        except OSError as error:
            raise Retryable(f"Alpaca is unreachable: {error}") from None
