"""Market Data v2 routes (alpaca_api.md section 3), served from the lake at the replay clock.

Bars are the lake's (``bars.py``). The lake holds no quotes or trades, so ``/quotes`` and
``/trades`` are **derived from bars**, one of each per bar of the exchange's timeframe, stamped
when the bar completes: the trade at the bar's close with the bar's volume as its size, the
quote around that close with the engine's spread model (``matching.market``). The latest
trade/quote is the engine's last price at now (a bar's open while it is under way). Exchange,
condition and tape fields are empty: nothing in the lake says where a print happened.
Unknown but well-formed symbols are simply absent from answers, as at Alpaca.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from workbench.core.errors import DataError
from workbench.exchange.api.bars import Timeframe, page, read_bars
from workbench.exchange.matching.errors import InvalidOrder
from workbench.exchange.matching.market import BarSlot, DerivedQuote, PricePoint, to_decimal
from workbench.exchange.service import Exchange
from workbench.exchange.sessions import NEW_YORK
from workbench.model import validate_symbol
from workbench.model.symbols import normalize_symbols

__all__ = ["router"]

router = APIRouter(prefix="/v2/stocks")
_DEFAULT_LIMIT = 1000
_MAX_LIMIT = 10_000
Limit = Annotated[int, Query(ge=1, le=_MAX_LIMIT)]
Sort = Literal["asc", "desc"]


def _exchange(request: Request) -> Exchange:
    exchange: Exchange = request.app.state.exchange
    return exchange


def _symbols(raw: str) -> list[str]:
    symbols = normalize_symbols(raw, check=False)
    if not symbols:
        raise InvalidOrder("symbols is required")
    for symbol in symbols:
        try:
            validate_symbol(symbol)
        except DataError:
            raise InvalidOrder(f"invalid symbol: {symbol}") from None
    return symbols


#: the instants a window may name: pandas' nanosecond timestamps end in 2262
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def _window(
    exchange: Exchange, start: datetime | None, end: datetime | None
) -> tuple[datetime, datetime, datetime]:
    for name, moment in (("start", start), ("end", end)):
        if moment is not None and not EARLIEST <= _aware(moment) < LATEST:
            raise InvalidOrder(
                f"{name} {moment.isoformat()} is out of range: give a time from "
                f"{EARLIEST:%Y-%m-%d} to before {LATEST:%Y-%m-%d}"
            )
    now = exchange.clock.now()
    upper = min(_aware(end) if end is not None else now, now)
    if start is None:  # Alpaca: the beginning of the current (New York) day
        local = now.astimezone(NEW_YORK)
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return _aware(start), upper, now


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def bar_item(
    stamp: datetime,
    o: float,
    h: float,
    lo: float,
    c: float,
    v: float,
    n: Any = None,
    vw: Any = None,
) -> dict[str, Any]:
    return {
        "t": _stamp(stamp),
        "o": o,
        "h": h,
        "l": lo,
        "c": c,
        "v": v,
        "n": None if _missing(n) else int(n),
        "vw": None if _missing(vw) else float(vw),
    }


def _missing(value: Any) -> bool:
    return value is None or bool(pd.isna(value))


def _slot_bar(slot: BarSlot) -> dict[str, Any]:
    bar = slot.bar
    return bar_item(
        bar.timestamp, bar.open, bar.high, bar.low, bar.close, bar.volume, bar.trade_count, bar.vwap
    )


def trade_item(point: PricePoint) -> dict[str, Any]:
    return {
        "t": point.timestamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "x": "",
        "p": float(point.price),
        "s": float(point.size),
        "c": [],
        "i": int(point.timestamp.timestamp() * 1_000_000),
        "z": "",
    }


def quote_item(quote: DerivedQuote) -> dict[str, Any]:
    return {
        "t": quote.timestamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "ax": "",
        "ap": float(quote.ask),
        "as": 1,
        "bx": "",
        "bp": float(quote.bid),
        "bs": 1,
        "c": [],
        "z": "",
    }


@router.get("/bars")
def get_bars(
    request: Request,
    symbols: str,
    timeframe: str = "1Day",
    start: datetime | None = None,
    end: datetime | None = None,
    limit: Limit = _DEFAULT_LIMIT,
    sort: Sort = "asc",
    page_token: str | None = None,
    adjustment: Literal["raw", "split", "dividend", "all"] = "raw",
    feed: str | None = None,
    asof: str | None = None,
    currency: str | None = None,
) -> JSONResponse:
    """``adjustment``, ``feed``, ``asof`` and ``currency`` are accepted and change nothing:
    the lake holds one series per symbol, as loaded."""
    exchange = _exchange(request)
    wanted = _symbols(symbols)
    frame_tf = Timeframe.parse(timeframe)
    lower, upper, now = _window(exchange, start, end)
    frame = read_bars(exchange.lake, exchange.calendar, wanted, frame_tf, lower, upper, now)
    items = [
        (str(s), t.to_pydatetime(), bar_item(t, o, h, lo, c, v, n, vw))
        for s, t, o, h, lo, c, v, n, vw in zip(
            frame["symbol"],
            frame["timestamp"],
            frame["open"],
            frame["high"],
            frame["low"],
            frame["close"],
            frame["volume"],
            frame["trade_count"],
            frame["vwap"],
            strict=True,
        )
    ]
    grouped, token = page(items, limit=limit, descending=sort == "desc", token=page_token)
    return JSONResponse({"bars": grouped, "next_page_token": token})


def _derived(
    request: Request,
    raw_symbols: str,
    start: datetime | None,
    end: datetime | None,
    kind: str,
    limit: int,
    sort: str,
    page_token: str | None,
) -> JSONResponse:
    exchange = _exchange(request)
    lower, upper, _ = _window(exchange, start, end)
    spread = exchange.config.matching.spread_bps
    items = []
    for symbol in _symbols(raw_symbols):
        for slot in exchange.feed.slots(symbol, lower - timedelta(microseconds=1), upper):
            if not lower <= slot.closes_at <= upper:
                continue
            bar = slot.bar
            point = PricePoint(to_decimal(bar.close), slot.closes_at, to_decimal(bar.volume))
            item = (
                trade_item(point)
                if kind == "trades"
                else quote_item(DerivedQuote.around(point, spread))
            )
            items.append((symbol, slot.closes_at, item))
    grouped, token = page(items, limit=limit, descending=sort == "desc", token=page_token)
    return JSONResponse({kind: grouped, "next_page_token": token})


@router.get("/trades")
def get_trades(
    request: Request,
    symbols: str,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: Limit = _DEFAULT_LIMIT,
    sort: Sort = "asc",
    page_token: str | None = None,
    feed: str | None = None,
    asof: str | None = None,
    currency: str | None = None,
) -> JSONResponse:
    return _derived(request, symbols, start, end, "trades", limit, sort, page_token)


@router.get("/quotes")
def get_quotes(
    request: Request,
    symbols: str,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: Limit = _DEFAULT_LIMIT,
    sort: Sort = "asc",
    page_token: str | None = None,
    feed: str | None = None,
    asof: str | None = None,
    currency: str | None = None,
) -> JSONResponse:
    return _derived(request, symbols, start, end, "quotes", limit, sort, page_token)


@router.get("/trades/latest")
def latest_trades(
    request: Request, symbols: str, feed: str | None = None, currency: str | None = None
) -> JSONResponse:
    exchange = _exchange(request)
    now = exchange.clock.now()
    body = {}
    for symbol in _symbols(symbols):
        point = exchange.feed.last_trade(symbol, now)
        if point is not None:
            body[symbol] = trade_item(point)
    return JSONResponse({"trades": body})


@router.get("/quotes/latest")
def latest_quotes(
    request: Request, symbols: str, feed: str | None = None, currency: str | None = None
) -> JSONResponse:
    exchange = _exchange(request)
    now = exchange.clock.now()
    spread = exchange.config.matching.spread_bps
    body = {}
    for symbol in _symbols(symbols):
        point = exchange.feed.last_trade(symbol, now)
        if point is not None:
            body[symbol] = quote_item(DerivedQuote.around(point, spread))
    return JSONResponse({"quotes": body})


@router.get("/bars/latest")
def latest_bars(
    request: Request, symbols: str, feed: str | None = None, currency: str | None = None
) -> JSONResponse:
    """The last complete bar of the exchange's timeframe (a daily bar on a daily replay)."""
    exchange = _exchange(request)
    now = exchange.clock.now()
    body = {}
    for symbol in _symbols(symbols):
        done = exchange.feed.completed(symbol, now)
        if done:
            body[symbol] = _slot_bar(done[-1])
    return JSONResponse({"bars": body})


@router.get("/snapshots")
def snapshots(
    request: Request, symbols: str, feed: str | None = None, currency: str | None = None
) -> JSONResponse:
    exchange = _exchange(request)
    now = exchange.clock.now()
    spread = exchange.config.matching.spread_bps
    daily = exchange.feed_for("1d")
    minute = exchange.feed_for("1m")
    body: dict[str, Any] = {}
    for symbol in _symbols(symbols):
        point = exchange.feed.last_trade(symbol, now)
        if point is None:
            continue
        days = daily.completed(symbol, now, 2) if daily is not None else []
        minutes = minute.completed(symbol, now) if minute is not None else []
        body[symbol] = {
            "latestTrade": trade_item(point),
            "latestQuote": quote_item(DerivedQuote.around(point, spread)),
            "minuteBar": _slot_bar(minutes[-1]) if minutes else None,
            "dailyBar": _slot_bar(days[-1]) if days else None,
            "prevDailyBar": _slot_bar(days[-2]) if len(days) > 1 else None,
        }
    return JSONResponse(body)
