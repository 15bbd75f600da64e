"""``AlpacaBroker`` through alpaca-py against the local exchange on a real socket (prices are
the bundled sample's: AAPL opened 2017-01-03 at 115.80 and closed at 116.15)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.integration.exchange.conftest import Venue
from workbench.adapters import Broker
from workbench.adapters.alpaca import AlpacaBroker
from workbench.core.errors import Fatal, NotFound, Retryable
from workbench.model import OrderRequest, OrderSide, OrderStatus, OrderType, TimeInForce

pytestmark = pytest.mark.requirement("CON-02", "EXE-08")

AAPL_BUY_AT_OPEN = Decimal("115.83")  # the open, half the spread and a basis point of slippage


def _buy(qty: int = 10, **fields: object) -> OrderRequest:
    return OrderRequest(symbol="AAPL", side=OrderSide.BUY, qty=Decimal(qty), **fields)  # type: ignore[arg-type]


def _limit(qty: int = 5, price: int = 100, **fields: object) -> OrderRequest:
    return _buy(qty, type=OrderType.LIMIT, limit_price=Decimal(price), **fields)


def test_account(alpaca: AlpacaBroker) -> None:
    assert isinstance(alpaca, Broker)
    account = alpaca.account()
    assert (account.cash, account.equity, account.buying_power) == (
        Decimal(100_000),
        Decimal(100_000),
        Decimal(400_000),
    )
    assert account.currency == "USD" and account.id


def test_submit_market_and_limit_orders_and_read_them_back(alpaca: AlpacaBroker) -> None:
    market = alpaca.submit(_buy(client_order_id="m-1"))
    limit = alpaca.submit(_limit(time_in_force=TimeInForce.GTC))
    assert market.status is OrderStatus.ACCEPTED  # the market opens at 09:30, it is 09:29
    assert market.client_order_id == "m-1" and market.request.qty == Decimal(10)
    assert limit.request.limit_price == Decimal(100)
    assert limit.request.time_in_force is TimeInForce.GTC
    assert limit.client_order_id  # one is made up, so a resend stays idempotent
    assert alpaca.get_order(market.id) == market
    assert alpaca.get_order_by_client_id("m-1") == market
    assert {o.id for o in alpaca.orders("open")} == {market.id, limit.id}
    assert [o.id for o in alpaca.orders("open", symbols=["MSFT"])] == []
    with pytest.raises(NotFound, match="order not found"):
        alpaca.get_order("00000000-0000-0000-0000-000000000000")


def test_cancel_and_replace(alpaca: AlpacaBroker) -> None:
    doomed = alpaca.submit(_limit())
    kept = alpaca.submit(_limit())
    alpaca.cancel(doomed.id)
    assert alpaca.get_order(doomed.id).status is OrderStatus.CANCELED
    new = alpaca.replace(kept.id, qty=Decimal(3), limit_price=Decimal(101), client_order_id="r-1")
    assert (new.request.qty, new.request.limit_price) == (Decimal(3), Decimal(101))
    assert new.client_order_id == "r-1"
    assert alpaca.get_order(kept.id).status is OrderStatus.REPLACED
    assert [o.id for o in alpaca.orders("open")] == [new.id]
    with pytest.raises(Fatal, match="not cancelable"):
        alpaca.cancel(doomed.id)


def test_a_resend_with_the_same_client_order_id_places_one_order(
    alpaca: AlpacaBroker, venue: Venue
) -> None:
    first = alpaca.submit(_buy(client_order_id="once"))
    again = alpaca.submit(_buy(client_order_id="once"))
    assert again.id == first.id
    listed = venue.http.get("/v2/orders", params={"status": "all"}).json()
    assert [o["client_order_id"] for o in listed] == ["once"]


def test_a_buying_power_refusal_is_fatal_with_alpacas_message(alpaca: AlpacaBroker) -> None:
    with pytest.raises(Fatal, match="insufficient buying power") as refused:
        alpaca.submit(_buy(100_000))
    assert refused.value.details["status"] == 403
    assert alpaca.orders("all") == []


def test_positions_and_fill_events_after_the_clock_moves(
    alpaca: AlpacaBroker, venue: Venue
) -> None:
    order = alpaca.submit(_buy())
    alpaca.submit(OrderRequest(symbol="MSFT", side=OrderSide.SELL, qty=Decimal(5)))
    assert [e.kind for e in alpaca.events()] == ["accepted", "accepted"]
    assert alpaca.positions() == []
    venue.clock(advance="2m")
    apple, short = alpaca.positions()
    assert (apple.symbol, apple.qty, apple.avg_entry_price) == (
        "AAPL",
        Decimal(10),
        AAPL_BUY_AT_OPEN,
    )
    assert (short.symbol, short.qty) == ("MSFT", Decimal(-5))  # a short is a negative quantity
    event, _ = sorted(alpaca.events(), key=lambda e: e.order.symbol)
    assert event.kind == "fill" and event.fill is not None
    assert (event.fill.order_id, event.fill.qty, event.fill.price) == (
        order.id,
        Decimal(10),
        AAPL_BUY_AT_OPEN,
    )
    assert alpaca.events() == []
    assert short.avg_entry_price is not None and alpaca.account().cash == (
        Decimal(100_000) - 10 * AAPL_BUY_AT_OPEN + 5 * short.avg_entry_price
    )


def test_alpaca_py_retries_a_throttled_submit_and_one_order_is_placed(
    alpaca: AlpacaBroker, venue: Venue
) -> None:
    venue.http.post("/admin/faults", json={"rate_limit_burst": 2})
    order = alpaca.submit(_buy(client_order_id="throttled"))
    assert [o.id for o in alpaca.orders("all")] == [order.id]


def test_what_alpaca_py_gives_up_on_is_retryable(alpaca: AlpacaBroker, venue: Venue) -> None:
    venue.http.post("/admin/faults", json={"rate_limit_burst": 10})
    with pytest.raises(Retryable) as throttled:
        alpaca.submit(_buy())
    assert throttled.value.details["status"] == 429
    venue.http.post("/admin/faults", json={"rate_limit_burst": 0, "error_rate": 1.0})
    with pytest.raises(Retryable) as failed:
        alpaca.account()
    assert failed.value.details["status"] == 500
    venue.http.delete("/admin/faults")
    assert alpaca.orders("all") == []  # the refused submit left nothing behind
