"""A replay of the lake as a market stream: each bar becomes a quote at its close (bid = ask =
close; the lake holds bars, not books) in time order, in batches, and each bar is also offered
as a ``Bar`` for the indicator rules. Used by ``rules test``, the live view without a stream,
and the throughput benchmark.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np

from workbench.core.errors import DataError
from workbench.model import Bar
from workbench.monitoring.quotes import QuoteBatch, SymbolIndex

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ReplayStep", "bars_frame_steps"]


@dataclass(frozen=True)
class ReplayStep:
    """One moment of the replay: the bars that closed at it, as quotes and as ``Bar``s."""

    at: datetime
    quotes: QuoteBatch
    bars: list[Bar]


def bars_frame_steps(
    frame: pd.DataFrame, index: SymbolIndex, symbols: Sequence[str] | None = None
) -> Iterator[ReplayStep]:
    """Steps over a long bars frame (symbol, timestamp, open, high, low, close, volume), one
    per distinct timestamp, oldest first."""
    import pandas as pd

    if symbols is not None:
        frame = frame[frame["symbol"].isin(list(symbols))]
    frame = frame.dropna(subset=["close"]).sort_values(["timestamp", "symbol"], kind="stable")
    if frame.empty:
        return
    stamps = pd.to_datetime(frame["timestamp"], utc=True)
    nanos = np.asarray(stamps.dt.as_unit("ns").astype("int64"), dtype=np.int64)
    codes = index.codes(frame["symbol"].astype(str).tolist())
    close = frame["close"].to_numpy(dtype=np.float64)
    volume = (
        frame["volume"].to_numpy(dtype=np.float64) if "volume" in frame else np.zeros(len(frame))
    )
    opens, highs, lows = (frame[c].to_numpy(dtype=np.float64) for c in ("open", "high", "low"))
    starts = np.flatnonzero(np.r_[True, nanos[1:] != nanos[:-1]])
    ends = np.r_[starts[1:], len(nanos)]
    for start, end in zip(starts, ends, strict=True):
        rows = slice(int(start), int(end))
        at = datetime.fromtimestamp(int(nanos[start]) / 1e9, UTC)
        quotes = QuoteBatch(
            codes[rows], nanos[rows], close[rows], close[rows], volume[rows], volume[rows]
        )
        found = (
            _bar(index.name(int(codes[i])), at, opens[i], highs[i], lows[i], close[i], volume[i])
            for i in range(int(start), int(end))
        )
        bars = [bar for bar in found if bar is not None]
        yield ReplayStep(at, quotes, bars)


def _bar(
    symbol: str, at: datetime, open_: float, high: float, low: float, close: float, volume: float
) -> Bar | None:
    """The bar, or None for a row the lake kept with a warning (e.g. a close outside
    low..high): the quote still carries its close, the indicators skip it."""
    try:
        return Bar(symbol, at, float(open_), float(high), float(low), float(close), float(volume))
    except DataError:
        return None
