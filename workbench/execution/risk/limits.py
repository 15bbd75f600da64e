"""The limits as the gate reads them on every order: plain attributes, made once.

``RiskLimits`` (a pydantic model in ``workbench.core.settings_sections``, so settings can hold
it) is the configured form; reading a pydantic attribute per rule per order would cost the gate
its speed.
Fractions become Decimals here so a boundary such as 0.15 / 3 against a band of 0.05 compares
exactly, as the money does.
"""

from __future__ import annotations

from decimal import Decimal

from workbench.core.config import ActorScope, RiskLimits

__all__ = ["GateLimits"]


class GateLimits:
    __slots__ = (
        "actor",
        "allow_short",
        "check_buying_power",
        "daily_loss_limit",
        "market_hours",
        "max_gross_exposure",
        "max_leverage",
        "max_order_notional",
        "max_orders_per_minute",
        "max_position_notional",
        "max_position_weight",
        "needs_book",
        "price_band",
        "restricted_symbols",
    )

    def __init__(self, limits: RiskLimits, actor: ActorScope | None = None) -> None:
        #: the limits of the order's actor kind (``risk.actors``), None when it has none
        self.actor = actor
        self.max_order_notional = limits.max_order_notional
        self.max_position_notional = limits.max_position_notional
        self.max_position_weight = _exact(limits.max_position_weight)
        self.max_gross_exposure = limits.max_gross_exposure
        self.max_leverage = _exact(limits.max_leverage)
        self.daily_loss_limit = limits.daily_loss_limit
        self.max_orders_per_minute = limits.max_orders_per_minute
        self.restricted_symbols = frozenset(limits.restricted_symbols)
        self.price_band = _exact(limits.price_band)
        self.check_buying_power = limits.check_buying_power
        self.allow_short = limits.allow_short
        self.market_hours = limits.market_hours
        #: gross exposure and leverage sum the whole book, so they need every held symbol's price
        self.needs_book = self.max_gross_exposure is not None or self.max_leverage is not None


def _exact(fraction: float | None) -> Decimal | None:
    # through str: Decimal(0.1) would carry the float's binary expansion into the comparison
    return None if fraction is None else Decimal(str(fraction))
