"""``AlpacaMarketStream`` through alpaca-py's StockDataStream against the local exchange on a
real socket. The exchange replays the bundled minute bars of 2023-05-25 (AAPL, GOOGL, TSLA),
so each minute the clock passes brings one bar, one trade and one quote per symbol (the clock
starts at 13:29 UTC: the first bar is the pre-market minute 13:29, its trade and quote are stamped
at its end)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from tests.integration.adapters.streaming import HangUp, RecordingBus, StreamThread, wait_for
from tests.integration.exchange.conftest import KEY, SECRET, Venue
from workbench.adapters.alpaca import AlpacaConfig, AlpacaMarketStream
from workbench.adapters.ports import MarketStream
from workbench.core import topics
from workbench.core.errors import DataError
from workbench.data import Lake, LakeBarWriter
from workbench.model import Bar, Quote, Trade

pytestmark = pytest.mark.requirement("CON-03")

OPEN = "2023-05-25T13:30:00Z"


@pytest.fixture
def minute_venue(start_venue: Callable[..., Venue]) -> Venue:
    """An exchange one minute before the open of 2023-05-25, replaying minute bars."""
    venue = start_venue(start=date(2023, 5, 25), timeframe="1m", stream_poll=0.02)
    venue.trading().get_account()  # binds the key's secret before the stream signs in
    return venue


def _config(venue: Venue) -> AlpacaConfig:
    return AlpacaConfig(
        api_key=KEY,
        secret_key=SECRET,
        url=venue.url,
        data_url=venue.url,
        stream_url=venue.url.replace("http", "ws") + "/v2/iex",
        reconnect_min_s=0.05,
        reconnect_max_s=0.2,
    )


@pytest.fixture
def bus() -> RecordingBus:
    return RecordingBus()


@pytest.fixture
def running(minute_venue: Venue, bus: RecordingBus) -> Iterator[Callable[..., StreamThread]]:
    started: list[StreamThread] = []

    def start(stream: AlpacaMarketStream) -> StreamThread:
        started.append(StreamThread(stream))
        return started[-1]

    yield start
    for worker in started:
        worker.stop()


def _acknowledged(stream: AlpacaMarketStream, **kinds: tuple[str, ...]) -> Callable[[], bool]:
    expected = {"quotes": (), "trades": (), "bars": ()} | kinds
    return lambda: stream.acknowledged() == expected


def test_only_subscribed_symbols_arrive_and_unsubscribing_stops_them(
    minute_venue: Venue, bus: RecordingBus, running: Callable[..., StreamThread]
) -> None:
    stream = AlpacaMarketStream(_config(minute_venue), bus)
    assert isinstance(stream, MarketStream)
    stream.subscribe(quotes=["AAPL"], trades=["aapl", "TSLA"], bars=["GOOGL"])
    running(stream)
    wait_for(
        _acknowledged(stream, quotes=("AAPL",), trades=("AAPL", "TSLA"), bars=("GOOGL",)),
        "the subscription",
    )
    minute_venue.clock(to="2023-05-25T13:33:00Z")  # four minutes
    wait_for(
        lambda: len(bus.of(topics.BAR)) == 4 and len(bus.of(topics.TRADE)) == 8,
        "four bars and eight trades",
    )
    quotes, trades, bars = bus.of(topics.QUOTE), bus.of(topics.TRADE), bus.of(topics.BAR)
    assert all(isinstance(q, Quote) and q.symbol == "AAPL" for q in quotes)
    assert all(isinstance(t, Trade) for t in trades)
    assert sorted({t.symbol for t in trades}) == ["AAPL", "TSLA"]
    assert all(isinstance(b, Bar) and b.symbol == "GOOGL" for b in bars)
    assert [b.timestamp.isoformat() for b in bars] == [
        "2023-05-25T13:29:00+00:00",
        "2023-05-25T13:30:00+00:00",
        "2023-05-25T13:31:00+00:00",
        "2023-05-25T13:32:00+00:00",
    ]
    assert len(quotes) == 4 and all(q.bid_price < q.ask_price for q in quotes)
    status = stream.status()
    assert status.connected and status.messages == 16 and status.last_message_at is not None
    assert status.subscriptions == {
        "quotes": ("AAPL",),
        "trades": ("AAPL", "TSLA"),
        "bars": ("GOOGL",),
    }

    stream.unsubscribe(trades=["TSLA"], bars=["GOOGL"])
    wait_for(_acknowledged(stream, quotes=("AAPL",), trades=("AAPL",)), "the unsubscription")
    minute_venue.clock(to="2023-05-25T13:35:00Z")
    wait_for(lambda: len(bus.of(topics.QUOTE)) == 6, "two more quotes")
    wait_for(lambda: len(bus.of(topics.TRADE)) == 10, "two more trades")
    later = bus.of(topics.TRADE)[8:]
    assert {t.symbol for t in later} == {"AAPL"}
    assert len(bus.of(topics.BAR)) == 4


def test_a_dropped_connection_is_reconnected_resubscribed_and_reported(
    minute_venue: Venue, bus: RecordingBus, running: Callable[..., StreamThread]
) -> None:
    stream = AlpacaMarketStream(_config(minute_venue), bus)
    stream.subscribe(trades=["AAPL"])
    worker = running(stream)
    wait_for(_acknowledged(stream, trades=("AAPL",)), "the subscription")
    minute_venue.clock(to="2023-05-25T13:31:00Z")
    wait_for(lambda: len(bus.of(topics.TRADE)) == 2, "the first trades")

    dropped = minute_venue.http.post("/admin/faults", json={"drop_streams": True}).json()
    assert dropped["dropped_streams"] >= 1
    wait_for(lambda: stream.status().reconnects == 1, "the reconnection")
    stream.subscribe(quotes=["TSLA"])  # a change while it was away is not lost either
    wait_for(_acknowledged(stream, quotes=("TSLA",), trades=("AAPL",)), "the resubscription")
    minute_venue.clock(to="2023-05-25T13:33:00Z")
    wait_for(lambda: len(bus.of(topics.TRADE)) == 4, "trades after the reconnection")
    wait_for(lambda: len(bus.of(topics.QUOTE)) == 2, "quotes after the reconnection")

    states = [(s["connected"], s["reconnects"]) for s in bus.of(topics.STREAM_STATUS)]
    assert states == [(True, 0), (False, 0), (True, 1)]
    drop = bus.of(topics.STREAM_STATUS)[1]
    assert drop["source"] == "alpaca" and "connection lost" in drop["reason"]
    assert drop["at"].endswith("+00:00")
    worker.stop()
    final = bus.of(topics.STREAM_STATUS)[-1]
    assert (final["connected"], final["reason"]) == (False, "stopped")
    assert not stream.status().connected


def test_minute_bars_land_in_the_lake_in_batches_and_on_stop(
    minute_venue: Venue,
    bus: RecordingBus,
    running: Callable[..., StreamThread],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    lake = Lake(tmp_path / "lake")
    writer = LakeBarWriter(lake, batch_size=3, flush_after_s=600)
    stream = AlpacaMarketStream(_config(minute_venue), bus, bars_to=writer)
    stream.subscribe(bars=["AAPL", "TSLA"])
    worker = running(stream)
    wait_for(_acknowledged(stream, bars=("AAPL", "TSLA")), "the subscription")
    minute_venue.clock(to="2023-05-25T13:33:00Z")  # eight bars: two batches of three, two held
    wait_for(lambda: writer.written == 6 and writer.held == 2, "two batches")
    assert len(lake.bars(["AAPL", "TSLA"], timeframe="1m")) == 6
    worker.stop()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    landed = lake.bars(["AAPL", "TSLA"], timeframe="1m")
    assert len(landed) == 8 and writer.held == 0 and writer.rejected == 0
    aapl = landed[landed["symbol"] == "AAPL"].iloc[0]
    published = next(b for b in bus.of(topics.BAR) if b.symbol == "AAPL")
    assert (aapl["timestamp"], aapl["open"], aapl["close"]) == (
        published.timestamp,
        published.open,
        published.close,
    )


def test_a_stream_that_waited_long_enough_flushes_without_a_full_batch(
    minute_venue: Venue, bus: RecordingBus, running: Callable[..., StreamThread], tmp_path: Path
) -> None:
    writer = LakeBarWriter(Lake(tmp_path / "lake"), batch_size=1000, flush_after_s=0.2)
    stream = AlpacaMarketStream(_config(minute_venue), bus, bars_to=writer)
    stream.subscribe(bars=["GOOGL"])
    running(stream)
    wait_for(_acknowledged(stream, bars=("GOOGL",)), "the subscription")
    minute_venue.clock(to="2023-05-25T13:32:00Z")
    wait_for(lambda: writer.written == 3, "the timed flush")


def test_stop_before_anything_was_subscribed_ends_at_once(
    minute_venue: Venue, bus: RecordingBus
) -> None:
    stream = AlpacaMarketStream(_config(minute_venue), bus)
    worker = StreamThread(stream)
    wait_for(
        lambda: stream.status().reason == "not started" and worker.thread.is_alive(),
        "the stream to start",
    )
    worker.stop()
    assert bus.of(topics.STREAM_STATUS)[-1]["reason"] == "stopped"


def test_an_unreachable_venue_is_reported_once_and_stop_still_ends_at_once(
    minute_venue: Venue, bus: RecordingBus
) -> None:
    venue = HangUp()
    port = venue.port
    config = replace(_config(minute_venue), stream_url=f"ws://127.0.0.1:{port}/v2/iex")
    stream = AlpacaMarketStream(config, bus)
    stream.subscribe(trades=["AAPL"])
    worker = StreamThread(stream)
    try:
        wait_for(lambda: "cannot connect" in (stream.status().reason or ""), "a failed attempt")
        failed = venue.attempts
        wait_for(lambda: venue.attempts >= failed + 3, "three more attempts")
        worker.stop()
    finally:
        venue.close()
    states = [(s["connected"], s["reason"]) for s in bus.of(topics.STREAM_STATUS)]
    assert len(states) == 2 and states[-1] == (False, "stopped")
    assert not states[0][0] and f"127.0.0.1:{port}" in states[0][1]
    assert stream.status().messages == 0 and stream.status().reconnects == 0


def test_run_and_stop_on_one_event_loop_and_a_cancelled_run_closes_too(
    minute_venue: Venue, bus: RecordingBus
) -> None:
    async def until(condition: Callable[[], bool]) -> None:
        while not condition():
            await asyncio.sleep(0.02)

    async def session(stream: AlpacaMarketStream, *, cancel: bool) -> None:
        running = asyncio.create_task(stream.run())
        await until(_acknowledged(stream, trades=("AAPL",)))
        if cancel:
            running.cancel()
        else:
            await asyncio.to_thread(minute_venue.clock, to="2023-05-25T13:31:00Z")
            await until(lambda: len(bus.of(topics.TRADE)) == 2)
            await stream.stop()
        with contextlib.suppress(asyncio.CancelledError):
            await running

    for cancel in (False, True):
        stream = AlpacaMarketStream(_config(minute_venue), bus)
        stream.subscribe(trades=["AAPL"])
        asyncio.run(asyncio.wait_for(session(stream, cancel=cancel), 15))
        assert (stream.status().connected, stream.status().reason) == (False, "stopped")
    with pytest.raises(DataError, match="runs once"):
        asyncio.run(stream.run())
