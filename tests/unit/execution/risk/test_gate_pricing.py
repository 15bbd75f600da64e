"""The price an order is measured at, missing prices, open orders and the opening part of an
order: conservative in each case, so the gate never underestimates what an order can do."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.unit.execution.risk.conftest import Kit

pytestmark = pytest.mark.requirement("RSK-01")

TEN_THOUSAND = {"max_order_notional": 10_000}


@pytest.mark.parametrize(
    ("side", "order", "notional"),
    [
        ("buy", {"limit_price": "101"}, "10100"),  # a buy limit above the last counts at the limit
        ("buy", {"limit_price": "99"}, "10000"),  # below it, at the last price
        ("sell", {"limit_price": "101"}, "10100"),  # a resting sell fills at its limit or better
        ("sell", {"limit_price": "99"}, "10000"),
        ("buy", {"stop_price": "102"}, "10200"),  # a buy stop triggers at or above its stop
        ("buy", {"stop_price": "102", "limit_price": "103"}, "10300"),
        ("sell", {"stop_price": "98"}, "10000"),
    ],
)
def test_limit_and_stop_orders_are_measured_at_the_worse_of_their_price_and_the_last(
    kit: Kit, side: str, order: dict[str, str], notional: str
) -> None:
    decision = kit.check(kit.limits(**TEN_THOUSAND), kit.order(side, "100", **order))
    check = decision.check_for("max_order_notional")
    assert check is not None and check.value == Decimal(notional)
    assert check.passed is (Decimal(notional) <= 10_000)


def test_a_notional_order_is_measured_at_its_notional(kit: Kit) -> None:
    limits = kit.limits(**TEN_THOUSAND, max_position_notional=10_000)
    assert kit.check(limits, kit.order("buy", notional="10000")).approved
    over = kit.check(limits, kit.order("buy", notional="10000.01"))
    assert over.reason == "order notional 10,000.01 exceeds max_order_notional 10,000.00 by 0.01"
    position = over.check_for("max_position_notional")
    assert position is not None and position.value == Decimal("10000.01")


def test_without_a_last_price_the_order_is_refused_and_nothing_is_measured(kit: Kit) -> None:
    limits = kit.limits(**TEN_THOUSAND, max_gross_exposure=1_000_000, check_buying_power=True)
    for prices in ({}, {"AAPL": Decimal(0)}):
        decision = kit.check(limits, kit.order("buy", "1"), prices=prices)
        assert decision.rejection is not None and decision.rejection.rule == "price_known"
        assert decision.reason == "no last price for AAPL: risk cannot be measured without one"
        measured = {"max_order_notional", "max_gross_exposure", "buying_power"}
        assert not measured & {check.rule for check in decision.checks}


def test_a_held_symbol_without_a_price_blocks_new_exposure_only_when_the_book_is_summed(
    kit: Kit,
) -> None:
    account = {
        "positions": {"AAPL": Decimal(10), "NVDA": Decimal(5), "TSLA": Decimal(0)},
        "prices": {"AAPL": Decimal(100)},
    }
    summed = kit.limits(max_gross_exposure=1_000_000)
    decision = kit.check(summed, kit.order("buy", "1"), **account)
    assert decision.reason == (  # TSLA, a closed position, needs no price
        "no last price for NVDA (held or on order): the book's gross exposure cannot be measured"
    )
    assert decision.check_for("max_gross_exposure") is None
    priced = {**account, "prices": {"AAPL": Decimal(100), "NVDA": Decimal(200)}}
    gross = kit.check(summed, kit.order("buy", "1"), **priced).check_for("max_gross_exposure")
    assert gross is not None and gross.value == Decimal(2100)
    assert kit.check(summed, kit.order("sell", "10"), **account).approved, "reducing"
    unsummed = kit.limits(max_position_notional=10_000)
    assert kit.check(unsummed, kit.order("buy", "1"), **account).approved


def test_open_orders_count_when_they_add_exposure_never_when_they_remove_it(kit: Kit) -> None:
    limits = kit.limits(max_position_notional=15_000)
    buys_pending = {"positions": {"AAPL": Decimal(100)}, "pending": {"AAPL": Decimal(50)}}
    assert kit.check(limits, kit.order("buy", "1"), **buys_pending).reason == (
        "AAPL position value after the order 15,100.00 exceeds max_position_notional "
        "15,000.00 by 100.00"
    )
    sells_pending = {"positions": {"AAPL": Decimal(100)}, "pending": {"AAPL": Decimal(-50)}}
    assert kit.check(limits, kit.order("buy", "50"), **sells_pending).approved
    assert not kit.check(limits, kit.order("buy", "51"), **sells_pending).approved


def test_open_orders_on_other_symbols_count_toward_gross_exposure(kit: Kit) -> None:
    limits = kit.limits(max_gross_exposure=20_000)
    account = {"positions": {"MSFT": Decimal(100)}, "pending": {"MSFT": Decimal(50)}}
    assert kit.check(limits, kit.order("buy", "50"), **account).approved
    decision = kit.check(limits, kit.order("buy", "51"), **account)
    assert decision.reason == (
        "gross exposure after the order 20,100.00 exceeds max_gross_exposure 20,000.00 by 100.00"
    )


def test_buying_power_counts_only_the_part_of_an_order_that_opens_a_position(kit: Kit) -> None:
    limits = kit.limits(check_buying_power=True)
    short_50 = {"positions": {"AAPL": Decimal(-50)}, "buying_power": Decimal(3000)}
    assert kit.check(limits, kit.order("buy", "80"), **short_50).approved  # 30 opened
    decision = kit.check(limits, kit.order("buy", "80.01"), **short_50)
    assert decision.reason == "estimated cost 3,001.00 exceeds buying power 3,000.00 by 1.00"
    long_50 = {"positions": {"AAPL": Decimal(50)}, "buying_power": Decimal(3000)}
    assert kit.check(limits, kit.order("sell", "80"), **long_50).approved, "a short sell's 30"
    assert not kit.check(limits, kit.order("sell", "80.01"), **long_50).approved


def test_without_positive_equity_no_weight_or_leverage_may_be_added(kit: Kit) -> None:
    for rule, value in (("max_position_weight", 0.5), ("max_leverage", 2.0)):
        decision = kit.check(kit.limits(**{rule: value}), kit.order("buy", "1"), equity=Decimal(-5))
        assert decision.rejection is not None and decision.rejection.rule == rule
        assert decision.reason == (
            f"equity -5.00 is not positive: no exposure may be added ({rule})"
        )
