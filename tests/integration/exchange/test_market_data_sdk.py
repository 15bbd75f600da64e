"""Market Data v2 through alpaca-py's StockHistoricalDataClient, and its pagination raw."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, date, datetime

import pandas as pd
import pytest
from alpaca.data.requests import (
    StockBarsRequest,
    StockLatestBarRequest,
    StockLatestQuoteRequest,
    StockLatestTradeRequest,
    StockQuotesRequest,
    StockSnapshotRequest,
    StockTradesRequest,
)
from alpaca.data.timeframe import TimeFrame, TimeFrameUnit

from tests.integration.exchange.conftest import Venue
from workbench.data import Lake

pytestmark = pytest.mark.requirement("CON-05")

JAN = datetime(2017, 1, 1, tzinfo=UTC)
# alpaca-py 0.44's ``.df`` calls ``dropna(inplace=True)``, which pandas 3.1 deprecates
SDK_DF = pytest.mark.filterwarnings("ignore:The inplace keyword:pandas.errors.Pandas4Warning")


@SDK_DF
def test_bars_for_every_symbol_of_a_year_span_more_than_one_page(
    venue: Venue, sample_lake: object
) -> None:
    venue.clock(to="2017-01-03T22:00:00Z")
    symbols = [s for s in Lake(sample_lake).symbols("bars_1d") if not s.startswith("^")]
    request = StockBarsRequest(
        symbol_or_symbols=symbols,
        timeframe=TimeFrame.Day,
        start=datetime(2016, 1, 1, tzinfo=UTC),
        adjustment="split",
        feed="iex",
    )
    barset = venue.data().get_stock_bars(request)
    frame = barset.df
    assert len(frame) > 10_000  # the SDK asks for 10,000 a page: this took two
    expected = Lake(sample_lake).bars(symbols, "2016-01-01", "2017-01-03")
    assert len(frame) == len(expected)
    assert frame.index.names == ["symbol", "timestamp"]
    last = barset["AAPL"][-1]
    assert (last.timestamp, last.open, last.close) == (
        datetime(2017, 1, 3, 5, tzinfo=UTC),
        115.8,
        116.15,
    )


def test_limit_counts_across_symbols_and_tokens_continue_mid_symbol(venue: Venue) -> None:
    bars = venue.data().get_stock_bars(
        StockBarsRequest(
            symbol_or_symbols=["AAPL", "MSFT"],
            timeframe=TimeFrame.Day,
            start=datetime(2016, 12, 27, tzinfo=UTC),
            limit=5,
        )
    )
    assert {s: len(v) for s, v in bars.data.items()} == {"AAPL": 4, "MSFT": 1}
    pages, tokens, token = [], [], None
    while True:
        params = {
            "symbols": "MSFT,AAPL",
            "timeframe": "1Day",
            "start": "2016-12-27T00:00:00Z",
            "limit": 3,
            "sort": "desc",
            **({"page_token": token} if token else {}),
        }
        body = venue.http.get("/v2/stocks/bars", params=params).json()
        pages.append([(s, b["t"]) for s, items in body["bars"].items() for b in items])
        token = body["next_page_token"]
        if token is None:
            break
        tokens.append(token)
    assert [len(p) for p in pages] == [3, 3, 2]
    flat = [item for page in pages for item in page]
    assert flat[:4] == [
        ("AAPL", "2016-12-30T05:00:00Z"),
        ("AAPL", "2016-12-29T05:00:00Z"),
        ("AAPL", "2016-12-28T05:00:00Z"),
        ("AAPL", "2016-12-27T05:00:00Z"),
    ]
    assert flat[4:] == [
        ("MSFT", "2016-12-30T05:00:00Z"),
        ("MSFT", "2016-12-29T05:00:00Z"),
        ("MSFT", "2016-12-28T05:00:00Z"),
        ("MSFT", "2016-12-27T05:00:00Z"),
    ]  # the second page stopped inside AAPL and the third inside MSFT
    assert base64.b64decode(tokens[0]).decode().startswith("AAPL|2016-12-28")


def test_the_replay_never_shows_bars_from_its_future(venue: Venue) -> None:
    client = venue.data()
    request = StockBarsRequest(
        symbol_or_symbols="AAPL",
        timeframe=TimeFrame.Day,
        start=datetime(2016, 12, 29, tzinfo=UTC),
        end=datetime(2018, 1, 1, tzinfo=UTC),
    )
    assert [b.timestamp.day for b in client.get_stock_bars(request)["AAPL"]] == [29, 30]
    venue.clock(to="2017-01-03T21:00:00Z")  # the close makes Jan 3's bar whole
    assert [b.timestamp.day for b in client.get_stock_bars(request)["AAPL"]] == [29, 30, 3]


def test_weekly_and_monthly_bars_are_built_from_daily_bars(
    venue: Venue, sample_lake: object
) -> None:
    client = venue.data()
    weekly = client.get_stock_bars(
        StockBarsRequest(
            symbol_or_symbols="AAPL",
            timeframe=TimeFrame.Week,
            start=datetime(2016, 12, 5, tzinfo=UTC),
        )
    )
    assert [b.timestamp.date() for b in weekly["AAPL"]] == [
        date(2016, 12, d) for d in (5, 12, 19, 26)
    ]
    quarters = client.get_stock_bars(
        StockBarsRequest(
            symbol_or_symbols="AAPL",
            timeframe=TimeFrame(3, TimeFrameUnit.Month),
            start=datetime(2016, 1, 1, tzinfo=UTC),
        )
    )
    assert len(quarters["AAPL"]) == 4
    daily = Lake(sample_lake).bars("AAPL", "2016-10-01", "2016-12-31")
    last = quarters["AAPL"][-1]
    assert (last.open, last.high, last.low, last.close) == (
        daily["open"].iloc[0],
        daily["high"].max(),
        daily["low"].min(),
        daily["close"].iloc[-1],
    )
    assert last.volume == daily["volume"].sum()


def test_latest_bar_quote_trade_and_snapshot(venue: Venue) -> None:
    venue.clock(advance="1h")
    client = venue.data()
    trade = client.get_stock_latest_trade(
        StockLatestTradeRequest(symbol_or_symbols=["AAPL", "ZZZZ"])
    )
    assert set(trade) == {"AAPL"}  # unknown symbols are absent, as at Alpaca
    assert (trade["AAPL"].price, trade["AAPL"].timestamp) == (
        115.8,
        datetime(2017, 1, 3, 14, 30, tzinfo=UTC),
    )
    quote = client.get_stock_latest_quote(StockLatestQuoteRequest(symbol_or_symbols="AAPL"))["AAPL"]
    assert (quote.bid_price, quote.ask_price) == (115.78, 115.82)
    bar = client.get_stock_latest_bar(StockLatestBarRequest(symbol_or_symbols="AAPL"))["AAPL"]
    assert bar.timestamp == datetime(2016, 12, 30, 5, tzinfo=UTC)  # the last complete bar
    snapshot = client.get_stock_snapshot(StockSnapshotRequest(symbol_or_symbols=["AAPL", "MSFT"]))
    assert snapshot["MSFT"].daily_bar.close == 62.14
    assert snapshot["MSFT"].previous_daily_bar.close == 62.9
    assert snapshot["AAPL"].minute_bar is None  # no minute bars in the lake for 2017


@SDK_DF
def test_quotes_and_trades_are_derived_one_per_bar(venue: Venue) -> None:
    venue.clock(to="2017-01-06T22:00:00Z")
    client = venue.data()
    trades = client.get_stock_trades(StockTradesRequest(symbol_or_symbols="AAPL", start=JAN))[
        "AAPL"
    ]
    assert [(t.timestamp.day, t.price) for t in trades] == [
        (3, 116.15),
        (4, 116.02),
        (5, 116.61),
        (6, 117.91),
    ]
    assert trades[0].size == 28781865
    quotes = client.get_stock_quotes(
        StockQuotesRequest(symbol_or_symbols="AAPL", start=JAN, limit=2)
    )
    assert [(q.bid_price, q.ask_price) for q in quotes["AAPL"]] == [
        (116.13, 116.17),
        (116.0, 116.04),
    ]
    frame = quotes.df
    assert isinstance(frame, pd.DataFrame) and len(frame) == 2


def test_minute_and_hour_bars_on_an_intraday_replay(start_venue: Callable[..., Venue]) -> None:
    venue = start_venue(start=date(2023, 5, 25), timeframe="1m")
    venue.clock(to="2023-05-25T15:00:00Z")  # 11:00 New York
    client = venue.data()
    minutes = client.get_stock_bars(
        StockBarsRequest(
            symbol_or_symbols="AAPL",
            timeframe=TimeFrame.Minute,
            start=datetime(2023, 5, 25, 13, 30, tzinfo=UTC),
        )
    )
    assert len(minutes["AAPL"]) == 90  # 09:30 to 10:59, complete by 11:00
    assert minutes["AAPL"][0].open == 172.5
    hours = client.get_stock_bars(
        StockBarsRequest(
            symbol_or_symbols="AAPL",
            timeframe=TimeFrame.Hour,
            start=datetime(2023, 5, 25, 13, 0, tzinfo=UTC),
        )
    )
    assert [b.timestamp.hour for b in hours["AAPL"]] == [13, 14]
    snapshot = client.get_stock_snapshot(StockSnapshotRequest(symbol_or_symbols="AAPL"))["AAPL"]
    assert snapshot.minute_bar.timestamp == datetime(2023, 5, 25, 14, 59, tzinfo=UTC)
