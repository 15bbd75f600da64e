"""A restarted exchange keeps its open orders, positions, fills and clock (its SQLite books)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from alpaca.trading.enums import OrderStatus
from alpaca.trading.requests import LimitOrderRequest, MarketOrderRequest, TrailingStopOrderRequest

from tests.integration.exchange.conftest import Venue

pytestmark = pytest.mark.requirement("CON-06")


def test_a_restart_keeps_open_orders_and_positions(
    start_venue: Callable[..., Venue], tmp_path: Path
) -> None:
    books = tmp_path / "books" / "exchange.db"
    first = start_venue(db=books)
    client = first.trading()
    client.submit_order(MarketOrderRequest(symbol="AAPL", qty=10, side="buy", time_in_force="day"))
    resting = client.submit_order(
        LimitOrderRequest(
            symbol="MSFT",
            qty=5,
            side="buy",
            time_in_force="gtc",
            limit_price=62.05,
            client_order_id="survivor",
        )
    )
    first.clock(advance="1h")
    trail = client.submit_order(
        TrailingStopOrderRequest(
            symbol="AAPL", qty=10, side="sell", time_in_force="gtc", trail_percent=5
        )
    )
    before = client.get_account()
    first.server.stop()
    first.exchange.close()

    second = start_venue(db=books, start=None)  # the saved clock wins over any start
    again = second.trading()
    assert second.clock()["now"] == "2017-01-03T15:29:00+00:00"
    assert again.get_account().cash == before.cash
    position = again.get_open_position("AAPL")
    assert (position.qty, position.avg_entry_price) == ("10", "115.83")
    open_orders = {o.client_order_id: o for o in again.get_orders()}
    assert set(open_orders) == {"survivor", str(trail.id)}
    assert open_orders[str(trail.id)].hwm == "115.8"
    second.clock(to="2017-01-05T21:00:00Z")  # MSFT's low reached 62.03 on Jan 5
    filled = again.get_order_by_client_id("survivor")
    assert (filled.id, filled.status, filled.filled_avg_price) == (
        resting.id,
        OrderStatus.FILLED,
        "62.05",
    )
