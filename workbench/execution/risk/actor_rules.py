"""The rules on one kind of actor's orders (``risk.actors``, e.g. an AI assistant's ``mcp:``):
allowed symbols, notional per order, orders per day and notional per day.

They run only for an order whose actor kind has limits configured, on top of every other
rule, and they bind closing orders too: an assistant's cap is a cap on what it may send,
whichever way. What the kind placed earlier in the trading day is in the context
(``actor_orders_today``, ``actor_notional_today``), counted from the ledger by the OMS, so the
day's caps hold across processes and restarts.
"""

from __future__ import annotations

from workbench.execution.risk._format import money
from workbench.execution.risk.context import RiskContext
from workbench.execution.risk.decision import RiskCheck
from workbench.execution.risk.exposure import OrderExposure
from workbench.execution.risk.limits import GateLimits
from workbench.execution.risk.rules import measured
from workbench.model import OrderRequest

__all__ = [
    "actor_allowed_symbols",
    "actor_max_notional_per_day",
    "actor_max_order_notional",
    "actor_max_orders_per_day",
]


def actor_allowed_symbols(
    limits: GateLimits, request: OrderRequest, order: OrderExposure, context: RiskContext
) -> RiskCheck | None:
    scope = limits.actor
    if scope is None or not scope.limits.allowed_symbols:
        return None
    allowed = scope.limits.allowed_symbols
    setting = f"{scope.setting}.allowed_symbols"
    if order.symbol in allowed:
        return RiskCheck(
            "actor_allowed_symbols", True, f"{order.symbol} is in {setting} of {scope.prefix}"
        )
    return RiskCheck(
        "actor_allowed_symbols",
        False,
        f"{order.symbol} is not in {setting} ({', '.join(allowed)}): {scope.prefix} orders "
        "may trade only those",
    )


def actor_max_order_notional(
    limits: GateLimits, request: OrderRequest, order: OrderExposure, context: RiskContext
) -> RiskCheck | None:
    scope, notional = limits.actor, order.notional
    if scope is None or scope.limits.max_order_notional is None or notional is None:
        return None
    return measured(
        "actor_max_order_notional",
        f"{scope.prefix} order notional",
        notional,
        scope.limits.max_order_notional,
        limit_name=f"{scope.setting}.max_order_notional",
    )


def actor_max_orders_per_day(
    limits: GateLimits, request: OrderRequest, order: OrderExposure, context: RiskContext
) -> RiskCheck | None:
    scope = limits.actor
    if scope is None or scope.limits.max_orders_per_day is None:
        return None
    limit = scope.limits.max_orders_per_day
    count = context.actor_orders_today + 1
    shown = f"{scope.prefix} order {count} of the trading day"
    setting = f"{scope.setting}.max_orders_per_day"
    if count <= limit:
        message = f"{shown} is within {setting} {limit}"
        return RiskCheck("actor_max_orders_per_day", True, message, limit, count)
    message = f"{shown} exceeds {setting} {limit} by {count - limit}"
    return RiskCheck("actor_max_orders_per_day", False, message, limit, count)


def actor_max_notional_per_day(
    limits: GateLimits, request: OrderRequest, order: OrderExposure, context: RiskContext
) -> RiskCheck | None:
    scope, notional = limits.actor, order.notional
    if scope is None or scope.limits.max_notional_per_day is None or notional is None:
        return None
    before = context.actor_notional_today
    return measured(
        "actor_max_notional_per_day",
        f"{scope.prefix} notional of the trading day with this order ({money(before)} before it)",
        before + notional,
        scope.limits.max_notional_per_day,
        limit_name=f"{scope.setting}.max_notional_per_day",
    )
