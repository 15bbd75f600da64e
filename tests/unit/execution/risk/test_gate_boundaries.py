"""Every measuring rule at its boundary: just under passes, exactly at passes, just over refuses
with a message that names the rule, the value, the limit and the excess; and off when None.

The account: 100,000.00 equity, AAPL and MSFT at 100.00 (conftest).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.unit.execution.risk.conftest import NOW, Kit

pytestmark = pytest.mark.requirement("RSK-01")


@dataclass(frozen=True)
class Level:
    """One order and the account it meets."""

    side: str = "buy"
    qty: str = "1"
    order: dict[str, Any] = field(default_factory=dict)
    account: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Boundary:
    rule: str
    limits: dict[str, Any]
    under: Level
    at: Level
    over: Level
    message: str
    excess: Decimal | float | int
    off: dict[str, Any]


def _sent(count: int) -> dict[str, Any]:
    return {"recent_orders": [NOW - timedelta(seconds=10 + i) for i in range(count)]}


MSFT_300 = {"positions": {"MSFT": Decimal(300)}}
MSFT_1000 = {"positions": {"MSFT": Decimal(1000)}}
AAPL_200 = {"positions": {"AAPL": Decimal(200)}}

BOUNDARIES = [
    Boundary(
        "max_order_notional",
        {"max_order_notional": 10_000},
        Level(qty="99.99"),
        Level(qty="100"),
        Level(qty="100.01"),
        "order notional 10,001.00 exceeds max_order_notional 10,000.00 by 1.00",
        Decimal(1),
        {"max_order_notional": None},
    ),
    Boundary(
        "max_position_notional",
        {"max_position_notional": 25_000},
        Level(qty="49.99", account=AAPL_200),
        Level(qty="50", account=AAPL_200),
        Level(qty="50.01", account=AAPL_200),
        "AAPL position value after the order 25,001.00 exceeds max_position_notional "
        "25,000.00 by 1.00",
        Decimal(1),
        {"max_position_notional": None},
    ),
    Boundary(
        "max_position_weight",
        {"max_position_weight": 0.25},
        Level(qty="249.99"),
        Level(qty="250"),
        Level(qty="250.01"),
        "AAPL position weight after the order 25.001% exceeds max_position_weight 25% by 0.001%",
        0.00001,
        {"max_position_weight": None},
    ),
    Boundary(
        "max_gross_exposure",
        {"max_gross_exposure": 50_000},
        Level(qty="199.99", account=MSFT_300),
        Level(qty="200", account=MSFT_300),
        Level(qty="200.01", account=MSFT_300),
        "gross exposure after the order 50,001.00 exceeds max_gross_exposure 50,000.00 by 1.00",
        Decimal(1),
        {"max_gross_exposure": None},
    ),
    Boundary(
        "max_leverage",
        {"max_leverage": 1.5},
        Level(qty="499.99", account=MSFT_1000),
        Level(qty="500", account=MSFT_1000),
        Level(qty="500.01", account=MSFT_1000),
        "leverage (gross exposure / equity) after the order 1.50001x exceeds max_leverage 1.5x "
        "by 0.00001x",
        0.00001,
        {"max_leverage": None},
    ),
    Boundary(
        "buying_power",
        {"check_buying_power": True},
        Level(qty="99.99", account={"buying_power": Decimal(10_000)}),
        Level(qty="100", account={"buying_power": Decimal(10_000)}),
        Level(qty="100.01", account={"buying_power": Decimal(10_000)}),
        "estimated cost 10,001.00 exceeds buying power 10,000.00 by 1.00",
        Decimal(1),
        {"check_buying_power": False},
    ),
    Boundary(
        "price_band",
        {"price_band": 0.05},
        Level(order={"limit_price": "104.99"}),
        Level(order={"limit_price": "105"}),
        Level(order={"limit_price": "105.01"}),
        "limit price 105.01 is 5.01% from the last price 100.00, beyond price_band 5% by 0.01%",
        0.0001,
        {"price_band": None},
    ),
    Boundary(
        "price_band",
        {"price_band": 0.05},
        Level(side="sell", order={"stop_price": "95.01"}),
        Level(side="sell", order={"stop_price": "95"}),
        Level(side="sell", order={"stop_price": "94.99"}),
        "stop price 94.99 is 5.01% from the last price 100.00, beyond price_band 5% by 0.01%",
        0.0001,
        {"price_band": None},
    ),
    Boundary(
        "max_orders_per_minute",
        {"max_orders_per_minute": 5},
        Level(account=_sent(3)),
        Level(account=_sent(4)),
        Level(account=_sent(5)),
        "order 6 in the last 60 s exceeds max_orders_per_minute 5 by 1",
        1,
        {"max_orders_per_minute": None},
    ),
]
IDS = [f"{case.rule}-{i}" for i, case in enumerate(BOUNDARIES)]


def _decide(kit: Kit, case: Boundary, level: Level, **limits: Any) -> Any:
    order = kit.order(level.side, level.qty, **level.order)
    return kit.check(kit.limits(**{**case.limits, **limits}), order, **level.account)


@pytest.mark.parametrize("case", BOUNDARIES, ids=IDS)
def test_just_under_and_exactly_at_the_limit_pass(kit: Kit, case: Boundary) -> None:
    for level in (case.under, case.at):
        decision = _decide(kit, case, level)
        assert decision.approved, decision.reason
        check = decision.check_for(case.rule)
        assert check is not None and check.passed
        assert "within" in check.message
        assert check.excess is None


@pytest.mark.parametrize("case", BOUNDARIES, ids=IDS)
def test_just_over_the_limit_is_refused_naming_the_rule_and_the_excess(
    kit: Kit, case: Boundary
) -> None:
    decision = _decide(kit, case, case.over)
    assert not decision.approved
    rejection = decision.rejection
    assert rejection is not None
    assert rejection.rule == case.rule
    assert decision.reason == case.message
    assert rejection.excess == pytest.approx(case.excess)
    assert type(rejection.excess) is type(case.excess)


@pytest.mark.parametrize("case", BOUNDARIES, ids=IDS)
def test_a_rule_switched_off_lets_the_same_order_through(kit: Kit, case: Boundary) -> None:
    decision = _decide(kit, case, case.over, **case.off)
    assert decision.approved, decision.reason
    assert decision.check_for(case.rule) is None


def test_the_daily_loss_limit_is_reached_at_the_limit(kit: Kit) -> None:
    """A loss limit is a stop, not an allowance: losing exactly the limit stops new exposure."""
    limits = kit.limits(daily_loss_limit=1000)
    buy = kit.order("buy", "1")
    under = kit.check(limits, buy, day_pnl=Decimal("-999.99"))
    assert under.approved
    check = under.check_for("daily_loss_limit")
    assert check is not None and check.passed
    assert check.message == "day loss 999.99 is within daily_loss_limit 1,000.00"
    at = kit.check(limits, buy, day_pnl=Decimal(-1000))
    assert at.rejection is not None and at.rejection.rule == "daily_loss_limit"
    assert at.reason == (
        "day loss 1,000.00 has reached daily_loss_limit 1,000.00: "
        "only orders that reduce a position may go out"
    )
    assert at.rejection.excess == Decimal(0)
    over = kit.check(limits, buy, day_pnl=Decimal("-1000.01"))
    assert over.reason == (
        "day loss 1,000.01 has reached daily_loss_limit 1,000.00 (over by 0.01): "
        "only orders that reduce a position may go out"
    )
    assert over.rejection is not None and over.rejection.excess == Decimal("0.01")
    gain = kit.check(limits, buy, day_pnl=Decimal(250))
    assert gain.approved
    gain_check = gain.check_for("daily_loss_limit")
    assert gain_check is not None
    assert gain_check.message == "day P&L 250.00 is within daily_loss_limit 1,000.00"
    assert kit.check(kit.limits(), buy, day_pnl=Decimal(-(10**9))).approved, "off when None"


def test_an_order_sent_exactly_60_s_ago_has_left_the_window(kit: Kit) -> None:
    limits = kit.limits(max_orders_per_minute=1)
    buy = kit.order("buy", "1")
    just_inside = [NOW - timedelta(seconds=59, microseconds=999_999)]
    assert not kit.check(limits, buy, recent_orders=just_inside).approved
    assert kit.check(limits, buy, recent_orders=[NOW - timedelta(seconds=60)]).approved


def test_a_tenth_of_a_cent_under_still_reads_as_under(kit: Kit) -> None:
    limits = kit.limits(max_order_notional=Decimal("100.00"), daily_loss_limit=Decimal(100))
    decision = kit.check(limits, kit.order("buy", "0.99999"), day_pnl=Decimal("-99.999"))
    assert decision.approved
    order_notional = decision.check_for("max_order_notional")
    assert order_notional is not None
    assert order_notional.message == ("order notional 99.999 is within max_order_notional 100.000")
    loss = decision.check_for("daily_loss_limit")
    assert loss is not None
    assert loss.message == "day loss 99.999 is within daily_loss_limit 100.000"


def test_a_tenth_of_a_cent_over_still_reads_as_over(kit: Kit) -> None:
    limits = kit.limits(max_order_notional=Decimal("100.00"))
    decision = kit.check(limits, kit.order("buy", "1.00001"))
    assert decision.reason == ("order notional 100.001 exceeds max_order_notional 100.000 by 0.001")
