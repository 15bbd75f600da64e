"""Trading states, orders that only reduce a position, and the rules that hold for them or not.

ACTIVE lets the rules decide; REDUCING lets out only orders that move a position toward zero
without crossing it (counting open orders that already close part of it); HALTED refuses all.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.unit.execution.risk.conftest import Kit
from workbench.execution.risk import RiskGate
from workbench.model import TradingState

pytestmark = pytest.mark.requirement("RSK-02")

# held, pending, side, qty or {"notional": ...}, reduces
REDUCTIONS = [
    ("100", "0", "sell", "100", True),
    ("100", "0", "sell", "40", True),
    ("100", "0", "sell", "100.01", False),
    ("100", "0", "buy", "1", False),
    ("0", "0", "sell", "1", False),
    ("0", "0", "buy", "1", False),
    ("-50", "0", "buy", "50", True),
    ("-50", "0", "buy", "50.01", False),
    ("-50", "0", "sell", "1", False),
    ("100", "-60", "sell", "40", True),
    ("100", "-60", "sell", "40.01", False),
    ("100", "60", "sell", "100", True),
    ("-50", "20", "buy", "30", True),
    ("-50", "20", "buy", "30.01", False),
    ("10", "0", "sell", {"notional": "1000"}, True),
    ("10", "0", "sell", {"notional": "1000.01"}, False),
]


def _order(kit: Kit, side: str, size: str | dict[str, Any]) -> Any:
    return kit.order(side, **size) if isinstance(size, dict) else kit.order(side, size)


def _book(held: str, pending: str) -> dict[str, Any]:
    return {"positions": {"AAPL": Decimal(held)}, "pending": {"AAPL": Decimal(pending)}}


@pytest.mark.parametrize(("held", "pending", "side", "size", "reduces"), REDUCTIONS)
def test_reduces_exposure_moves_toward_zero_without_crossing(
    kit: Kit, held: str, pending: str, side: str, size: str | dict[str, Any], reduces: bool
) -> None:
    order = _order(kit, side, size)
    context = kit.context(**_book(held, pending))
    assert RiskGate(kit.limits()).reduces_exposure(order, context) is reduces


@pytest.mark.parametrize(("held", "pending", "side", "size", "reduces"), REDUCTIONS)
def test_reducing_state_lets_out_only_reducing_orders(
    kit: Kit, held: str, pending: str, side: str, size: str | dict[str, Any], reduces: bool
) -> None:
    order = _order(kit, side, size)
    decision = kit.check(
        kit.limits(), order, trading_state=TradingState.REDUCING, **_book(held, pending)
    )
    assert decision.approved is reduces
    state = decision.checks[0]
    assert state.rule == "trading_state" and state.passed is reduces


def test_the_reducing_refusal_says_what_the_order_would_do(kit: Kit) -> None:
    decision = kit.check(
        kit.limits(),
        kit.order("sell", "150"),
        trading_state=TradingState.REDUCING,
        positions={"AAPL": Decimal(100)},
    )
    assert decision.reason == (
        "trading state is reducing: only orders that reduce a position may go out, and "
        "sell 150 AAPL would take the position in AAPL from 100 to -50"
    )


def test_the_reducing_refusal_counts_the_open_orders(kit: Kit) -> None:
    decision = kit.check(
        kit.limits(),
        kit.order("sell", "40.01"),
        trading_state=TradingState.REDUCING,
        positions={"AAPL": Decimal(100)},
        pending={"AAPL": Decimal(-60)},
    )
    assert decision.reason == (
        "trading state is reducing: only orders that reduce a position may go out, and "
        "sell 40.01 AAPL would take the position in AAPL from 100 to 59.99, or to -0.01 once "
        "the open orders fill"
    )


def test_halted_refuses_everything_even_a_reducing_order(kit: Kit) -> None:
    for side in ("buy", "sell"):
        decision = kit.check(
            kit.limits(),
            kit.order(side, "1"),
            trading_state=TradingState.HALTED,
            positions={"AAPL": Decimal(100)},
        )
        assert not decision.approved
        assert decision.rejection is not None and decision.rejection.rule == "trading_state"
        assert decision.reason == (
            "trading is halted: no order may go out, not even one that reduces a position"
        )


def test_active_lets_the_rules_decide(kit: Kit) -> None:
    decision = kit.check(kit.limits(), kit.order("buy", "1"), trading_state="active")
    assert decision.approved
    assert decision.checks[0].message == "trading state is active"


def test_a_daily_loss_breach_lets_out_only_reducing_orders(kit: Kit) -> None:
    limits = kit.limits(daily_loss_limit=1000)
    account = {"day_pnl": Decimal(-1500), "positions": {"AAPL": Decimal(100)}}
    assert kit.check(limits, kit.order("sell", "100"), **account).approved
    for side, qty in (("buy", "1"), ("sell", "100.01")):
        decision = kit.check(limits, kit.order(side, qty), **account)
        assert decision.rejection is not None
        assert decision.rejection.rule == "daily_loss_limit"
        assert decision.rejection.excess == Decimal(500)


EVERY_EXPOSURE_LIMIT = {
    "max_position_notional": 1,
    "max_position_weight": 0.0001,
    "max_gross_exposure": 1,
    "max_leverage": 0.0001,
    "check_buying_power": True,
    "allow_short": False,
    "restricted_symbols": ["AAPL"],
}


def test_a_reducing_order_passes_every_exposure_limit_even_when_the_book_breaks_them(
    kit: Kit,
) -> None:
    account = {
        "positions": {"AAPL": Decimal(1000), "MSFT": Decimal(5000)},
        "buying_power": Decimal(0),
    }
    limits = kit.limits(**EVERY_EXPOSURE_LIMIT)
    decision = kit.check(limits, kit.order("sell", "10"), **account)
    assert decision.approved, decision.reason
    reduced = {c.rule for c in decision.checks if "only reduces the position" in c.message}
    assert reduced == {
        "short_sale",
        "max_position_notional",
        "max_position_weight",
        "max_gross_exposure",
        "max_leverage",
        "buying_power",
        "restricted_symbol",
    }
    increase = kit.check(limits, kit.order("buy", "1"), **account)
    assert not increase.approved
    failed = {c.rule for c in increase.checks if not c.passed}
    assert failed == reduced - {"short_sale"}


@pytest.mark.parametrize(
    ("rule", "limits", "order", "account"),
    [
        ("max_order_notional", {"max_order_notional": 5000}, {"qty": "100"}, {}),
        ("price_band", {"price_band": 0.05}, {"qty": "1", "limit_price": "90"}, {}),
        ("market_hours", {"market_hours": "regular"}, {"qty": "1"}, {"market_open": False}),
        (
            "max_orders_per_minute",
            {"max_orders_per_minute": 1},
            {"qty": "1"},
            {"recent_orders": [Kit().now]},
        ),
    ],
)
def test_the_mistake_guards_hold_for_reducing_orders_too(
    kit: Kit, rule: str, limits: dict[str, Any], order: dict[str, Any], account: dict[str, Any]
) -> None:
    decision = kit.check(
        kit.limits(**limits),
        kit.order("sell", **order),
        trading_state=TradingState.REDUCING,
        positions={"AAPL": Decimal(1000)},
        **account,
    )
    assert decision.checks[0].passed, "the order does reduce the position"
    assert decision.rejection is not None and decision.rejection.rule == rule


def test_restricted_symbols_allow_only_reducing_orders(kit: Kit) -> None:
    limits = kit.limits(restricted_symbols=["aapl"])
    held = {"positions": {"AAPL": Decimal(10)}}
    assert kit.check(limits, kit.order("sell", "10"), **held).approved
    for side, qty in (("buy", "1"), ("sell", "10.01")):
        decision = kit.check(limits, kit.order(side, qty), **held)
        assert decision.reason == (
            "AAPL is a restricted symbol: only orders that reduce a position in it may go out"
        )
    assert kit.check(limits, kit.order("buy", "1", symbol="MSFT")).approved


def test_short_sales_are_refused_unless_allowed_and_shortable(kit: Kit) -> None:
    no_shorts = kit.limits(allow_short=False)
    held = {"positions": {"AAPL": Decimal(10)}}
    assert kit.check(no_shorts, kit.order("sell", "10"), **held).approved
    crossing = kit.check(no_shorts, kit.order("sell", "10.01"), **held)
    assert crossing.reason == (
        "sell 10.01 AAPL would leave AAPL short 0.01, and short sales are not allowed "
        "(allow_short is off)"
    )
    assert crossing.rejection is not None and crossing.rejection.value == Decimal("-0.01")
    assert not kit.check(no_shorts, kit.order("sell", "1")).approved, "opening a short"
    pending_sells = {**held, "pending": {"AAPL": Decimal(-5)}}
    assert not kit.check(no_shorts, kit.order("sell", "6"), **pending_sells).approved
    already_short = {"positions": {"AAPL": Decimal(-10)}}
    assert kit.check(no_shorts, kit.order("buy", "5"), **already_short).approved

    shorts = kit.limits(allow_short=True)
    assert kit.check(shorts, kit.order("sell", "1")).approved
    hard_to_borrow = kit.check(shorts, kit.order("sell", "1"), shortable=lambda s: s != "AAPL")
    assert hard_to_borrow.reason == "AAPL cannot be sold short: it is not shortable"
    assert kit.check(shorts, kit.order("sell", "10"), shortable=lambda s: False, **held).approved


@pytest.mark.parametrize(
    ("setting", "regular", "extended", "flagged", "passes", "message"),
    [
        ("regular", True, False, False, True, "the regular session is open"),
        (
            "regular",
            False,
            True,
            True,
            False,
            "the regular session is closed (market_hours=regular)",
        ),
        ("extended", True, False, False, True, "the regular session is open"),
        (
            "extended",
            False,
            True,
            True,
            True,
            "the extended-hours session is open and the order is flagged for it",
        ),
        (
            "extended",
            False,
            True,
            False,
            False,
            "the regular session is closed, and only an order flagged extended_hours may go out "
            "in the extended-hours session (market_hours=extended)",
        ),
        (
            "extended",
            False,
            False,
            True,
            False,
            "neither the regular nor the extended-hours session is open (market_hours=extended)",
        ),
        ("any", False, False, False, True, None),
    ],
)
def test_market_hours(
    kit: Kit,
    setting: str,
    regular: bool,
    extended: bool,
    flagged: bool,
    passes: bool,
    message: str | None,
) -> None:
    decision = kit.check(
        kit.limits(market_hours=setting),
        kit.order("buy", "1", extended_hours=flagged),
        market_open=regular,
        extended_open=extended,
    )
    assert decision.approved is passes
    check = decision.check_for("market_hours")
    if message is None:
        assert check is None, "market_hours=any switches the rule off"
    else:
        assert check is not None and check.message == message
