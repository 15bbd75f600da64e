"""Reading bars for Market Data v2: Alpaca timeframes onto the lake's datasets, the replay
clock's horizon, and Alpaca's pagination.

* ``1Min``/``5Min``/``30Min``/``1Hour``/``1Day`` read ``bars_1m``... directly when the lake has
  them, else resample the finest dataset that divides them; ``1Week``/``nMonth`` group daily
  bars by New York week (Monday start) or month. A timeframe the lake cannot make is empty.
* Only bars complete at the replay clock's now are served (a daily bar after its session's
  close, a minute bar after its minute): the exchange never shows the future of its replay.
* ``limit`` counts across symbols; results run by symbol, then time (``sort`` asc or desc); the
  ``next_page_token`` is base64 of ``SYMBOL|timestamp`` of the last item served.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from workbench.exchange.matching.errors import InvalidOrder
from workbench.exchange.sessions import NEW_YORK, ExchangeCalendar

__all__ = ["Timeframe", "decode_token", "encode_token", "page", "read_bars"]

_TIMEFRAME = re.compile(r"^(\d+)(Min|T|Hour|H|Day|D|Week|W|Month|M)$")
_UNIT = {"T": "Min", "H": "Hour", "D": "Day", "W": "Week", "M": "Month"}
_MONTHS = (1, 2, 3, 6, 12)  # what Alpaca (and alpaca-py's TimeFrame) allow
_LAKE_UNIT = {"Min": "m", "Hour": "h", "Day": "d"}
_DELTA = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}


@dataclass(frozen=True, slots=True)
class Timeframe:
    amount: int
    unit: str  # Min, Hour, Day, Week, Month

    @classmethod
    def parse(cls, text: str) -> Timeframe:
        match = _TIMEFRAME.match(text.strip())
        if match is None:
            raise InvalidOrder(f"invalid timeframe {text!r}: expected e.g. 1Min, 1Hour, 1Day")
        amount, unit = int(match.group(1)), _UNIT.get(match.group(2), match.group(2))
        limits = {"Min": 59, "Hour": 23, "Day": 1, "Week": 1, "Month": 12}
        if not 1 <= amount <= limits[unit] or (unit == "Month" and amount not in _MONTHS):
            raise InvalidOrder(f"invalid timeframe {text!r}")
        return cls(amount, unit)

    @property
    def lake_name(self) -> str | None:
        suffix = _LAKE_UNIT.get(self.unit)
        return None if suffix is None else f"{self.amount}{suffix}"

    @property
    def delta(self) -> timedelta | None:
        name = self.lake_name
        return None if name is None else int(name[:-1]) * _DELTA[name[-1]]


def read_bars(
    lake: Any,
    calendar: ExchangeCalendar,
    symbols: Sequence[str],
    timeframe: Timeframe,
    start: datetime,
    end: datetime,
    now: datetime,
) -> pd.DataFrame:
    """Bars of known ``symbols`` in [start, end], complete by ``now``, sorted by symbol, time."""
    datasets = set(lake.datasets())
    daily_like = timeframe.unit in ("Day", "Week", "Month")
    sources = ["1d"] if daily_like else _sources(timeframe, datasets)
    frame = _empty()
    for source in sources:  # the coarsest dataset that has bars in the window wins
        known = sorted(set(symbols) & set(lake.symbols(f"bars_{source}")))
        frame = lake.bars(known, start, end, timeframe=source) if known else _empty()
        if not frame.empty:
            break
    if frame.empty:
        return _empty()
    frame = frame[frame["timestamp"] <= pd.Timestamp(end)]
    if daily_like:
        frame = frame[frame["timestamp"] <= pd.Timestamp(_last_complete_day(calendar, now))]
        if timeframe.unit != "Day":
            frame = _group_days(frame, timeframe)
    else:
        if source != timeframe.lake_name:
            from workbench.data.resample import resample_bars

            frame = resample_bars(frame, str(timeframe.lake_name))
        delta = timeframe.delta
        assert delta is not None
        frame = frame[frame["timestamp"] + pd.Timedelta(delta) <= pd.Timestamp(now)]
    frame = frame[frame["timestamp"] >= pd.Timestamp(start)]
    result: pd.DataFrame = frame.sort_values(["symbol", "timestamp"]).reset_index(drop=True)
    return result


def _sources(timeframe: Timeframe, datasets: set[str]) -> list[str]:
    """Lake timeframes that make ``timeframe``: itself, then those dividing it, coarsest first."""
    wanted = timeframe.delta
    exact = timeframe.lake_name
    found = [exact] if exact and f"bars_{exact}" in datasets else []
    candidates = []
    for name in datasets:
        tf = name.removeprefix("bars_")
        if tf in (name, exact) or tf[-1] not in _DELTA:
            continue
        delta = int(tf[:-1]) * _DELTA[tf[-1]]
        if wanted is not None and delta < wanted and wanted % delta == timedelta(0):
            candidates.append((delta, tf))
    return found + [tf for _, tf in sorted(candidates, reverse=True)]


def _last_complete_day(calendar: ExchangeCalendar, now: datetime) -> datetime:
    """The timestamp (midnight New York) of the last daily bar whose session has closed."""
    close = calendar.previous_close(now)
    if close is None:
        return now - timedelta(days=36500)
    day = close.astimezone(NEW_YORK).date()
    return datetime.combine(day, datetime.min.time(), tzinfo=NEW_YORK)


def _group_days(frame: pd.DataFrame, timeframe: Timeframe) -> pd.DataFrame:
    if frame.empty:
        return frame
    local = frame["timestamp"].dt.tz_convert(NEW_YORK).dt.tz_localize(None)
    if timeframe.unit == "Week":
        bucket = local.dt.to_period("W-SUN").dt.start_time
    else:
        months = (local.dt.year * 12 + local.dt.month - 1) // timeframe.amount * timeframe.amount
        bucket = pd.to_datetime({"year": months // 12, "month": months % 12 + 1, "day": 1})
    frame = frame.assign(bucket=bucket.dt.tz_localize(NEW_YORK).dt.tz_convert("UTC"))
    frame = frame.assign(_pv=frame["close"] * frame["volume"])
    grouped = frame.sort_values("timestamp").groupby(["symbol", "bucket"], sort=True)
    out = grouped.agg(
        open=("open", "first"),
        high=("high", "max"),
        low=("low", "min"),
        close=("close", "last"),
        volume=("volume", "sum"),
        _pv=("_pv", "sum"),
    ).reset_index()
    out["vwap"] = out["_pv"] / out["volume"].where(out["volume"] > 0)
    out["trade_count"] = pd.NA
    return out.drop(columns="_pv").rename(columns={"bucket": "timestamp"})


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
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
        ]
    )


def encode_token(symbol: str, moment: datetime) -> str:
    return base64.b64encode(f"{symbol}|{moment.isoformat()}".encode()).decode()


def decode_token(token: str) -> tuple[str, datetime]:
    try:
        symbol, _, stamp = base64.b64decode(token, validate=True).decode().partition("|")
        return symbol, datetime.fromisoformat(stamp)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidOrder("invalid page_token") from None


def page(
    items: list[tuple[str, datetime, dict[str, Any]]],
    *,
    limit: int,
    descending: bool,
    token: str | None,
) -> tuple[dict[str, list[dict[str, Any]]], str | None]:
    """One page of ``(symbol, time, item)`` triples sorted by symbol then time (``descending``
    reverses time within a symbol); returns items by symbol and the next page's token."""
    ordered = sorted(items, key=_order_key(descending))
    if token is not None:
        after = _order_key(descending)((*decode_token(token), {}))
        ordered = [i for i in ordered if _order_key(descending)(i) > after]
    chosen = ordered[:limit]
    grouped: dict[str, list[dict[str, Any]]] = {}
    for symbol, _, item in chosen:
        grouped.setdefault(symbol, []).append(item)
    more = len(ordered) > limit
    next_token = encode_token(chosen[-1][0], chosen[-1][1]) if more and chosen else None
    return grouped, next_token


def _order_key(
    descending: bool,
) -> Callable[[tuple[str, datetime, dict[str, Any]]], tuple[str, float]]:
    def key(item: tuple[str, datetime, dict[str, Any]]) -> tuple[str, float]:
        stamp = item[1].timestamp()
        return item[0], -stamp if descending else stamp

    return key
