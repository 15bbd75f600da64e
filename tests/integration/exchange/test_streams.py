"""Both streams through alpaca-py's own stream clients: TradingStream (JSON trade_updates) and
StockDataStream (msgpack, Timestamp ``t``), each run on its own thread as a user would."""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx
import pytest
from alpaca.data.live import StockDataStream
from alpaca.trading.requests import MarketOrderRequest
from alpaca.trading.stream import TradingStream

from tests.integration.exchange.conftest import KEY, SECRET, Venue
from workbench.testing import wait_until

pytestmark = pytest.mark.requirement("CON-05")


def _run(stream: Any) -> threading.Thread:
    worker = threading.Thread(target=stream.run, daemon=True)
    worker.start()
    return worker


def _stop(stream: Any, worker: threading.Thread, venue: Venue) -> None:
    stream.stop()
    venue.server.stop()  # closing the socket wakes the client's 5 s receive loop
    worker.join(timeout=10)
    assert not worker.is_alive()


def test_trade_updates_arrive_for_every_state_change(venue: Venue) -> None:
    updates: list[Any] = []

    async def on_update(update: Any) -> None:
        updates.append(update)

    stream = TradingStream(
        KEY, SECRET, paper=True, url_override=venue.url.replace("http", "ws") + "/stream"
    )
    stream.subscribe_trade_updates(on_update)
    worker = _run(stream)
    wait_until(
        lambda: venue.exchange.hub.topics() == [{"trade_updates"}],
        what="the stream to listen to trade_updates",
    )
    order = venue.trading().submit_order(
        MarketOrderRequest(symbol="AAPL", qty=10, side="buy", time_in_force="day")
    )
    venue.clock(advance="1h")
    wait_until(lambda: len(updates) >= 3, what="accepted, new and fill")
    _stop(stream, worker, venue)
    assert [u.event for u in updates] == ["accepted", "new", "fill"]
    assert all(u.order.id == order.id for u in updates)
    fill = updates[-1]
    assert (fill.price, fill.qty, fill.position_qty) == (115.83, 10, 10)
    assert fill.order.status.value == "filled" and fill.execution_id is not None


def test_market_data_arrives_in_msgpack_as_the_clock_passes(venue: Venue) -> None:
    received: list[Any] = []

    async def on_data(item: Any) -> None:
        received.append(item)

    stream = StockDataStream(KEY, SECRET, url_override=venue.url.replace("http", "ws") + "/v2/iex")
    stream.subscribe_daily_bars(on_data, "AAPL")
    stream.subscribe_trades(on_data, "AAPL", "MSFT")
    stream.subscribe_quotes(on_data, "MSFT")
    worker = _run(stream)
    wanted = {"dailyBars:AAPL", "trades:AAPL", "trades:MSFT", "quotes:MSFT"}
    wait_until(
        lambda: any(wanted <= topics for topics in venue.exchange.hub.topics()),
        what="the stream to subscribe",
    )
    venue.clock(to="2017-01-04T21:00:00Z")  # two closes
    wait_until(lambda: len(received) >= 8, what="two days of bars, trades and quotes")
    _stop(stream, worker, venue)
    kinds = sorted({type(item).__name__ for item in received})
    assert kinds == ["Bar", "Quote", "Trade"]
    bars = [item for item in received if type(item).__name__ == "Bar"]
    assert [(b.symbol, b.close) for b in bars] == [("AAPL", 116.15), ("AAPL", 116.02)]
    trades = [item for item in received if type(item).__name__ == "Trade"]
    assert {t.symbol for t in trades} == {"AAPL", "MSFT"}


def test_a_plain_json_client_gets_json_frames(venue: Venue) -> None:
    import websockets.sync.client as ws

    venue.trading().get_account()  # the key's secret is bound on first use
    with ws.connect(venue.url.replace("http", "ws") + "/v2/test") as socket:
        assert json.loads(socket.recv()) == [{"T": "success", "msg": "connected"}]
        socket.send(json.dumps({"action": "auth", "key": KEY, "secret": "wrong"}))
        assert json.loads(socket.recv()) == [{"T": "error", "code": 402, "msg": "auth failed"}]
    with ws.connect(venue.url.replace("http", "ws") + "/v2/test") as socket:
        socket.recv()
        socket.send(json.dumps({"action": "auth", "key": KEY, "secret": SECRET}))
        assert json.loads(socket.recv()) == [{"T": "success", "msg": "authenticated"}]
        socket.send(json.dumps({"action": "subscribe", "dailyBars": ["aapl"], "trades": ["*"]}))
        ack = json.loads(socket.recv())[0]
        assert (ack["T"], ack["dailyBars"], ack["trades"], ack["corrections"]) == (
            "subscription",
            ["AAPL"],
            ["*"],
            ["*"],
        )
        venue.clock(to="2017-01-03T21:00:00Z")
        batch = json.loads(socket.recv())
        assert batch[0] == {
            "T": "d",
            "S": "AAPL",
            "o": 115.8,
            "h": 116.33,
            "l": 114.76,
            "c": 116.15,
            "v": 28781865.0,
            "n": None,
            "vw": None,
            "t": "2017-01-03T05:00:00Z",
        }
        assert len([m for m in batch if m["T"] == "t"]) == 61  # "*": each asset with a daily bar


@pytest.mark.parametrize("path", ["/stream", "/v2/iex"])
def test_streams_are_not_http_routes(venue: Venue, path: str) -> None:
    assert httpx.get(venue.url + path).status_code in (401, 404)
