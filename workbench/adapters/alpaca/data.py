"""Historical bars, quotes and trades through alpaca-py's ``StockHistoricalDataClient``.

Each fetch returns a long frame in the shape of its lake dataset (``workbench.data.schema``), so
it can go straight to ``Lake.ingest``: bars ``symbol, timestamp, open, high, low, close, volume,
trade_count, vwap``; quotes ``symbol, timestamp, bid_price, bid_size, ask_price, ask_size``;
trades ``symbol, timestamp, price, size``. Timestamps are UTC; rows are sorted by symbol, then
time. Alpaca's exchange codes, conditions and tape are left out, as the lake has no place for
them.

alpaca-py follows ``next_page_token`` itself (10,000 rows a page) and retries a 429/504 page a
few times with a fixed wait. When it gives up on a 429 we back off exponentially and ask again:
a read is safe to repeat. (Orders never get a second retry layer; see the execution adapter.)
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pandas as pd

from workbench.adapters.alpaca.config import AlpacaConfig
from workbench.core.errors import Fatal, RateLimited, Retryable, ValidationError
from workbench.model import normalize_symbols

__all__ = ["AlpacaHistoricalSource", "to_alpaca_timeframe"]

_UNITS = {"m": "Minute", "h": "Hour", "d": "Day"}
QUOTE_COLUMNS = ("symbol", "timestamp", "bid_price", "bid_size", "ask_price", "ask_size")
TRADE_COLUMNS = ("symbol", "timestamp", "price", "size")


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

    def fetch_quotes(
        self, symbols: Sequence[str], start: datetime, end: datetime, *, limit: int | None = None
    ) -> pd.DataFrame:
        """Quotes stamped in [start, end), every page of them (at most ``limit`` rows)."""
        from alpaca.data.requests import StockQuotesRequest

        request = StockQuotesRequest(**self._window(symbols, start, end, limit))
        quoteset = self._with_backoff(lambda: self._client.get_stock_quotes(request))
        rows = [
            (symbol, q.timestamp, q.bid_price, q.bid_size, q.ask_price, q.ask_size)
            for symbol, quotes in quoteset.data.items()
            for q in quotes
        ]
        return _frame(rows, QUOTE_COLUMNS)

    def fetch_trades(
        self, symbols: Sequence[str], start: datetime, end: datetime, *, limit: int | None = None
    ) -> pd.DataFrame:
        """Trades stamped in [start, end), every page of them (at most ``limit`` rows)."""
        from alpaca.data.requests import StockTradesRequest

        request = StockTradesRequest(**self._window(symbols, start, end, limit))
        tradeset = self._with_backoff(lambda: self._client.get_stock_trades(request))
        rows = [
            (symbol, t.timestamp, t.price, t.size)
            for symbol, trades in tradeset.data.items()
            for t in trades
        ]
        return _frame(rows, TRADE_COLUMNS)

    def _window(
        self, symbols: Sequence[str], start: datetime, end: datetime, limit: int | None
    ) -> dict[str, Any]:
        if isinstance(symbols, str) or not symbols:
            raise ValidationError(f"give a list of one or more symbols, not {symbols!r}")
        if end <= start:
            raise ValidationError(f"the window is empty: end {end} is not after start {start}")
        if limit is not None and limit < 1:
            raise ValidationError(f"limit must be at least 1, got {limit}")
        return {
            # spelled here, judged by the venue: it knows which symbols it lists
            "symbol_or_symbols": normalize_symbols(symbols, check=False),
            "start": start,
            "end": end - pd.Timedelta(microseconds=1),  # Alpaca's end is inclusive
            "limit": limit,
            "feed": self.config.feed,
        }

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


def _frame(rows: list[tuple[Any, ...]], columns: tuple[str, ...]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(columns))
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    for column in columns[2:]:
        frame[column] = frame[column].astype("float64")
    return frame.sort_values(["symbol", "timestamp"], kind="stable", ignore_index=True)
