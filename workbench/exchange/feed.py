"""Bars for the matching engine, read from the Parquet lake once per symbol and kept in memory.

``FrameBarFeed`` turns a frame of bars (one symbol, one timeframe) into ``BarSlot``s: a daily bar
opens at its session's open and is complete at its close (early closes included); an intraday
bar stamped ``t`` opens at ``t`` and is complete at ``t + timeframe``. A bar whose open lies
outside the regular session is marked non-regular (only extended-hours orders trade on it).

The last trade at an instant is the open of the bar under way (size 0: only its price is known
then) or the close of the last complete bar (size: the bar's volume). The lake has no trades or
quotes; these are derived from its bars and everything that shows them says so.

A loader returns a pandas frame or an Arrow table; ``LakeBarFeed`` reads Arrow tables, so the
paper book (every ``workbench trade`` command) prices its orders without loading pandas.
"""

from __future__ import annotations

import logging
import math
import threading
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from workbench.core.errors import DataError
from workbench.exchange.matching.market import BarSlot, PricePoint, to_decimal
from workbench.exchange.sessions import NEW_YORK, ExchangeCalendar
from workbench.model import Bar

__all__ = ["FrameBarFeed", "LakeBarFeed", "timeframe_delta"]

_log = logging.getLogger(__name__)
#: symbol -> its bars (timestamp, open, ..., volume): a pandas DataFrame or a pyarrow Table
Loader = Callable[[str], Any]
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TICKS_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}


def timeframe_delta(timeframe: str) -> timedelta:
    """``"1m"`` -> one minute, ``"30m"``, ``"1h"``, ``"1d"`` (the lake's timeframe names)."""
    try:
        return int(timeframe[:-1]) * _UNITS[timeframe[-1]]
    except (KeyError, ValueError):
        raise DataError(f"unknown timeframe {timeframe!r}: expected e.g. 1m, 5m, 1h, 1d") from None


@dataclass(frozen=True, slots=True)
class _Series:
    slots: list[BarSlot]
    opens: list[datetime]
    closes: list[datetime]


class FrameBarFeed:
    def __init__(self, loader: Loader, calendar: ExchangeCalendar, timeframe: str = "1d") -> None:
        self._loader = loader
        self._calendar = calendar
        self.timeframe = timeframe
        self._step = timeframe_delta(timeframe)
        self._series: dict[str, _Series] = {}
        self._lock = threading.Lock()

    # -- BarFeed ---------------------------------------------------------------------------
    def slots(self, symbol: str, after: datetime, until: datetime) -> list[BarSlot]:
        series = self._of(symbol)
        first = bisect_right(series.closes, after)
        last = bisect_right(series.opens, until)
        return series.slots[first:last]

    def last_trade(self, symbol: str, at: datetime) -> PricePoint | None:
        series = self._of(symbol)
        index = bisect_right(series.opens, at) - 1
        if index < 0:
            return None
        slot = series.slots[index]
        if slot.closes_at <= at:
            return PricePoint(
                to_decimal(slot.bar.close), slot.closes_at, to_decimal(slot.bar.volume)
            )
        return PricePoint(to_decimal(slot.bar.open), slot.opens_at, Decimal(0))

    # -- more than the engine needs ----------------------------------------------------------
    def completed(self, symbol: str, at: datetime, count: int = 1) -> list[BarSlot]:
        """The last ``count`` bars complete at ``at``, oldest first."""
        series = self._of(symbol)
        stop = bisect_right(series.closes, at)
        return series.slots[max(0, stop - count) : stop]

    def first_open(self, symbol: str) -> datetime | None:
        series = self._of(symbol)
        return series.opens[0] if series.opens else None

    # -- loading -----------------------------------------------------------------------------
    def _of(self, symbol: str) -> _Series:
        with self._lock:
            series = self._series.get(symbol)
            if series is None:
                series = self._series[symbol] = self._load(symbol)
            return series

    def _load(self, symbol: str) -> _Series:
        try:
            frame = self._loader(symbol)
        except DataError:
            frame = None  # unknown to the lake: no bars, orders simply rest
        slots: list[BarSlot] = []
        if frame is not None and len(frame):
            daily = self.timeframe.endswith("d")
            for row in _rows(frame):
                slot = self._slot(symbol, row, daily)
                if slot is not None:
                    slots.append(slot)
        return _Series(slots, [s.opens_at for s in slots], [s.closes_at for s in slots])

    def _slot(self, symbol: str, row: dict[str, Any], daily: bool) -> BarSlot | None:
        stamp = _utc(row["timestamp"])
        try:
            bar = Bar(
                symbol=symbol,
                timestamp=stamp,
                open=float(row["open"]),
                high=float(row["high"]),
                low=float(row["low"]),
                close=float(row["close"]),
                volume=float(row["volume"]),
                trade_count=_optional_int(row.get("trade_count")),
                vwap=_optional_float(row.get("vwap")),
            )
        except DataError as error:
            _log.warning(
                "skipping a bad %s bar of %s at %s: %s", self.timeframe, symbol, stamp, error
            )
            return None
        if daily:
            session = self._calendar.session_on(stamp.astimezone(NEW_YORK).date())
            if session is None:
                return None
            return BarSlot(bar, session.open, session.close, regular=True)
        session = self._calendar.session_at_or_after(stamp)
        regular = session is not None and session.is_regular(stamp)
        return BarSlot(bar, stamp, stamp + self._step, regular=regular)


class LakeBarFeed(FrameBarFeed):
    """The lake's ``bars_<timeframe>`` dataset, one symbol's whole history per first use, read
    as an Arrow table (no pandas)."""

    def __init__(self, lake: Any, calendar: ExchangeCalendar, timeframe: str = "1d") -> None:
        super().__init__(
            lambda symbol: lake.bars_table(symbol, timeframe=timeframe), calendar, timeframe
        )


def _rows(bars: Any) -> list[dict[str, Any]]:
    """Rows of a pyarrow Table (Python values) or of a pandas frame (pandas values)."""
    if not hasattr(bars, "to_pylist"):
        return [row._asdict() for row in bars.itertuples(index=False)]
    # Arrow turns a zoned timestamp into a datetime through pandas: count the ticks instead
    stamps = bars.column("timestamp")
    per_second = _TICKS_PER_SECOND[stamps.type.unit]
    # a view, not a cast: casting goes through pyarrow.compute, slow to import (0.1-0.2 s)
    ticks = [tick for chunk in stamps.chunks for tick in chunk.view("int64").to_pylist()]
    rows: list[dict[str, Any]] = bars.select(
        [name for name in bars.column_names if name != "timestamp"]
    ).to_pylist()
    for row, tick in zip(rows, ticks, strict=True):
        seconds, rest = divmod(tick, per_second)
        row["timestamp"] = _EPOCH + timedelta(
            seconds=seconds, microseconds=rest * 1_000_000 // per_second
        )
    return rows


def _utc(stamp: Any) -> datetime:
    """A UTC ``datetime`` from Arrow's (a ``datetime``) or pandas' (a ``Timestamp``) value."""
    if hasattr(stamp, "to_pydatetime"):
        stamp = stamp.to_pydatetime()
    moment: datetime = stamp.astimezone(UTC)
    return moment


def _optional_int(value: Any) -> int | None:
    return None if _missing(value) else int(value)


def _optional_float(value: Any) -> float | None:
    return None if _missing(value) else float(value)


def _missing(value: Any) -> bool:
    """None, NaN, or (from a pandas frame) ``pd.NA``/``NaT``."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if type(value).__module__.startswith("pandas"):
        import pandas as pd

        return bool(pd.isna(value))
    return False
