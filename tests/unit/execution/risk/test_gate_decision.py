"""The decision: every rule switched on, in the gate's order; JSON for the audit chain; and the
RiskRejected error carrying the rule, the limit, the value and the excess."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import pytest

from tests.unit.execution.risk.conftest import Kit
from workbench.core.config import ActorLimits, ActorScope
from workbench.core.errors import DataError, RiskRejected
from workbench.execution.risk import RULES, RiskContext, RiskGate, RiskLimits
from workbench.model import TradingState

pytestmark = pytest.mark.requirement("RSK-01")

EVERY_RULE_ON = {
    "max_order_notional": 50_000,
    "max_position_notional": 50_000,
    "max_position_weight": 0.5,
    "max_gross_exposure": 100_000,
    "max_leverage": 1.0,
    "daily_loss_limit": 5_000,
    "max_orders_per_minute": 10,
    "restricted_symbols": ["GME"],
    "price_band": 0.1,
    "check_buying_power": True,
    "allow_short": False,
    "market_hours": "regular",
}

#: an assistant's limits with every actor rule on
EVERY_ACTOR_RULE_ON = ActorScope(
    "mcp",
    ActorLimits(
        max_orders_per_day=5,
        max_order_notional=Decimal(50_000),
        max_notional_per_day=Decimal(100_000),
        allowed_symbols=["AAPL"],
    ),
)


def test_every_rule_switched_on_is_evaluated_in_the_fixed_order(kit: Kit) -> None:
    gate = RiskGate(kit.limits(**EVERY_RULE_ON), EVERY_ACTOR_RULE_ON)
    decision = gate.check(kit.order("buy", "10", limit_price="100.5"), kit.context())
    assert decision.approved, decision.reason
    assert [check.rule for check in decision.checks] == [name for name, _ in RULES]
    assert gate.rules == tuple(name for name, _ in RULES)
    assert all(check.passed and check.message for check in decision.checks)
    assert decision.rejection is None and decision.reason is None


def test_with_every_rule_off_only_state_price_and_short_sale_are_checked(kit: Kit) -> None:
    decision = kit.check(kit.limits(), kit.order("buy", "1000000"))
    assert [check.rule for check in decision.checks] == [
        "trading_state",
        "price_known",
        "short_sale",
    ]
    assert decision.approved


def test_the_first_failed_rule_is_the_reason_and_the_others_are_still_recorded(kit: Kit) -> None:
    decision = kit.check(kit.limits(**EVERY_RULE_ON), kit.order("buy", "1100"), market_open=False)
    failed = [check.rule for check in decision.checks if not check.passed]
    assert failed == [
        "market_hours",
        "max_order_notional",
        "max_position_notional",
        "max_position_weight",
        "max_gross_exposure",
        "max_leverage",
    ]
    assert decision.rejection is decision.checks[3]
    assert decision.reason == "the regular session is closed (market_hours=regular)"


def test_to_dict_is_json_with_decimals_as_strings(kit: Kit) -> None:
    decision = kit.check(kit.limits(**EVERY_RULE_ON), kit.order("buy", "600"))
    document = json.loads(json.dumps(decision.to_dict()))
    assert document["approved"] is False
    assert document["rule"] == "max_order_notional"
    assert document["reason"] == decision.reason
    assert len(document["checks"]) == len(decision.checks)
    order_notional = document["checks"][8]
    assert order_notional == {
        "rule": "max_order_notional",
        "passed": False,
        "message": "order notional 60,000.00 exceeds max_order_notional 50,000.00 by 10,000.00",
        "limit": "50000",
        "value": "60000",
        "excess": "10000",
    }
    weight = next(c for c in document["checks"] if c["rule"] == "max_position_weight")
    assert (weight["limit"], weight["value"], weight["excess"]) == (0.5, 0.6, 0.1)
    rate = next(c for c in document["checks"] if c["rule"] == "max_orders_per_minute")
    assert (rate["limit"], rate["value"], rate["passed"]) == (10, 1, True)


def test_raise_if_rejected_raises_risk_rejected_with_the_rule_limit_and_value(kit: Kit) -> None:
    refused = kit.check(kit.limits(max_order_notional=1000), kit.order("buy", "11"))
    with pytest.raises(RiskRejected) as caught:
        refused.raise_if_rejected()
    error = caught.value
    assert error.rule == "max_order_notional"
    assert error.message == "order notional 1,100.00 exceeds max_order_notional 1,000.00 by 100.00"
    assert error.details == {
        "rule": "max_order_notional",
        "limit": "1000",
        "value": "1100",
        "excess": "100",
    }
    assert json.loads(json.dumps(error.to_dict()))["error"] == "risk_rejected"
    kit.check(kit.limits(max_order_notional=1000), kit.order("buy", "10")).raise_if_rejected()


def test_the_default_limits_pass_an_ordinary_order_and_refuse_a_fat_finger(kit: Kit) -> None:
    gate = RiskGate(RiskLimits())
    context = kit.context(equity=Decimal(100_000), buying_power=Decimal(200_000))
    assert gate.check(kit.order("buy", "100"), context).approved
    fat_finger = gate.check(kit.order("buy", "100", limit_price="1000"), context)
    assert fat_finger.rejection is not None and fat_finger.rejection.rule == "price_band"
    closed = gate.check(kit.order("buy", "100"), kit.context(market_open=False))
    assert closed.rejection is not None and closed.rejection.rule == "market_hours"


def test_the_gate_keeps_no_state_between_orders(kit: Kit) -> None:
    gate = RiskGate(kit.limits(max_orders_per_minute=1))
    context = kit.context()
    first = gate.check(kit.order("buy", "1"), context)
    assert gate.check(kit.order("buy", "1"), context) == first
    assert first.approved, "the OMS, not the gate, records orders sent"


def test_a_context_needs_an_aware_now() -> None:
    with pytest.raises(DataError, match="must be timezone-aware"):
        RiskContext(
            now=datetime(2024, 5, 1, 15),  # naive: the time under test
            trading_state=TradingState.ACTIVE,
            equity=Decimal(1),
            cash=Decimal(1),
            buying_power=Decimal(1),
            positions={},
            prices={},
        )
