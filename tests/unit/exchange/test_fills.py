"""The price functions alone: one bar, one order, no engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from workbench.exchange.matching.fills import Pricer, print_price, range_price, trailing_stop
from workbench.exchange.matching.market import BarSlot, DerivedQuote, PricePoint, round_price
from workbench.exchange.matching.tickets import Ticket
from workbench.model import Bar, Order, OrderRequest, OrderSide, OrderStatus

pytestmark = pytest.mark.requirement("EXE-08")

T0 = datetime(2017, 1, 3, 14, 30, tzinfo=UTC)
PRICER = Pricer(spread_bps=Decimal(2), slippage_bps=Decimal(1))
# a bar generated for this test (not market data): open 100, high 102, low 98, close 101
GENERATED_BAR = BarSlot(
    Bar("AAPL", T0, 100.0, 102.0, 98.0, 101.0, 1_000_000.0), T0, T0 + timedelta(hours=6), True
)


def _ticket(**fields: object) -> Ticket:
    values = {k: Decimal(str(v)) if isinstance(v, int | float) else v for k, v in fields.items()}
    request = OrderRequest(symbol="AAPL", qty=Decimal(1), **values)  # type: ignore[arg-type]
    order = Order("id", "cid", request, OrderStatus.NEW, T0, T0)
    return Ticket(order=order, account_id="a", asset_id="x", submitted_at=T0, seq=1, opening=True)


def test_market_prices_pay_half_the_spread_and_slippage_rounded_against_the_trader() -> None:
    assert PRICER.market(OrderSide.BUY, Decimal("100")) == Decimal("100.02")
    assert PRICER.market(OrderSide.SELL, Decimal("100")) == Decimal("99.98")
    assert PRICER.market(OrderSide.BUY, Decimal("0.5")) == Decimal("0.5001")
    assert round_price(Decimal("10.001"), up=True) == Decimal("10.01")


def test_limits_are_capped_at_their_price_on_a_print_and_fill_at_it_on_a_touch() -> None:
    assert print_price(
        _ticket(side="buy", type="limit", limit_price="100.01"), Decimal(100), PRICER
    ) == Decimal("100.01")
    assert (
        print_price(_ticket(side="buy", type="limit", limit_price="99"), Decimal(100), PRICER)
        is None
    )
    assert (
        range_price(_ticket(side="buy", type="limit", limit_price="99"), GENERATED_BAR, PRICER)
        == 99
    )
    assert (
        range_price(_ticket(side="buy", type="limit", limit_price="97"), GENERATED_BAR, PRICER)
        is None
    )
    assert (
        range_price(_ticket(side="sell", type="limit", limit_price="102"), GENERATED_BAR, PRICER)
        == 102
    )
    assert (
        range_price(_ticket(side="sell", type="limit", limit_price="102.01"), GENERATED_BAR, PRICER)
        is None
    )


def test_stops_trigger_only_when_the_price_reaches_them() -> None:
    above = _ticket(side="buy", type="stop", stop_price="102.01")
    assert print_price(above, Decimal(100), PRICER) is None
    assert range_price(above, GENERATED_BAR, PRICER) is None
    inside = _ticket(side="buy", type="stop", stop_price="101")
    assert range_price(inside, GENERATED_BAR, PRICER) == Decimal("101.03")
    gapped = _ticket(side="sell", type="stop", stop_price="100.50")
    assert print_price(gapped, Decimal(100), PRICER) == Decimal("99.98")  # gapped through


def test_a_stop_limit_whose_limit_is_below_its_stop_triggers_without_filling() -> None:
    ticket = _ticket(side="buy", type="stop_limit", stop_price="101", limit_price="100.5")
    assert range_price(ticket, GENERATED_BAR, PRICER) is None
    assert ticket.triggered
    assert print_price(ticket, Decimal("100.2"), PRICER) == Decimal("100.23")


def test_a_trailing_stop_moves_its_mark_one_way_only() -> None:
    sell = _ticket(side="sell", type="trailing_stop", trail_percent="1")
    sell.hwm, sell.trail_stop = trailing_stop(sell, Decimal(100))
    assert (sell.hwm, sell.trail_stop) == (Decimal(100), Decimal(99))
    sell.hwm, sell.trail_stop = trailing_stop(sell, Decimal(95))
    assert (sell.hwm, sell.trail_stop) == (Decimal(100), Decimal(99))
    buy = _ticket(side="buy", type="trailing_stop", trail_price="2")
    buy.hwm, buy.trail_stop = trailing_stop(buy, Decimal(100))
    buy.hwm, buy.trail_stop = trailing_stop(buy, Decimal(97))
    assert (buy.hwm, buy.trail_stop) == (Decimal(97), Decimal(99))


def test_a_derived_quote_straddles_the_last_trade() -> None:
    quote = DerivedQuote.around(PricePoint(Decimal(100), T0, Decimal(0)), Decimal(2))
    assert (quote.bid, quote.ask) == (Decimal("99.99"), Decimal("100.01"))
    tiny = DerivedQuote.around(PricePoint(Decimal("1.00"), T0, Decimal(0)), Decimal(0))
    assert tiny.ask > tiny.bid
