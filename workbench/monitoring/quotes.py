"""Quotes as columns: the pipeline's unit of work is a ``QuoteBatch`` of numpy arrays, so that
validation, the latest-price cache and price rules run as array operations, not per object.

Symbols are small integers handed out by a ``SymbolIndex`` (the same number for the life of a
pipeline); timestamps are UTC nanoseconds since the epoch.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from workbench.core.errors import DataError
from workbench.model import Quote, validate_symbol

__all__ = ["QuoteBatch", "SymbolIndex", "to_nanos"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def to_nanos(moment: datetime) -> int:
    """UTC nanoseconds since the epoch of an aware datetime."""
    if moment.tzinfo is None:
        raise DataError(f"quote times must be timezone-aware, got naive {moment.isoformat()}")
    delta = moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000


class SymbolIndex:
    """Symbol <-> small integer, growing as new symbols arrive (thread-safe)."""

    def __init__(self, symbols: Iterable[str] = ()) -> None:
        self._codes: dict[str, int] = {}
        self._names: list[str] = []
        self._lock = threading.Lock()
        for symbol in symbols:
            self.code(symbol)

    def code(self, symbol: str) -> int:
        found = self._codes.get(symbol)
        if found is not None:
            return found
        with self._lock:
            found = self._codes.get(symbol)
            if found is None:
                validate_symbol(symbol)
                found = len(self._names)
                self._names.append(symbol)
                self._codes[symbol] = found
            return found

    def codes(self, symbols: Sequence[str]) -> IntArray:
        return np.fromiter((self.code(s) for s in symbols), dtype=np.int64, count=len(symbols))

    def find(self, symbol: str) -> int | None:
        return self._codes.get(symbol)

    def name(self, code: int) -> str:
        return self._names[code]

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, symbol: object) -> bool:
        return symbol in self._codes


@dataclass(frozen=True, slots=True)
class QuoteBatch:
    """Quotes in arrival order: ``symbol`` codes, ``ts`` in UTC ns, prices and sizes.

    ``arrived_ns`` is the ``time.perf_counter_ns()`` at which the batch reached the pipeline,
    from which alert latency is measured."""

    symbol: IntArray
    ts: IntArray
    bid: FloatArray
    ask: FloatArray
    bid_size: FloatArray
    ask_size: FloatArray
    arrived_ns: int = 0

    def __post_init__(self) -> None:
        n = len(self.symbol)
        for name in ("ts", "bid", "ask", "bid_size", "ask_size"):
            if len(getattr(self, name)) != n:
                raise DataError(
                    f"quote batch column {name} has {len(getattr(self, name))} rows, symbol has {n}"
                )

    def __len__(self) -> int:
        return len(self.symbol)

    @property
    def mid(self) -> FloatArray:
        result: FloatArray = (self.bid + self.ask) * 0.5
        return result

    def take(self, rows: npt.NDArray[np.bool_] | IntArray) -> QuoteBatch:
        return QuoteBatch(
            self.symbol[rows],
            self.ts[rows],
            self.bid[rows],
            self.ask[rows],
            self.bid_size[rows],
            self.ask_size[rows],
            self.arrived_ns,
        )

    @classmethod
    def empty(cls) -> QuoteBatch:
        ints, floats = np.empty(0, np.int64), np.empty(0, np.float64)
        return cls(ints, ints, floats, floats, floats, floats)

    @classmethod
    def from_quotes(
        cls, quotes: Sequence[Quote], index: SymbolIndex, arrived_ns: int = 0
    ) -> QuoteBatch:
        return cls(
            index.codes([q.symbol for q in quotes]),
            np.fromiter((to_nanos(q.timestamp) for q in quotes), np.int64, len(quotes)),
            np.fromiter((q.bid_price for q in quotes), np.float64, len(quotes)),
            np.fromiter((q.ask_price for q in quotes), np.float64, len(quotes)),
            np.fromiter((q.bid_size for q in quotes), np.float64, len(quotes)),
            np.fromiter((q.ask_size for q in quotes), np.float64, len(quotes)),
            arrived_ns,
        )

    @classmethod
    def concat(cls, batches: Sequence[QuoteBatch]) -> QuoteBatch:
        if not batches:
            return cls.empty()
        if len(batches) == 1:
            return batches[0]
        return cls(
            np.concatenate([b.symbol for b in batches]),
            np.concatenate([b.ts for b in batches]),
            np.concatenate([b.bid for b in batches]),
            np.concatenate([b.ask for b in batches]),
            np.concatenate([b.bid_size for b in batches]),
            np.concatenate([b.ask_size for b in batches]),
            min(b.arrived_ns for b in batches),
        )

    def latest_per_symbol(self) -> QuoteBatch:
        """The last quote of each symbol (arrival order), the rest dropped: backpressure."""
        if len(self) == 0:
            return self
        reversed_codes = self.symbol[::-1]
        _, first_from_end = np.unique(reversed_codes, return_index=True)
        rows = np.sort(len(self) - 1 - first_from_end)
        return self.take(rows)
