"""Injected faults: what a client of a misbehaving venue meets, on demand."""

from __future__ import annotations

import json
import time

import pytest
from alpaca.common.exceptions import APIError
from alpaca.trading.requests import MarketOrderRequest

from tests.integration.exchange.conftest import KEY, SECRET, Venue

pytestmark = pytest.mark.requirement("CON-06")

AUTH = json.dumps({"action": "auth", "key": KEY, "secret": SECRET})
ORDER = {"symbol": "AAPL", "qty": 1, "side": "buy", "type": "market", "time_in_force": "day"}


def test_latency_and_a_share_of_500s(venue: Venue) -> None:
    assert venue.http.post("/admin/faults", json={"latency_ms": 150}).status_code == 200
    started = time.perf_counter()
    assert venue.http.get("/v2/clock").status_code == 200
    assert time.perf_counter() - started >= 0.15
    venue.http.post("/admin/faults", json={"latency_ms": 0, "error_rate": 1, "seed": 7})
    with pytest.raises(APIError) as failed:  # alpaca-py does not retry a 500
        venue.trading().submit_order(
            MarketOrderRequest(symbol="AAPL", qty=1, side="buy", time_in_force="day")
        )
    assert (failed.value.status_code, failed.value.code) == (500, 50010000)
    assert not venue.exchange.matching.book.tickets  # the failed request did nothing
    cleared = venue.http.delete("/admin/faults").json()
    assert cleared["error_rate"] == 0
    assert venue.http.get("/v2/clock").status_code == 200


def test_a_burst_of_429s_comes_before_any_side_effect(venue: Venue) -> None:
    venue.http.post("/admin/faults", json={"rate_limit_burst": 2})
    answers = [venue.http.post("/v2/orders", json=ORDER).status_code for _ in range(3)]
    assert answers == [429, 429, 200]
    assert len(venue.exchange.matching.book.tickets) == 1


def test_delayed_fills(venue: Venue) -> None:
    venue.http.post("/admin/faults", json={"fill_delay": "1d"})
    order = venue.trading().submit_order(
        MarketOrderRequest(symbol="AAPL", qty=1, side="buy", time_in_force="gtc")
    )
    venue.clock(to="2017-01-03T22:00:00Z")
    assert venue.trading().get_order_by_id(order.id).filled_qty == "0"
    venue.clock(to="2017-01-04T22:00:00Z")
    filled = venue.trading().get_order_by_id(order.id)
    # routed a day late, at 09:29 on Jan 4: it meets that open (115.85 + 2 bp)
    assert (filled.filled_avg_price, filled.filled_at.day) == ("115.88", 4)


def test_dropped_stream_connections(venue: Venue) -> None:
    import websockets.sync.client as ws
    from websockets.exceptions import ConnectionClosed

    url = venue.url.replace("http", "ws")
    with ws.connect(url + "/stream") as trading, ws.connect(url + "/v2/iex") as data:
        trading.send(AUTH)
        assert "authorized" in trading.recv()
        data.recv()
        data.send(AUTH)
        assert "authenticated" in data.recv()
        answer = venue.http.post("/admin/faults", json={"drop_streams": True}).json()
        assert answer["dropped_streams"] == 2
        for socket in (trading, data):
            with pytest.raises(ConnectionClosed) as closed:
                socket.recv(timeout=5)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1011
