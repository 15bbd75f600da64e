"""The rules on one kind of actor's orders (``risk.actors``): allowed symbols, notional per
order, orders and notional per trading day. Each refusal names the rule, the setting, the
value, the limit and the excess; an actor kind without limits meets none of them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.unit.execution.risk.conftest import Kit
from workbench.core.config import ActorLimits, ActorScope, RiskSettings, load_settings
from workbench.core.errors import ConfigError, RiskRejected
from workbench.execution.risk import RiskDecision, RiskGate, RiskLimits

pytestmark = pytest.mark.requirement("RSK-03")

ACTOR_RULES = (
    "actor_allowed_symbols",
    "actor_max_orders_per_day",
    "actor_max_order_notional",
    "actor_max_notional_per_day",
)


def _mcp(**limits: Any) -> ActorScope:
    return ActorScope("mcp", ActorLimits(**limits))


def _check(kit: Kit, scope: ActorScope | None, order: Any, **context: Any) -> RiskDecision:
    return RiskGate(kit.limits(), scope).check(order, kit.context(**context))


def test_orders_per_day_counts_the_kinds_earlier_orders_and_refuses_past_the_cap(
    kit: Kit,
) -> None:
    scope = _mcp(max_orders_per_day=3)
    passed = _check(kit, scope, kit.order("buy", "1"), actor_orders_today=2)
    check = passed.check_for("actor_max_orders_per_day")
    assert check is not None and check.passed and (check.value, check.limit) == (3, 3)
    refused = _check(kit, scope, kit.order("buy", "1"), actor_orders_today=3)
    assert not refused.approved
    rejection = refused.rejection
    assert rejection is not None and rejection.rule == "actor_max_orders_per_day"
    assert (rejection.value, rejection.limit, rejection.excess) == (4, 3, 1)
    assert rejection.message == (
        "mcp: order 4 of the trading day exceeds risk.actors.mcp.max_orders_per_day 3 by 1"
    )


def test_notional_per_order_is_measured_at_the_gates_price(kit: Kit) -> None:
    scope = _mcp(max_order_notional=Decimal(1_000))
    assert _check(kit, scope, kit.order("buy", "10")).approved  # 10 x 100.00 at the limit
    refused = _check(kit, scope, kit.order("buy", "11"))
    rejection = refused.rejection
    assert rejection is not None and rejection.rule == "actor_max_order_notional"
    assert rejection.value == Decimal(1_100) and rejection.excess == Decimal(100)
    assert "exceeds risk.actors.mcp.max_order_notional 1,000.00 by 100.00" in rejection.message
    # a closing order is capped too: the cap is on what the actor may send
    held = {"AAPL": Decimal(50)}
    closing = _check(kit, scope, kit.order("sell", "11"), positions=held)
    assert closing.rejection is not None
    assert closing.rejection.rule == "actor_max_order_notional"


def test_notional_per_day_adds_the_order_to_what_the_kind_sent_today(kit: Kit) -> None:
    scope = _mcp(max_notional_per_day=Decimal(5_000))
    first = _check(kit, scope, kit.order("buy", "30"), actor_notional_today=Decimal(0))
    assert first.approved
    second = _check(kit, scope, kit.order("buy", "30"), actor_notional_today=Decimal(3_000))
    rejection = second.rejection
    assert rejection is not None and rejection.rule == "actor_max_notional_per_day"
    assert (rejection.value, rejection.limit) == (Decimal(6_000), Decimal(5_000))
    assert rejection.excess == Decimal(1_000)
    assert "(3,000.00 before it)" in rejection.message
    with pytest.raises(RiskRejected) as raised:
        second.raise_if_rejected()
    assert raised.value.details["rule"] == "actor_max_notional_per_day"
    assert raised.value.details["excess"] == "1000"


def test_a_notional_order_counts_its_notional(kit: Kit) -> None:
    scope = _mcp(max_order_notional=Decimal(500), max_notional_per_day=Decimal(800))
    decision = _check(
        kit, scope, kit.order("buy", notional="600"), actor_notional_today=Decimal(300)
    )
    assert [c.rule for c in decision.checks if not c.passed] == [
        "actor_max_order_notional",
        "actor_max_notional_per_day",
    ]


def test_symbols_outside_the_allowed_list_are_refused(kit: Kit) -> None:
    scope = _mcp(allowed_symbols=["aapl", " spy "])
    assert scope.limits.allowed_symbols == ["AAPL", "SPY"]
    assert _check(kit, scope, kit.order("buy", "1")).approved
    refused = _check(kit, scope, kit.order("buy", "1", symbol="MSFT"))
    rejection = refused.rejection
    assert rejection is not None and rejection.rule == "actor_allowed_symbols"
    assert rejection.message == (
        "MSFT is not in risk.actors.mcp.allowed_symbols (AAPL, SPY): mcp: orders may trade "
        "only those"
    )


def test_a_gate_without_actor_limits_runs_no_actor_rule(kit: Kit) -> None:
    order = kit.order("buy", "1000", symbol="MSFT")
    context = {"actor_orders_today": 99, "actor_notional_today": Decimal(10**9)}
    decision = _check(kit, None, order, **context)
    assert decision.approved
    assert not {c.rule for c in decision.checks} & set(ACTOR_RULES)
    # limits that are all off switch every actor rule off too
    assert not set(RiskGate(kit.limits(), _mcp()).rules) & set(ACTOR_RULES)


def test_settings_scope_the_limits_by_the_actors_kind() -> None:
    risk = RiskSettings()
    scope = risk.for_actor("mcp:alice")
    assert scope is not None and scope.prefix == "mcp:" and scope.limits.limits_anything
    assert risk.for_actor("cli:alice") is None
    assert risk.for_actor("runner") is None and risk.for_actor(None) is None
    custom = RiskSettings(actors={"api": ActorLimits(max_orders_per_day=1)})
    assert custom.for_actor("mcp:alice") is None
    found = custom.for_actor("API:bob")
    assert found is not None and found.limits.max_orders_per_day == 1


def test_bad_actor_settings_are_refused_with_the_setting_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ValueError, match="actor kind 'mcp:' is not a lower-case name"):
        RiskSettings(actors={"mcp:": ActorLimits()})
    monkeypatch.setenv("WB_RISK__ACTORS__MCP__MAX_ORDERS_PER_DAY", "0")
    with pytest.raises(ConfigError, match=r"risk\.actors\.mcp\.max_orders_per_day"):
        load_settings()
    monkeypatch.setenv("WB_RISK__ACTORS__MCP__MAX_ORDERS_PER_DAY", "4")
    monkeypatch.setenv("WB_RISK__ACTORS__MCP__ALLOWED_SYMBOLS", "aapl,msft")
    monkeypatch.setenv("WB_RISK__ACTORS__MCP__REQUIRE_APPROVAL", "true")
    scope = load_settings().risk.for_actor("mcp:x")
    assert scope is not None and scope.limits.max_orders_per_day == 4
    assert scope.limits.allowed_symbols == ["AAPL", "MSFT"] and scope.limits.require_approval


def test_the_base_limits_still_apply_to_a_scoped_order(kit: Kit) -> None:
    gate = RiskGate(kit.limits(max_order_notional=Decimal(100)), _mcp(max_orders_per_day=5))
    decision = gate.check(kit.order("buy", "2"), kit.context())
    assert decision.rejection is not None and decision.rejection.rule == "max_order_notional"
    assert isinstance(gate.limits, RiskLimits)
