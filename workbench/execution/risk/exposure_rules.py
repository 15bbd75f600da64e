"""The rules about what the order leaves on the book: short sales, order and position notional,
position weight, gross exposure, leverage and buying power.

An order that only reduces a position passes all but the order notional (a size guard against
typing mistakes, which hold for closing orders too). A rule whose inputs are missing (no price
for the order's symbol, or for a held symbol when the whole book is summed) returns None:
``price_known`` has already refused the order.
"""

from __future__ import annotations

from workbench.execution.risk._format import money, multiple, percent, quantity
from workbench.execution.risk.context import RiskContext
from workbench.execution.risk.decision import RiskCheck
from workbench.execution.risk.exposure import OrderExposure
from workbench.execution.risk.limits import GateLimits
from workbench.execution.risk.rules import REDUCES, describe, measured
from workbench.model import OrderRequest

__all__ = [
    "buying_power",
    "max_gross_exposure",
    "max_leverage",
    "max_order_notional",
    "max_position_notional",
    "max_position_weight",
    "short_sale",
]


def short_sale(
    limits: GateLimits, request: OrderRequest, order: OrderExposure, context: RiskContext
) -> RiskCheck | None:
    change = order.change
    if change is None:
        return None
    if order.reducing:
        return RiskCheck("short_sale", True, REDUCES)
    lowest = order.most_short_after(change)
    if lowest >= 0:
        return RiskCheck("short_sale", True, "the order leaves no short position")
    symbol = order.symbol
    if not limits.allow_short:
        return RiskCheck(
            "short_sale",
            False,
            f"{describe(request)} would leave {symbol} short {quantity(-lowest)}, and short "
            "sales are not allowed (allow_short is off)",
            value=lowest,
        )
    if context.shortable is not None and not context.shortable(symbol):
        return RiskCheck(
            "short_sale", False, f"{symbol} cannot be sold short: it is not shortable", value=lowest
        )
    return RiskCheck("short_sale", True, f"short sales are allowed and {symbol} is shortable")


def max_order_notional(
    limits: GateLimits, request: OrderRequest, order: OrderExposure, context: RiskContext
) -> RiskCheck | None:
    limit, notional = limits.max_order_notional, order.notional
    if limit is None or notional is None or order.price is None:
        return None
    return measured("max_order_notional", "order notional", notional, limit)


def max_position_notional(
    limits: GateLimits, request: OrderRequest, order: OrderExposure, context: RiskContext
) -> RiskCheck | None:
    limit, price, notional = limits.max_position_notional, order.price, order.notional
    if limit is None or price is None or notional is None:
        return None
    if order.reducing:
        return RiskCheck("max_position_notional", True, REDUCES, limit)
    value = order.position_value_after(price, notional)
    return measured(
        "max_position_notional", f"{order.symbol} position value after the order", value, limit
    )


def max_position_weight(
    limits: GateLimits, request: OrderRequest, order: OrderExposure, context: RiskContext
) -> RiskCheck | None:
    limit, price, notional = limits.max_position_weight, order.price, order.notional
    if limit is None or price is None or notional is None:
        return None
    if order.reducing:
        return RiskCheck("max_position_weight", True, REDUCES, float(limit))
    if context.equity <= 0:
        return _no_equity("max_position_weight", float(limit), context)
    weight = order.position_value_after(price, notional) / context.equity
    what = f"{order.symbol} position weight after the order"
    return measured("max_position_weight", what, weight, limit, shown=percent, fraction=True)


def max_gross_exposure(
    limits: GateLimits, request: OrderRequest, order: OrderExposure, context: RiskContext
) -> RiskCheck | None:
    limit, price, notional = limits.max_gross_exposure, order.price, order.notional
    if limit is None or price is None or notional is None:
        return None
    if order.reducing:
        return RiskCheck("max_gross_exposure", True, REDUCES, limit)
    others, missing = order.book()
    if missing:
        return None
    gross = others + order.position_value_after(price, notional)
    return measured("max_gross_exposure", "gross exposure after the order", gross, limit)


def max_leverage(
    limits: GateLimits, request: OrderRequest, order: OrderExposure, context: RiskContext
) -> RiskCheck | None:
    limit, price, notional = limits.max_leverage, order.price, order.notional
    if limit is None or price is None or notional is None:
        return None
    if order.reducing:
        return RiskCheck("max_leverage", True, REDUCES, float(limit))
    others, missing = order.book()
    if missing:
        return None
    if context.equity <= 0:
        return _no_equity("max_leverage", float(limit), context)
    leverage = (others + order.position_value_after(price, notional)) / context.equity
    what = "leverage (gross exposure / equity) after the order"
    return measured("max_leverage", what, leverage, limit, shown=multiple, fraction=True)


def buying_power(
    limits: GateLimits, request: OrderRequest, order: OrderExposure, context: RiskContext
) -> RiskCheck | None:
    price, notional, qty = order.price, order.notional, order.qty
    if not limits.check_buying_power or price is None or notional is None or qty is None:
        return None
    if order.reducing:
        return RiskCheck("buying_power", True, REDUCES, context.buying_power)
    cost = order.opening_cost(price, notional, qty)
    return measured(
        "buying_power", "estimated cost", cost, context.buying_power, limit_name="buying power"
    )


def _no_equity(rule: str, limit: float, context: RiskContext) -> RiskCheck:
    return RiskCheck(
        rule,
        False,
        f"equity {money(context.equity)} is not positive: no exposure may be added ({rule})",
        limit,
    )
