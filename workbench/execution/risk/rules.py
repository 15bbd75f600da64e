"""The rules about the state of trading and the order itself: trading state, a known price,
restricted symbols, market hours, the price band, the order rate and the daily loss limit.

Each rule takes the limits, the order, its measurement and the context, and returns a
``RiskCheck`` (or None when it cannot be evaluated). Rules that measure something compare
with ``<=``: at the limit passes.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from workbench.execution.risk._format import (
    Shown,
    money,
    percent,
    price_text,
    quantity,
    side_by_side,
)
from workbench.execution.risk.context import RiskContext
from workbench.execution.risk.decision import RiskCheck
from workbench.execution.risk.exposure import OrderExposure
from workbench.execution.risk.limits import GateLimits
from workbench.model import OrderRequest, OrderType, TradingState

__all__ = [
    "REDUCES",
    "daily_loss_limit",
    "describe",
    "market_hours",
    "max_orders_per_minute",
    "measured",
    "price_band",
    "price_known",
    "restricted_symbol",
    "trading_state",
]

REDUCES = "the order only reduces the position"
_MINUTE = timedelta(seconds=60)
_HAS_LIMIT = frozenset({OrderType.LIMIT, OrderType.STOP_LIMIT})
_HAS_STOP = frozenset({OrderType.STOP, OrderType.STOP_LIMIT})


def trading_state(
    limits: GateLimits, request: OrderRequest, order: OrderExposure, context: RiskContext
) -> RiskCheck:
    state = context.trading_state
    if state is TradingState.ACTIVE:
        return RiskCheck("trading_state", True, "trading state is active")
    if state is TradingState.HALTED:
        return RiskCheck(
            "trading_state",
            False,
            "trading is halted: no order may go out, not even one that reduces a position",
        )
    if order.reducing:
        return RiskCheck("trading_state", True, f"trading state is reducing, and {REDUCES}")
    return RiskCheck(
        "trading_state",
        False,
        "trading state is reducing: only orders that reduce a position may go out, and "
        + _would(request, order),
    )


def price_known(
    limits: GateLimits, request: OrderRequest, order: OrderExposure, context: RiskContext
) -> RiskCheck:
    if order.last is None:
        return RiskCheck(
            "price_known",
            False,
            f"no last price for {order.symbol}: risk cannot be measured without one",
        )
    if limits.needs_book and not order.reducing:
        missing = order.book()[1]
        if missing:
            return RiskCheck(
                "price_known",
                False,
                f"no last price for {', '.join(missing)} (held or on order): the book's gross "
                "exposure cannot be measured",
            )
    return RiskCheck(
        "price_known", True, f"last price of {order.symbol} is {price_text(order.last)}"
    )


def restricted_symbol(
    limits: GateLimits, request: OrderRequest, order: OrderExposure, context: RiskContext
) -> RiskCheck:
    symbol = order.symbol
    if symbol not in limits.restricted_symbols:
        return RiskCheck("restricted_symbol", True, f"{symbol} is not restricted")
    if order.reducing:
        return RiskCheck("restricted_symbol", True, f"{symbol} is restricted, and {REDUCES}")
    return RiskCheck(
        "restricted_symbol",
        False,
        f"{symbol} is a restricted symbol: only orders that reduce a position in it may go out",
    )


def market_hours(
    limits: GateLimits, request: OrderRequest, order: OrderExposure, context: RiskContext
) -> RiskCheck:
    if context.market_open:
        return RiskCheck("market_hours", True, "the regular session is open")
    if limits.market_hours == "regular":
        return RiskCheck(
            "market_hours", False, "the regular session is closed (market_hours=regular)"
        )
    if not context.extended_open:
        return RiskCheck(
            "market_hours",
            False,
            "neither the regular nor the extended-hours session is open (market_hours=extended)",
        )
    if not request.extended_hours:
        return RiskCheck(
            "market_hours",
            False,
            "the regular session is closed, and only an order flagged extended_hours may go "
            "out in the extended-hours session (market_hours=extended)",
        )
    return RiskCheck(
        "market_hours", True, "the extended-hours session is open and the order is flagged for it"
    )


def price_band(
    limits: GateLimits, request: OrderRequest, order: OrderExposure, context: RiskContext
) -> RiskCheck | None:
    last, band = order.last, limits.price_band
    if last is None or band is None:
        return None
    worst = None
    for name, price in (
        ("limit price", request.limit_price if request.type in _HAS_LIMIT else None),
        ("stop price", request.stop_price if request.type in _HAS_STOP else None),
    ):
        if price is not None:
            away = abs(price - last) / last
            if worst is None or away > worst[2]:
                worst = (name, price, away)
    if worst is None:
        return RiskCheck("price_band", True, f"a {request.type} order has no price to check")
    name, price, away = worst
    away_text, band_text, digits = side_by_side(percent, away, band)
    shown = f"{name} {price_text(price)} is {away_text} from the last price {price_text(last)}"
    if away <= band:
        message = f"{shown}, within price_band {band_text}"
        return RiskCheck("price_band", True, message, float(band), float(away))
    message = f"{shown}, beyond price_band {band_text} by {percent(away - band, digits)}"
    return RiskCheck("price_band", False, message, float(band), float(away))


def max_orders_per_minute(
    limits: GateLimits, request: OrderRequest, order: OrderExposure, context: RiskContext
) -> RiskCheck | None:
    limit = limits.max_orders_per_minute
    if limit is None:
        return None
    since = context.now - _MINUTE
    count = 1 + sum(1 for sent in context.recent_orders if sent > since)
    if count <= limit:
        return RiskCheck(
            "max_orders_per_minute",
            True,
            f"order {count} in the last 60 s is within max_orders_per_minute {limit}",
            limit,
            count,
        )
    return RiskCheck(
        "max_orders_per_minute",
        False,
        f"order {count} in the last 60 s exceeds max_orders_per_minute {limit} by {count - limit}",
        limit,
        count,
    )


def daily_loss_limit(
    limits: GateLimits, request: OrderRequest, order: OrderExposure, context: RiskContext
) -> RiskCheck | None:
    limit = limits.daily_loss_limit
    if limit is None:
        return None
    loss = -context.day_pnl
    loss_text, limit_text, digits = side_by_side(money, loss, limit)
    shown = f"day loss {loss_text}" if loss > 0 else f"day P&L {money(context.day_pnl, digits)}"
    if loss < limit:
        message = f"{shown} is within daily_loss_limit {limit_text}"
        return RiskCheck("daily_loss_limit", True, message, limit, loss)
    reached = f"{shown} has reached daily_loss_limit {limit_text}"
    if loss > limit:
        reached += f" (over by {money(loss - limit, digits)})"
    if order.reducing:
        return RiskCheck("daily_loss_limit", True, f"{reached}, and {REDUCES}", limit, loss)
    return RiskCheck(
        "daily_loss_limit",
        False,
        f"{reached}: only orders that reduce a position may go out",
        limit,
        loss,
    )


def measured(
    rule: str,
    what: str,
    value: Decimal,
    limit: Decimal,
    *,
    shown: Shown = money,
    limit_name: str | None = None,
    fraction: bool = False,
) -> RiskCheck:
    """A check of ``value <= limit`` whose message states the value, the limit and the excess;
    ``fraction`` reports both as floats (the comparison stays exact, in Decimal)."""
    name = limit_name or rule
    reported_limit: Decimal | float = float(limit) if fraction else limit
    reported_value: Decimal | float = float(value) if fraction else value
    value_text, limit_text, digits = side_by_side(shown, value, limit)
    if value <= limit:
        message = f"{what} {value_text} is within {name} {limit_text}"
        return RiskCheck(rule, True, message, reported_limit, reported_value)
    message = f"{what} {value_text} exceeds {name} {limit_text} by {shown(value - limit, digits)}"
    return RiskCheck(rule, False, message, reported_limit, reported_value)


def describe(request: OrderRequest) -> str:
    """``sell 10 AAPL`` or ``buy 1,000.00 of AAPL``: the order as its messages name it."""
    if request.qty is not None:
        return f"{request.side} {quantity(request.qty)} {request.symbol}"
    return f"{request.side} {money(request.notional or Decimal(0))} of {request.symbol}"


def _would(request: OrderRequest, order: OrderExposure) -> str:
    change = order.change
    if change is None:
        return f"{describe(request)} cannot be sized without a last price"
    message = (
        f"{describe(request)} would take the position in {order.symbol} "
        f"from {quantity(order.held)} to {quantity(order.held + change)}"
    )
    if order.pending:
        with_pending = order.held + order.pending + change
        message += f", or to {quantity(with_pending)} once the open orders fill"
    return message
