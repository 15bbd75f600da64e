"""Each order type and time in force to its final status, on real daily bars (AAPL, Jan 2017).

Prices below come from the bundled sample: AAPL opened 2017-01-03 at 115.80 (high 116.33,
low 114.76, close 116.15); Jan 4 opened 115.85 (high 116.51, low 115.75). The default fill
model adds 1 bp half-spread and 1 bp slippage to market prints, rounded against the trader.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.unit.exchange.conftest import Desk
from workbench.exchange.matching import InvalidOrder, MatchingConfig
from workbench.model import OrderStatus

pytestmark = pytest.mark.requirement("EXE-08")

JAN3, JAN4, JAN5, JAN10 = date(2017, 1, 3), date(2017, 1, 4), date(2017, 1, 5), date(2017, 1, 10)


def test_a_market_order_sent_before_the_open_is_queued_then_fills_at_the_open(desk: Desk) -> None:
    ticket = desk.submit(qty=10)
    assert ticket.status is OrderStatus.ACCEPTED
    desk.advance(hours=1)
    assert ticket.status is OrderStatus.FILLED
    assert ticket.order.filled_avg_price == Decimal("115.83")  # 115.80 + 2 bp, rounded up
    assert ticket.filled_at == desk.session(JAN3).open
    assert desk.kinds(ticket) == ["accepted", "new", "fill"]
    assert desk.fills(ticket)[0].position_qty == 10


def test_a_market_order_sent_during_a_daily_session_fills_at_that_close(desk: Desk) -> None:
    desk.advance(hours=2)
    ticket = desk.submit(qty=10)
    assert ticket.status is OrderStatus.NEW
    desk.to(desk.session(JAN3).close)
    assert ticket.order.filled_avg_price == Decimal("116.18")  # 116.15 + 2 bp
    assert ticket.filled_at == desk.session(JAN3).close


def test_a_market_order_sent_at_the_open_bell_fills_at_that_close(desk: Desk) -> None:
    # It arrives after the opening print was replayed, so like any order under way it takes
    # the close of the bar (it used to wait for a print that never came, then expire).
    desk.to(desk.session(JAN3).open)
    ticket = desk.submit(qty=10)
    desk.to(desk.session(JAN3).close)
    assert ticket.status.value == "filled"
    assert ticket.filled_at == desk.session(JAN3).close


def test_limit_orders_never_fill_worse_than_their_limit(desk: Desk) -> None:
    resting = desk.submit(qty=5, type="limit", limit_price="115.00", time_in_force="gtc")
    capped = desk.submit(qty=5, type="limit", limit_price="115.82")
    loose = desk.submit(qty=5, type="limit", limit_price="120")
    desk.to(desk.session(JAN3).close)
    assert loose.order.filled_avg_price == Decimal("115.83")  # marketable: the open's price
    assert capped.order.filled_avg_price == Decimal("115.82")  # the open plus costs, capped
    assert resting.order.filled_avg_price == Decimal("115.00")  # the day's low 114.76 reached it
    for ticket in (resting, capped, loose):
        assert ticket.status is OrderStatus.FILLED
        assert ticket.order.filled_avg_price <= ticket.request.limit_price  # type: ignore[operator]


def test_a_sell_limit_never_fills_below_its_limit(desk: Desk) -> None:
    desk.submit(qty=10)
    desk.advance(hours=1)
    sell = desk.submit(side="sell", qty=10, type="limit", limit_price="116.30", time_in_force="gtc")
    desk.to(desk.session(JAN4).close)
    assert sell.status is OrderStatus.FILLED  # Jan 4 high 116.51 reached it
    assert sell.order.filled_avg_price == Decimal("116.30")


def test_a_stop_triggers_only_when_the_price_crosses_it(desk: Desk) -> None:
    stop = desk.submit(qty=10, type="stop", stop_price="116.40", time_in_force="gtc")
    desk.to(desk.session(JAN3).close + timedelta(hours=1))
    assert stop.status is OrderStatus.NEW  # Jan 3 high 116.33 stayed below the stop
    desk.to(desk.session(JAN4).close)
    assert stop.status is OrderStatus.FILLED  # Jan 4 high 116.51 crossed it
    assert stop.order.filled_avg_price == Decimal("116.43")  # the stop plus 2 bp
    assert stop.filled_at == desk.session(JAN4).close


def test_a_stop_limit_fills_within_its_limit_once_triggered(desk: Desk) -> None:
    tight = desk.submit(
        qty=5, type="stop_limit", stop_price="116.40", limit_price="116.41", time_in_force="gtc"
    )
    under = desk.submit(
        qty=5, type="stop_limit", stop_price="116.40", limit_price="116.00", time_in_force="gtc"
    )
    desk.to(desk.session(JAN4).close)
    assert tight.order.filled_avg_price == Decimal("116.41")
    assert under.status is OrderStatus.NEW and under.triggered  # rests as a triggered limit
    desk.to(desk.session(JAN5).open)
    assert under.order.filled_avg_price == Decimal("115.95")  # Jan 5 opened at 115.92


def test_a_trailing_stop_follows_the_high_and_sells_when_it_falls_back(desk: Desk) -> None:
    desk.submit(qty=10)
    desk.advance(hours=1)
    trail = desk.submit(
        side="sell", qty=10, type="trailing_stop", trail_price="1.00", time_in_force="gtc"
    )
    assert (trail.hwm, trail.stop_price) == (Decimal("115.8"), Decimal("114.80"))
    desk.to(desk.session(date(2017, 1, 9)).close)
    assert trail.status is OrderStatus.NEW
    assert (trail.hwm, trail.stop_price) == (Decimal("119.43"), Decimal("118.43"))
    desk.to(desk.session(JAN10).close)
    assert trail.status is OrderStatus.FILLED  # Jan 10 low 118.30 crossed 118.43
    assert trail.order.filled_avg_price == Decimal("118.40")  # the stop less 2 bp
    assert desk.engine.account_state(desk.account_id).positions == {}


def test_ioc_takes_what_the_first_print_allows_and_cancels_the_rest(make_desk) -> None:
    desk = make_desk(MatchingConfig(max_volume_share=Decimal("1e-7")))  # ~2.9 AAPL shares a day
    ticket = desk.submit(qty=10, time_in_force="ioc")
    desk.advance(hours=1)
    assert ticket.status is OrderStatus.CANCELED
    assert ticket.order.filled_qty == 2
    assert desk.kinds(ticket) == ["accepted", "new", "partial_fill", "canceled"]


def test_fok_fills_completely_or_not_at_all(make_desk) -> None:
    desk = make_desk(MatchingConfig(max_volume_share=Decimal("1e-7")))
    too_big = desk.submit(qty=10, time_in_force="fok")
    small = desk.submit(symbol="MSFT", qty=2, time_in_force="fok")
    desk.advance(hours=1)
    assert (too_big.status, too_big.order.filled_qty) == (OrderStatus.CANCELED, 0)
    assert (small.status, small.order.filled_qty) == (OrderStatus.FILLED, 2)


def test_partial_fills_add_up_to_the_order_quantity(make_desk) -> None:
    desk = make_desk(MatchingConfig(max_volume_share=Decimal("1e-7")))
    ticket = desk.submit(qty=10, time_in_force="gtc")
    desk.to(desk.session(JAN10).close)
    fills = desk.fills(ticket)
    assert [f.qty for f in fills] == [2, 2, 2, 3, 1]  # floor(volume x 1e-7) a day, then the rest
    assert sum(f.qty for f in fills) == 10
    assert [f.kind for f in fills] == ["partial_fill"] * 4 + ["fill"]
    value = sum(f.qty * f.price for f in fills)
    assert ticket.order.filled_avg_price == value / 10
    assert fills[-1].position_qty == 10


def test_a_day_order_expires_at_the_close_and_a_gtc_order_after_90_days(desk: Desk) -> None:
    day = desk.submit(qty=1, type="limit", limit_price="100")
    gtc = desk.submit(qty=1, type="limit", limit_price="100", time_in_force="gtc")
    desk.to(desk.session(JAN3).close)
    assert (day.status, day.expired_at) == (OrderStatus.EXPIRED, desk.session(JAN3).close)
    assert desk.kinds(day) == ["accepted", "new", "expired"]
    assert gtc.status is OrderStatus.NEW
    desk.advance(days=91)
    assert gtc.status is OrderStatus.EXPIRED


def test_opg_orders_trade_only_at_the_opening_print(desk: Desk) -> None:
    with pytest.raises(InvalidOrder, match="9:28am"):
        desk.submit(qty=1, time_in_force="opg")  # 09:29 is inside the refusal window
    desk.to(desk.session(JAN3).close + timedelta(hours=4))  # 20:00, after 19:00
    market = desk.submit(qty=1, time_in_force="opg")
    limit = desk.submit(qty=1, type="limit", limit_price="110", time_in_force="opg")
    desk.to(desk.session(JAN4).close)
    assert market.order.filled_avg_price == Decimal("115.88")  # Jan 4 open 115.85 + 2 bp
    assert market.filled_at == desk.session(JAN4).open
    assert limit.status is OrderStatus.CANCELED  # not marketable at the open


def test_cls_orders_trade_at_the_closing_price(desk: Desk) -> None:
    desk.advance(hours=1)
    ticket = desk.submit(qty=1, time_in_force="cls")
    assert ticket.status is OrderStatus.ACCEPTED
    desk.to(desk.session(JAN3).close)
    assert ticket.order.filled_avg_price == Decimal("116.18")
    desk.to(desk.session(JAN4).close - timedelta(minutes=5))
    with pytest.raises(InvalidOrder, match="3:50pm"):
        desk.submit(qty=1, time_in_force="cls")


def test_extended_hours_need_a_day_limit_order(desk: Desk) -> None:
    with pytest.raises(InvalidOrder, match="DAY limit"):
        desk.submit(qty=1, extended_hours=True)
    ticket = desk.submit(qty=1, type="limit", limit_price="110", extended_hours=True)
    assert ticket.status is OrderStatus.NEW  # 09:29 is pre-market: it works at once
    assert ticket.expires_at == desk.session(JAN3).close + timedelta(hours=4)


def test_a_notional_order_buys_fractional_shares_for_the_amount(desk: Desk) -> None:
    ticket = desk.submit(notional="1000")
    desk.advance(hours=1)
    assert ticket.status is OrderStatus.FILLED
    assert ticket.order.filled_qty == Decimal("8.633341966")  # 1000 / 115.83, 9 places, down
    assert ticket.filled_value <= 1000


def test_fractional_orders_follow_alpacas_rules(desk: Desk) -> None:
    with pytest.raises(InvalidOrder, match="DAY"):
        desk.submit(qty="0.5", time_in_force="gtc")
    with pytest.raises(InvalidOrder, match="market"):
        desk.submit(notional="100", type="limit", limit_price="100")
    with pytest.raises(InvalidOrder, match="at least"):
        desk.submit(notional="0.5")
    with pytest.raises(InvalidOrder, match="9 decimal"):
        desk.submit(qty="0.0000000001")
    assert desk.submit(qty="0.5", type="limit", limit_price="120").status is OrderStatus.ACCEPTED


def test_prices_must_sit_on_the_tick(desk: Desk) -> None:
    with pytest.raises(InvalidOrder, match="sub-penny"):
        desk.submit(qty=1, type="limit", limit_price="115.001")
    assert desk.submit(symbol="F", qty=1, type="limit", limit_price="12.01").is_open


def test_time_in_force_and_type_combinations_alpaca_refuses(desk: Desk) -> None:
    with pytest.raises(InvalidOrder, match="trailing"):
        desk.submit(
            side="sell", qty=1, type="trailing_stop", trail_percent="1", time_in_force="ioc"
        )
    with pytest.raises(InvalidOrder, match="market or limit"):
        desk.submit(qty=1, type="stop", stop_price="120", time_in_force="cls")
