"""Historical bars through alpaca-py's ``StockHistoricalDataClient``.

alpaca-py follows ``next_page_token`` itself and retries a 429/504 page a few times with a fixed
wait. When it gives up on a 429 we back off exponentially and ask again: a read is safe to
repeat. (Orders never get a second retry layer; see the execution adapter.)
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pandas as pd

from workbench.adapters.alpaca.config import AlpacaConfig
from workbench.core.errors import Fatal, RateLimited, Retryable

__all__ = ["AlpacaHistoricalSource", "to_alpaca_timeframe"]

_UNITS = {"m": "Minute", "h": "Hour", "d": "Day"}


def to_alpaca_timeframe(timeframe: str) -> Any:
    from alpaca.data.timeframe import TimeFrame, TimeFrameUnit

    amount, unit = int(timeframe[:-1]), timeframe[-1]
    return TimeFrame(amount, TimeFrameUnit[_UNITS[unit]])


class AlpacaHistoricalSource:
    name = "alpaca"

    def __init__(self, config: AlpacaConfig) -> None:
        from alpaca.data.historical import StockHistoricalDataClient

        self.config = config
        self._client = StockHistoricalDataClient(
            api_key=config.api_key, secret_key=config.secret_key, url_override=config.data_url
        )
        # RESTClient exposes its retry knobs only as attributes (alpaca-py 0.44).
        self._client._retry = config.retry_attempts
        self._client._retry_wait = config.retry_wait_s  # type: ignore[assignment]  # a float sleeps fine

    def fetch_bars(
        self, symbols: Sequence[str], start: datetime, end: datetime, timeframe: str
    ) -> pd.DataFrame:
        from alpaca.data.requests import StockBarsRequest

        request = StockBarsRequest(
            symbol_or_symbols=list(symbols),
            timeframe=to_alpaca_timeframe(timeframe),
            start=start,
            # Alpaca's end is inclusive; ours is exclusive
            end=end - pd.Timedelta(microseconds=1),
            feed=self.config.feed,
            adjustment="split",
        )
        barset = self._with_backoff(lambda: self._client.get_stock_bars(request))
        rows = [
            (
                symbol,
                bar.timestamp,
                bar.open,
                bar.high,
                bar.low,
                bar.close,
                bar.volume,
                bar.trade_count,
                bar.vwap,
            )
            for symbol, bars in barset.data.items()
            for bar in bars
        ]
        frame = pd.DataFrame(
            rows,
            columns=[
                "symbol",
                "timestamp",
                "open",
                "high",
                "low",
                "close",
                "volume",
                "trade_count",
                "vwap",
            ],
        )
        frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
        return frame

    def _with_backoff(self, call: Any) -> Any:
        from alpaca.common.exceptions import APIError

        for attempt in range(self.config.backoff_attempts + 1):
            try:
                return call()
            except APIError as error:
                status = error.status_code
                if status == 429 and attempt < self.config.backoff_attempts:
                    time.sleep(self.config.backoff_base_s * 2**attempt)
                    continue
                if status == 429:
                    raise RateLimited(f"Alpaca data API kept answering 429: {error}") from None
                if status is not None and status >= 500:
                    raise Retryable(f"Alpaca data API failed ({status}): {error}") from None
                raise Fatal(f"Alpaca data API refused the request ({status}): {error}") from None
            except OSError as error:  # requests' ConnectionError is an OSError
                raise Retryable(
                    f"cannot reach Alpaca data API at {self.config.data_url}: {error}"
                ) from None
        raise AssertionError("unreachable")  # pragma: no cover
