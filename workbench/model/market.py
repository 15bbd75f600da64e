"""Market data records. Prices here are floats: they feed analysis, never a broker directly."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from workbench.core.errors import DataError
from workbench.model import _validate

__all__ = ["Bar", "Quote", "Trade"]


@dataclass(frozen=True, slots=True)
class Bar:
    symbol: str
    timestamp: datetime
    open: float
    high: float
    low: float
    close: float
    volume: float
    trade_count: int | None = None
    vwap: float | None = None

    def __post_init__(self) -> None:
        _validate.symbol(self.symbol)
        _validate.utc("timestamp", self.timestamp)
        for name in ("open", "high", "low", "close", "volume"):
            value = getattr(self, name)
            if not math.isfinite(value):
                raise DataError(f"bar {name} must be finite, got {value}")
            _validate.non_negative(f"bar {name}", value)
        if self.low > self.high:
            raise DataError(f"bar low {self.low} is above high {self.high}")
        if self.high < max(self.open, self.close) or self.low > min(self.open, self.close):
            raise DataError(
                f"bar open/close ({self.open}, {self.close}) lie outside low..high "
                f"({self.low}..{self.high})"
            )


@dataclass(frozen=True, slots=True)
class Quote:
    symbol: str
    timestamp: datetime
    bid_price: float
    bid_size: float
    ask_price: float
    ask_size: float

    def __post_init__(self) -> None:
        _validate.symbol(self.symbol)
        _validate.utc("timestamp", self.timestamp)
        for name in ("bid_price", "bid_size", "ask_price", "ask_size"):
            _validate.non_negative(f"quote {name}", getattr(self, name))

    @property
    def mid(self) -> float:
        return (self.bid_price + self.ask_price) / 2

    @property
    def crossed(self) -> bool:
        return self.bid_price > 0 and self.ask_price > 0 and self.bid_price > self.ask_price


@dataclass(frozen=True, slots=True)
class Trade:
    symbol: str
    timestamp: datetime
    price: float
    size: float

    def __post_init__(self) -> None:
        _validate.symbol(self.symbol)
        _validate.utc("timestamp", self.timestamp)
        _validate.non_negative("trade price", self.price)
        _validate.non_negative("trade size", self.size)
