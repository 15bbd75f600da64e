"""The latest-price cache: per symbol code, the last valid bid, ask, mid and quote time.

Arrays indexed by symbol code grow as symbols arrive; ``update`` takes a validated batch,
grouped so that the last row of each symbol is its newest quote.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from workbench.monitoring.quotes import FloatArray, IntArray, QuoteBatch, SymbolIndex, to_nanos

__all__ = ["NEVER", "LatestPrice", "LatestPrices"]

#: the quote time of a symbol not yet seen
NEVER = np.iinfo(np.int64).min


@dataclass(frozen=True, slots=True)
class LatestPrice:
    symbol: str
    bid: float
    ask: float
    mid: float
    at: datetime
    #: quotes seen (or trades and bars, for a symbol without quotes)
    quotes: int

    def to_dict(self) -> dict[str, object]:
        return {
            "symbol": self.symbol,
            "bid": self.bid,
            "ask": self.ask,
            "mid": self.mid,
            "at": self.at.isoformat(),
            "quotes": self.quotes,
        }


class LatestPrices:
    def __init__(self, index: SymbolIndex) -> None:
        self.index = index
        self._lock = threading.Lock()
        self.bid: FloatArray = np.full(0, np.nan)
        self.ask: FloatArray = np.full(0, np.nan)
        self.mid: FloatArray = np.full(0, np.nan)
        self.ts: IntArray = np.full(0, NEVER, dtype=np.int64)
        self.count: IntArray = np.zeros(0, dtype=np.int64)
        self._traded: dict[str, tuple[float, datetime, int]] = {}

    def ensure(self, size: int) -> None:
        """Room for ``size`` symbol codes (doubling, so growth is amortised)."""
        if size <= len(self.ts):
            return
        grown = max(size, 2 * len(self.ts), 64)
        extra = grown - len(self.ts)
        self.bid = np.concatenate([self.bid, np.full(extra, np.nan)])
        self.ask = np.concatenate([self.ask, np.full(extra, np.nan)])
        self.mid = np.concatenate([self.mid, np.full(extra, np.nan)])
        self.ts = np.concatenate([self.ts, np.full(extra, NEVER, dtype=np.int64)])
        self.count = np.concatenate([self.count, np.zeros(extra, dtype=np.int64)])

    def update(self, batch: QuoteBatch) -> None:
        """Store the newest quote of each symbol in ``batch`` (already validated)."""
        if len(batch) == 0:
            return
        self.ensure(len(self.index))
        with self._lock:
            # fancy assignment keeps the last write of a repeated index: the newest quote
            self.bid[batch.symbol] = batch.bid
            self.ask[batch.symbol] = batch.ask
            self.mid[batch.symbol] = batch.mid
            self.ts[batch.symbol] = batch.ts
            np.add.at(self.count, batch.symbol, 1)

    def set_price(self, symbol: str, price: float, at: datetime) -> None:
        """A last price from a trade or a bar: kept apart from quotes (their times order the
        quote stream) and shown only for a symbol without quotes."""
        with self._lock:
            self._traded[symbol] = (price, at, self._traded.get(symbol, (0, at, 0))[2] + 1)

    def get(self, symbol: str) -> LatestPrice | None:
        code = self.index.find(symbol)
        if code is None or code >= len(self.ts) or self.ts[code] == NEVER:
            traded = self._traded.get(symbol)
            if traded is None:
                return None
            price, at, count = traded
            return LatestPrice(symbol, price, price, price, at, int(count))
        with self._lock:
            return LatestPrice(
                symbol=symbol,
                bid=float(self.bid[code]),
                ask=float(self.ask[code]),
                mid=float(self.mid[code]),
                at=datetime.fromtimestamp(int(self.ts[code]) / 1e9, UTC),
                quotes=int(self.count[code]),
            )

    def last_seen_ns(self, symbol: str) -> int | None:
        """The time of the newest quote, trade or bar of ``symbol`` (UTC ns), None if none."""
        code = self.index.find(symbol)
        quoted = int(self.ts[code]) if code is not None and code < len(self.ts) else NEVER
        traded = self._traded.get(symbol)
        latest = max(quoted, NEVER if traded is None else to_nanos(traded[1]))
        return None if latest == NEVER else latest

    def price(self, symbol: str) -> float | None:
        latest = self.get(symbol)
        return None if latest is None else latest.mid

    def snapshot(self) -> list[LatestPrice]:
        symbols = dict.fromkeys(
            [*(self.index.name(c) for c in range(len(self.index))), *self._traded]
        )
        found = (self.get(symbol) for symbol in symbols)
        return [price for price in found if price is not None]
