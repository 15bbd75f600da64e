"""The pre-trade risk gate: every order passes it before the OMS sends it (docs/risk.md).

The limits become plain attributes once, in ``__init__``, and only the rules switched on are
kept: ``check`` sits in the orders-per-second path and touches no pydantic. The rules run in a
fixed order and all of them run, so the audit chain records every verdict, not only the first
refusal. At the limit passes, above it refuses; the daily loss limit is the one rule reached
at its limit, because it is a stop rather than an allowance.

Orders that only reduce a position pass the exposure rules (position notional and weight,
gross exposure, leverage, buying power, short sales), the daily loss limit, restricted symbols
and the REDUCING state, because they only lower risk. The rules that catch mistakes rather than
exposure (HALTED, market hours, price band, order notional, orders per minute) hold for every
order.

The actor rules (``risk.actors``: allowed symbols, notional per order and per day, orders per
day) are switched on only in a gate made for an actor kind with limits, such as an AI
assistant's ``mcp:``, and bind every order of that kind, closing ones too.
"""

from __future__ import annotations

from collections.abc import Callable

from workbench.core.config import ActorScope, RiskLimits
from workbench.execution.risk import actor_rules, exposure_rules, rules
from workbench.execution.risk.context import RiskContext
from workbench.execution.risk.decision import RiskCheck, RiskDecision
from workbench.execution.risk.exposure import OrderExposure
from workbench.execution.risk.limits import GateLimits
from workbench.model import OrderRequest

__all__ = ["RULES", "RiskGate"]

Rule = Callable[[GateLimits, OrderRequest, OrderExposure, RiskContext], RiskCheck | None]

#: every rule, in the order the gate runs them (the first failure is the decision's reason)
RULES: tuple[tuple[str, Rule], ...] = (
    ("trading_state", rules.trading_state),
    ("price_known", rules.price_known),
    ("restricted_symbol", rules.restricted_symbol),
    ("actor_allowed_symbols", actor_rules.actor_allowed_symbols),
    ("market_hours", rules.market_hours),
    ("price_band", rules.price_band),
    ("max_orders_per_minute", rules.max_orders_per_minute),
    ("actor_max_orders_per_day", actor_rules.actor_max_orders_per_day),
    ("daily_loss_limit", rules.daily_loss_limit),
    ("short_sale", exposure_rules.short_sale),
    ("max_order_notional", exposure_rules.max_order_notional),
    ("actor_max_order_notional", actor_rules.actor_max_order_notional),
    ("actor_max_notional_per_day", actor_rules.actor_max_notional_per_day),
    ("max_position_notional", exposure_rules.max_position_notional),
    ("max_position_weight", exposure_rules.max_position_weight),
    ("max_gross_exposure", exposure_rules.max_gross_exposure),
    ("max_leverage", exposure_rules.max_leverage),
    ("buying_power", exposure_rules.buying_power),
)


class RiskGate:
    """Checks one order against the limits and a context; keeps no state between orders.
    ``actor``: the limits of the kind of actor whose orders this gate checks (``risk.actors``),
    on top of ``limits``; None for an actor whose kind has none."""

    def __init__(self, limits: RiskLimits, actor: ActorScope | None = None) -> None:
        self.limits = limits
        self.actor = actor
        self._plain = plain = GateLimits(limits, actor)
        scoped = actor.limits if actor is not None else None
        switched_on = {
            "actor_allowed_symbols": scoped is not None and bool(scoped.allowed_symbols),
            "actor_max_orders_per_day": scoped is not None
            and scoped.max_orders_per_day is not None,
            "actor_max_order_notional": scoped is not None
            and scoped.max_order_notional is not None,
            "actor_max_notional_per_day": scoped is not None
            and scoped.max_notional_per_day is not None,
            "restricted_symbol": bool(plain.restricted_symbols),
            "market_hours": plain.market_hours != "any",
            "price_band": plain.price_band is not None,
            "max_orders_per_minute": plain.max_orders_per_minute is not None,
            "daily_loss_limit": plain.daily_loss_limit is not None,
            "max_order_notional": plain.max_order_notional is not None,
            "max_position_notional": plain.max_position_notional is not None,
            "max_position_weight": plain.max_position_weight is not None,
            "max_gross_exposure": plain.max_gross_exposure is not None,
            "max_leverage": plain.max_leverage is not None,
            "buying_power": plain.check_buying_power,
        }
        self._rules = tuple(rule for name, rule in RULES if switched_on.get(name, True))

    @property
    def rules(self) -> tuple[str, ...]:
        """The names of the rules switched on, in the order they run."""
        return tuple(name for name, rule in RULES if rule in self._rules)

    def check(self, request: OrderRequest, context: RiskContext) -> RiskDecision:
        order = OrderExposure(request, context)
        plain = self._plain
        checks = []
        approved = True
        for rule in self._rules:
            check = rule(plain, request, order, context)
            if check is not None:
                checks.append(check)
                if not check.passed:
                    approved = False
        return RiskDecision(approved, tuple(checks))

    def reduces_exposure(self, request: OrderRequest, context: RiskContext) -> bool:
        """True when the order moves the position toward zero without crossing through it,
        counting the open orders that already close part of it."""
        return OrderExposure(request, context).reducing
