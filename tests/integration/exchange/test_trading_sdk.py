"""The Trading API through alpaca-py's own methods and models: if the SDK cannot parse an
answer, the exchange is wrong. Prices are the bundled sample's (AAPL opened 2017-01-03 at
115.80 and closed at 116.15; Jan 4 high 116.51)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from alpaca.common.exceptions import APIError
from alpaca.trading.enums import (
    AccountStatus,
    OrderClass,
    OrderSide,
    OrderStatus,
    QueryOrderStatus,
    TimeInForce,
)
from alpaca.trading.requests import (
    ClosePositionRequest,
    GetAssetsRequest,
    GetCalendarRequest,
    GetOrderByIdRequest,
    GetOrdersRequest,
    GetPortfolioHistoryRequest,
    LimitOrderRequest,
    MarketOrderRequest,
    ReplaceOrderRequest,
    StopLimitOrderRequest,
    StopLossRequest,
    StopOrderRequest,
    TakeProfitRequest,
    TrailingStopOrderRequest,
)

from tests.integration.exchange.conftest import Venue
from workbench.exchange.matching import MatchingConfig

pytestmark = pytest.mark.requirement("CON-04", "PRF-12")

BUY, SELL, DAY, GTC = OrderSide.BUY, OrderSide.SELL, TimeInForce.DAY, TimeInForce.GTC


def _market(
    symbol: str = "AAPL", qty: float = 10, side: OrderSide = BUY, **kw: object
) -> MarketOrderRequest:
    return MarketOrderRequest(
        symbol=symbol, qty=qty, side=side, time_in_force=kw.pop("tif", DAY), **kw
    )


def test_account_clock_calendar_assets_and_configuration(venue: Venue) -> None:
    client = venue.trading()
    account = client.get_account()
    assert account.status is AccountStatus.ACTIVE
    assert (account.cash, account.buying_power, account.multiplier) == ("100000", "400000", "4")
    clock = client.get_clock()
    assert not clock.is_open
    assert clock.next_open == datetime(2017, 1, 3, 14, 30, tzinfo=UTC)
    days = client.get_calendar(GetCalendarRequest(start=date(2017, 11, 20), end=date(2017, 11, 28)))
    assert [d.date for d in days] == [date(2017, 11, d) for d in (20, 21, 22, 24, 27, 28)]
    assert days[3].close == datetime(2017, 11, 24, 13, 0)  # the early close after Thanksgiving
    assets = client.get_all_assets(GetAssetsRequest(status="active"))
    # 60 stocks and SPY in the daily bars, TSLA in the minute bars; indices are not assets
    assert len(assets) == 62 and {a.symbol for a in assets} >= {"AAPL", "BRK.B", "SPY", "TSLA"}
    apple = client.get_asset("AAPL")
    assert client.get_asset(apple.id).symbol == "AAPL"
    settings = client.get_account_configurations()
    assert settings.max_margin_multiplier == "4"
    settings.max_margin_multiplier = "2"
    settings.no_shorting = True
    changed = client.set_account_configurations(settings)
    assert (changed.max_margin_multiplier, changed.no_shorting) == ("2", True)
    assert client.get_account().multiplier == "2"


def test_every_order_type_and_time_in_force_reaches_its_final_status(venue: Venue) -> None:
    client = venue.trading()
    market = client.submit_order(_market())
    assert market.status is OrderStatus.ACCEPTED  # the market is still closed at 09:29
    limit = client.submit_order(
        LimitOrderRequest(symbol="AAPL", qty=5, side=BUY, time_in_force=DAY, limit_price=100)
    )
    stop = client.submit_order(
        StopOrderRequest(symbol="AAPL", qty=5, side=BUY, time_in_force=GTC, stop_price=116.40)
    )
    stop_limit = client.submit_order(
        StopLimitOrderRequest(
            symbol="AAPL", qty=5, side=BUY, time_in_force=GTC, stop_price=116.40, limit_price=116.41
        )
    )
    ioc = client.submit_order(_market("MSFT", 5, tif=TimeInForce.IOC))
    fok = client.submit_order(_market("MSFT", 5, tif=TimeInForce.FOK))
    cls = client.submit_order(_market("AAPL", 1, tif=TimeInForce.CLS))
    with pytest.raises(APIError) as refused:
        client.submit_order(_market("AAPL", 1, tif=TimeInForce.OPG))  # 09:29 is too late for OPG
    assert refused.value.status_code == 422

    venue.clock(advance="30m")
    trail = client.submit_order(
        TrailingStopOrderRequest(
            symbol="AAPL", qty=5, side=SELL, time_in_force=GTC, trail_price=1.0
        )
    )
    assert (trail.hwm, trail.stop_price) == ("115.8", "114.8")
    venue.clock(to="2017-01-03T21:00:00Z")  # Jan 3 close
    assert client.get_order_by_id(stop.id).status is OrderStatus.NEW  # 116.33 stayed below it
    venue.clock(to="2017-01-04T01:00:00Z")  # 20:00 ET: OPG orders for the next open
    opg = client.submit_order(_market("AAPL", 1, tif=TimeInForce.OPG))
    venue.clock(to="2017-01-10T21:00:00Z")

    sent = {
        "market": market, "limit": limit, "stop": stop, "stop_limit": stop_limit, "ioc": ioc,
        "fok": fok, "cls": cls, "trail": trail, "opg": opg,
    }  # fmt: skip
    final = {name: client.get_order_by_id(order.id) for name, order in sent.items()}
    assert {name: o.status for name, o in final.items()} == {
        "market": OrderStatus.FILLED,
        "limit": OrderStatus.EXPIRED,
        "stop": OrderStatus.FILLED,
        "stop_limit": OrderStatus.FILLED,
        "ioc": OrderStatus.FILLED,
        "fok": OrderStatus.FILLED,
        "cls": OrderStatus.FILLED,
        "trail": OrderStatus.FILLED,
        "opg": OrderStatus.FILLED,
    }
    prices = {name: o.filled_avg_price for name, o in final.items() if o.filled_avg_price}
    assert prices["market"] == "115.83" and prices["cls"] == "116.18"
    assert prices["stop"] == "116.43" and prices["stop_limit"] == "116.41"
    assert prices["opg"] == "115.88" and prices["trail"] == "118.4"
    assert final["stop"].filled_at == datetime(2017, 1, 4, 21, 0, tzinfo=UTC)  # when crossed
    assert final["limit"].expired_at == datetime(2017, 1, 3, 21, 0, tzinfo=UTC)


def test_limit_orders_never_fill_worse_than_their_limit(venue: Venue) -> None:
    client = venue.trading()
    limits = [116.4, 115.82, 115.0, 114.8]
    orders = [
        client.submit_order(
            LimitOrderRequest(symbol="AAPL", qty=1, side=BUY, time_in_force=GTC, limit_price=p)
        )
        for p in limits
    ]
    venue.clock(to="2017-01-03T21:00:00Z")
    for order, limit in zip(orders, limits, strict=True):
        seen = client.get_order_by_id(order.id)
        assert seen.status is OrderStatus.FILLED  # the day's low was 114.76
        assert Decimal(seen.filled_avg_price) <= Decimal(str(limit))


def test_partial_fills_add_up_to_the_quantity(start_venue: Callable[..., Venue]) -> None:
    venue = start_venue(matching=MatchingConfig(max_volume_share=Decimal("1e-7")))
    client = venue.trading()
    order = client.submit_order(_market(qty=10, tif=GTC))
    seen = []
    for day in ("03", "04", "05", "06", "09"):
        venue.clock(to=f"2017-01-{day}T15:00:00Z")
        now = client.get_order_by_id(order.id)
        seen.append((now.status, now.filled_qty))
    assert seen == [
        (OrderStatus.PARTIALLY_FILLED, "2"),
        (OrderStatus.PARTIALLY_FILLED, "4"),
        (OrderStatus.PARTIALLY_FILLED, "6"),
        (OrderStatus.PARTIALLY_FILLED, "9"),
        (OrderStatus.FILLED, "10"),
    ]
    assert client.get_open_position("AAPL").qty == "10"


def test_buying_power_and_short_rules_answer_with_alpaca_errors(venue: Venue) -> None:
    client = venue.trading()
    with pytest.raises(APIError) as too_big:
        client.submit_order(_market(qty=4000))
    assert (too_big.value.status_code, too_big.value.code) == (403, 40310000)
    assert too_big.value.message == "insufficient buying power"
    client.submit_order(_market(qty=10))
    venue.clock(advance="1h")
    with pytest.raises(APIError) as too_many:
        client.submit_order(_market(qty=15, side=SELL))
    assert too_many.value.status_code == 403
    assert "insufficient qty available for order (requested: 15, available: 10)" in str(
        too_many.value
    )


def test_client_order_ids_are_unique_and_findable(venue: Venue) -> None:
    client = venue.trading()
    first = client.submit_order(_market(qty=1, client_order_id="mine-1"))
    with pytest.raises(APIError) as duplicate:
        client.submit_order(_market(qty=1, client_order_id="mine-1"))
    assert (duplicate.value.status_code, duplicate.value.code) == (422, 40010001)
    assert client.get_order_by_client_id("mine-1").id == first.id


def test_listing_orders_with_filters(venue: Venue) -> None:
    client = venue.trading()
    buy = client.submit_order(_market(qty=1))
    sell = client.submit_order(
        LimitOrderRequest(symbol="MSFT", qty=1, side=SELL, time_in_force=GTC, limit_price=70)
    )
    bracket = client.submit_order(
        _market(
            qty=2,
            tif=GTC,
            order_class=OrderClass.BRACKET,
            take_profit=TakeProfitRequest(limit_price=130),
            stop_loss=StopLossRequest(stop_price=100),
        )
    )
    assert [leg.status.value for leg in bracket.legs] == ["held", "held"]
    venue.clock(advance="1h")

    def ids(**filters: object) -> list[str]:
        return [str(o.id) for o in client.get_orders(GetOrdersRequest(**filters))]

    assert ids(status=QueryOrderStatus.CLOSED, nested=True) == [str(bracket.id), str(buy.id)]
    assert str(sell.id) in ids(status=QueryOrderStatus.OPEN)
    assert ids(status=QueryOrderStatus.ALL, side=SELL, symbols=["MSFT"]) == [str(sell.id)]
    assert ids(status=QueryOrderStatus.ALL, nested=True, direction="asc", limit=2) == [
        str(buy.id),
        str(sell.id),
    ]
    assert len(ids(status=QueryOrderStatus.ALL)) == 5  # the bracket's legs listed apart
    assert ids(status=QueryOrderStatus.ALL, after=datetime(2017, 1, 3, 15, tzinfo=UTC)) == []
    nested = client.get_order_by_id(bracket.id, GetOrderByIdRequest(nested=True))
    assert [leg.status for leg in nested.legs] == [OrderStatus.NEW, OrderStatus.NEW]


def test_replace_and_cancel(venue: Venue) -> None:
    client = venue.trading()
    old = client.submit_order(
        LimitOrderRequest(symbol="AAPL", qty=10, side=BUY, time_in_force=GTC, limit_price=100)
    )
    new = client.replace_order_by_id(
        old.id, ReplaceOrderRequest(qty=5, limit_price=101.5, client_order_id="new-cid")
    )
    assert (new.replaces, new.qty, new.limit_price, new.client_order_id) == (
        old.id,
        "5",
        "101.5",
        "new-cid",
    )
    replaced = client.get_order_by_id(old.id)
    assert (replaced.status, replaced.replaced_by) == (OrderStatus.REPLACED, new.id)
    assert client.cancel_order_by_id(new.id) is None
    assert client.get_order_by_id(new.id).status is OrderStatus.CANCELED
    with pytest.raises(APIError) as again:
        client.cancel_order_by_id(new.id)
    assert (again.value.status_code, again.value.message) == (422, "order is not cancelable")
    others = [client.submit_order(_market(s, 1, tif=GTC)) for s in ("MSFT", "IBM")]
    answers = client.cancel_orders()
    assert sorted(str(a.id) for a in answers) == sorted(str(o.id) for o in others)
    assert {a.status for a in answers} == {200}


def test_positions_list_get_and_close(venue: Venue) -> None:
    client = venue.trading()
    for symbol in ("AAPL", "MSFT", "IBM"):
        client.submit_order(_market(symbol, 10))
    venue.clock(advance="1h")
    positions = client.get_all_positions()
    assert [p.symbol for p in positions] == ["AAPL", "IBM", "MSFT"]
    apple = client.get_open_position("AAPL")
    assert (apple.qty, apple.avg_entry_price, apple.side.value) == ("10", "115.83", "long")
    assert client.get_open_position(str(apple.asset_id)).symbol == "AAPL"
    half = client.close_position("AAPL", ClosePositionRequest(percentage="50"))
    assert (half.side, half.qty) == (SELL, "5")
    client.submit_order(
        LimitOrderRequest(symbol="IBM", qty=10, side=SELL, time_in_force=GTC, limit_price=500)
    )
    answers = client.close_all_positions(cancel_orders=False)
    by_symbol = {a.symbol: a for a in answers}
    assert by_symbol["MSFT"].status == 200
    assert by_symbol["IBM"].status == 403  # its shares are held by the open sell order
    assert by_symbol["IBM"].body.held_for_orders == 10
    assert by_symbol["AAPL"].status == 403  # 5 of 10 already held by the 50 % close
    client.close_all_positions(cancel_orders=True)
    venue.clock(advance="1d")
    assert client.get_all_positions() == []


def test_portfolio_history_follows_the_closes(venue: Venue) -> None:
    client = venue.trading()
    client.submit_order(_market(qty=100))
    venue.clock(to="2017-01-06T22:00:00Z")
    history = client.get_portfolio_history(GetPortfolioHistoryRequest(period="1W"))
    assert len(history.timestamp) == 5  # four closes and now
    assert history.equity[0] == pytest.approx(100_000 + 100 * (116.15 - 115.83))
    assert history.timeframe == "1D"
