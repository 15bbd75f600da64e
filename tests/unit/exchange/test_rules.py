"""What the venue refuses, and the account and group bookkeeping around fills."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.unit.exchange.conftest import Desk
from workbench.exchange.matching import (
    DuplicateClientOrderId,
    InsufficientBuyingPower,
    InsufficientQty,
    InvalidOrder,
    OrderNotCancelable,
    TradingForbidden,
    UnknownOrder,
    UnknownPosition,
    WashTrade,
)
from workbench.model import OrderStatus, TimeInForce

JAN3, JAN6 = date(2017, 1, 3), date(2017, 1, 6)


def _long(desk: Desk, qty: int = 10, symbol: str = "AAPL") -> None:
    desk.submit(symbol=symbol, qty=qty)
    desk.advance(hours=1)


def test_positions_average_their_entry_and_keep_it_when_reduced(desk: Desk) -> None:
    _long(desk)  # 10 at 115.83
    desk.to(desk.session(JAN3).close)
    desk.submit(qty=10)
    desk.advance(hours=18)  # Jan 4 open 115.85 -> 115.88
    position = desk.engine.position(desk.account_id, "AAPL").position
    assert position.qty == 20
    assert position.avg_entry_price == Decimal("115.855")
    desk.submit(side="sell", qty=5)
    desk.advance(days=1)
    assert desk.engine.position(desk.account_id, "AAPL").position.avg_entry_price == Decimal(
        "115.855"
    )


def test_a_short_sale_opens_a_negative_position_and_cash_rises(desk: Desk) -> None:
    desk.submit(side="sell", qty=10)
    desk.advance(hours=1)
    held = desk.engine.position(desk.account_id, "AAPL")
    assert held.position.qty == -10
    assert held.market_value < 0
    assert desk.engine.account(desk.account_id).cash == Decimal(100_000) + 10 * Decimal("115.77")


def test_shorting_needs_a_margin_account_with_shorting_on(desk: Desk) -> None:
    desk.engine.configure(desk.account_id, no_shorting=True)
    with pytest.raises(TradingForbidden, match="short"):
        desk.submit(side="sell", qty=1)
    desk.engine.configure(desk.account_id, no_shorting=False, max_margin_multiplier=1)
    with pytest.raises(TradingForbidden, match="short"):
        desk.submit(side="sell", qty=1)
    with pytest.raises(InsufficientQty):
        desk.submit(side="sell", qty="0.5")  # no fractional short sales


def test_selling_more_than_is_held_and_unreserved_is_refused_with_details(desk: Desk) -> None:
    _long(desk)
    with pytest.raises(InsufficientQty) as caught:
        desk.submit(side="sell", qty=15)
    assert caught.value.details == {
        "symbol": "AAPL",
        "available": "10",
        "existing_qty": "10",
        "held_for_orders": "0",
    }
    desk.submit(side="sell", qty=6, type="limit", limit_price="130", time_in_force="gtc")
    with pytest.raises(InsufficientQty, match=r"requested: 5, available: 4"):
        desk.submit(side="sell", qty=5)


def test_opening_orders_must_fit_the_buying_power_left_by_other_open_orders(desk: Desk) -> None:
    account = desk.engine.account(desk.account_id)
    assert (account.multiplier, account.buying_power) == (4, Decimal(400_000))
    with pytest.raises(InsufficientBuyingPower):
        desk.submit(qty=4000)  # 4000 x ask 115.84 x 1.03 is about 477k
    desk.submit(qty=3000)  # about 358k, reserved while open
    with pytest.raises(InsufficientBuyingPower):
        desk.submit(qty=500)


def test_a_cash_account_buys_with_its_cash_only(desk: Desk) -> None:
    desk.engine.configure(desk.account_id, max_margin_multiplier=1)
    assert desk.engine.account(desk.account_id).buying_power == Decimal(100_000)
    with pytest.raises(InsufficientBuyingPower):
        desk.submit(qty=1000)
    assert desk.submit(qty=800).is_open


def test_a_small_account_has_no_margin(make_desk) -> None:
    desk = make_desk(cash=Decimal(1500))
    snapshot = desk.engine.account(desk.account_id)
    assert (snapshot.multiplier, snapshot.buying_power) == (1, Decimal(1500))
    assert not desk.engine.account_state(desk.account_id).shorting_enabled()


def test_client_order_ids_are_unique_for_ever(desk: Desk) -> None:
    first = desk.submit(qty=1, client_order_id="my-1")
    with pytest.raises(DuplicateClientOrderId):
        desk.submit(qty=1, client_order_id="my-1")
    desk.engine.cancel(desk.account_id, first.id)
    with pytest.raises(DuplicateClientOrderId):
        desk.submit(qty=1, client_order_id="my-1")
    assert desk.engine.book.find_by_client_id(desk.account_id, "my-1") is first


def test_cancel_and_replace(desk: Desk) -> None:
    old = desk.submit(qty=10, type="limit", limit_price="100", time_in_force="gtc")
    new = desk.engine.replace(
        desk.account_id, old.id, qty=Decimal(5), limit_price=Decimal(101), client_order_id="r-1"
    )
    assert (old.status, old.replaced_by) == (OrderStatus.REPLACED, new.id)
    assert (new.replaces, new.order.client_order_id) == (old.id, "r-1")
    assert (new.request.qty, new.request.limit_price) == (5, 101)
    assert new.request.time_in_force is TimeInForce.GTC
    assert desk.kinds(old)[-1] == "replaced"
    desk.engine.cancel(desk.account_id, new.id)
    assert new.status is OrderStatus.CANCELED
    with pytest.raises(OrderNotCancelable):
        desk.engine.cancel(desk.account_id, new.id)
    with pytest.raises(InvalidOrder, match="cannot be replaced"):
        desk.engine.replace(desk.account_id, old.id, qty=Decimal(1))
    with pytest.raises(UnknownOrder):
        desk.engine.cancel(desk.account_id, "61e69015-8549-4bfd-b9c3-01e75843f47d")


def test_a_replacement_keeps_what_the_old_order_had_left(make_desk) -> None:
    desk = make_desk()
    ticket = desk.submit(qty=10, type="limit", limit_price="115.00", time_in_force="gtc")
    desk.advance(hours=8)
    assert ticket.status is OrderStatus.FILLED
    other = desk.submit(qty=10, type="limit", limit_price="100", time_in_force="gtc")
    replaced = desk.engine.replace(desk.account_id, other.id, limit_price=Decimal("99"))
    assert replaced.request.qty == 10


def test_an_order_that_would_cross_the_accounts_own_order_is_a_wash_trade(desk: Desk) -> None:
    buy = desk.submit(qty=5, type="limit", limit_price="110", time_in_force="gtc")
    with pytest.raises(WashTrade) as caught:
        desk.submit(side="sell", qty=5, type="limit", limit_price="105")
    assert caught.value.details["related_orders"] == [buy.id]
    assert desk.submit(side="sell", qty=5, type="limit", limit_price="125").is_open


def test_close_position_sends_the_opposite_market_order(desk: Desk) -> None:
    _long(desk)
    half = desk.engine.close_position(desk.account_id, "AAPL", percentage=Decimal(50))
    assert (half.request.side, half.request.qty) == ("sell", 5)
    desk.advance(days=1)
    assert desk.engine.position(desk.account_id, "AAPL").position.qty == 5
    with pytest.raises(UnknownPosition):
        desk.engine.close_position(desk.account_id, "MSFT")


def test_a_bracket_releases_its_exits_on_entry_and_one_cancels_the_other(desk: Desk) -> None:
    entry = desk.submit(
        qty=10,
        time_in_force="gtc",
        order_class="bracket",
        take_profit_limit_price="117",
        stop_loss_stop_price="114",
    )
    take, stop = (desk.engine.book.tickets[i] for i in entry.leg_ids)
    assert take.held and stop.held and take.wire_status == "held"
    desk.advance(hours=1)
    assert entry.status is OrderStatus.FILLED
    assert (take.status, stop.status, take.held) == (OrderStatus.NEW, OrderStatus.NEW, False)
    desk.to(desk.session(JAN6).close)  # Jan 6 high 118.16 reaches the take-profit
    assert (take.status, take.order.filled_avg_price) == (OrderStatus.FILLED, Decimal(117))
    assert stop.status is OrderStatus.CANCELED
    assert desk.engine.account_state(desk.account_id).positions == {}


def test_an_oco_exit_cancels_its_stop_when_the_limit_fills(desk: Desk) -> None:
    _long(desk)
    oco = desk.submit(
        side="sell",
        qty=10,
        type="limit",
        limit_price="116.30",
        time_in_force="gtc",
        order_class="oco",
        take_profit_limit_price="116.30",
        stop_loss_stop_price="110",
    )
    (stop,) = (desk.engine.book.tickets[i] for i in oco.leg_ids)
    assert stop.is_working and not stop.held
    desk.to(desk.session(date(2017, 1, 4)).close)  # Jan 4 high 116.51 reaches the limit
    assert oco.status is OrderStatus.FILLED
    assert stop.status is OrderStatus.CANCELED


def test_an_entry_canceled_unfilled_takes_its_held_exits_with_it(desk: Desk) -> None:
    entry = desk.submit(
        qty=10,
        type="limit",
        limit_price="100",
        order_class="oto",
        stop_loss_stop_price="95",
    )
    (stop,) = (desk.engine.book.tickets[i] for i in entry.leg_ids)
    desk.engine.cancel(desk.account_id, entry.id)
    assert stop.status is OrderStatus.CANCELED


def test_brackets_need_consistent_exits(desk: Desk) -> None:
    with pytest.raises(InvalidOrder, match="greater"):
        desk.submit(
            qty=1,
            order_class="bracket",
            take_profit_limit_price="110",
            stop_loss_stop_price="120",
        )
    with pytest.raises(InvalidOrder, match="both"):
        desk.submit(qty=1, order_class="bracket", take_profit_limit_price="120")


def test_suspended_accounts_and_unknown_assets_are_refused(desk: Desk) -> None:
    with pytest.raises(InvalidOrder, match="not found"):
        desk.submit(symbol="ZZZZ", qty=1)
    desk.engine.configure(desk.account_id, suspend_trade=True, no_shorting=None)
    with pytest.raises(TradingForbidden, match="suspend"):
        desk.submit(qty=1)


def test_the_quote_is_derived_around_the_last_trade(desk: Desk) -> None:
    quote = desk.engine.quote("AAPL")  # before the open: Dec 30 close 115.82
    assert quote is not None
    assert (quote.bid, quote.ask) == (Decimal("115.80"), Decimal("115.84"))
    desk.advance(hours=1)
    last = desk.engine.last_trade("AAPL")
    assert last is not None and last.price == Decimal("115.8")  # Jan 3's open, under way


def test_a_cash_account_order_the_open_gapped_past_is_rejected(make_desk) -> None:
    desk = make_desk(cash=Decimal(1500))  # under $2,000: a cash account
    # F closed Jan 3 at 12.59 (high 12.60) and opened Jan 4 at 12.77, through the stop
    stop = desk.submit(symbol="F", qty=118, type="stop", stop_price="12.65", time_in_force="gtc")
    desk.to(desk.session(date(2017, 1, 4)).close)
    assert (stop.status, stop.failed_at) == (
        OrderStatus.REJECTED,
        desk.session(date(2017, 1, 4)).open,
    )
    assert desk.kinds(stop) == ["accepted", "new", "rejected"]
    assert desk.engine.account(desk.account_id).cash == Decimal(1500)
