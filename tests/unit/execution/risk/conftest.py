"""A kit for the risk gate's tests: limits with only the rules under test switched on, an
account snapshot of 100,000.00 equity with AAPL and MSFT at 100.00, and orders by side."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from workbench.execution.risk import RiskContext, RiskDecision, RiskGate, RiskLimits
from workbench.model import OrderRequest, OrderSide, OrderType, TradingState

NOW = datetime(2024, 5, 1, 15, 0, tzinfo=UTC)

#: every rule off: a test switches on the ones it is about
ALL_OFF: dict[str, Any] = {
    "max_order_notional": None,
    "max_position_notional": None,
    "max_position_weight": None,
    "max_gross_exposure": None,
    "max_leverage": None,
    "daily_loss_limit": None,
    "max_orders_per_minute": None,
    "restricted_symbols": [],
    "price_band": None,
    "check_buying_power": False,
    "allow_short": True,
    "market_hours": "any",
}


@dataclass(frozen=True)
class Kit:
    now: datetime = NOW

    def limits(self, **rules: Any) -> RiskLimits:
        return RiskLimits(**{**ALL_OFF, **rules})

    def context(self, **changes: Any) -> RiskContext:
        snapshot: dict[str, Any] = {
            "now": self.now,
            "trading_state": TradingState.ACTIVE,
            "equity": Decimal(100_000),
            "cash": Decimal(100_000),
            "buying_power": Decimal(1_000_000),
            "positions": {},
            "prices": {"AAPL": Decimal(100), "MSFT": Decimal(100)},
        }
        snapshot.update(changes)
        return RiskContext(**snapshot)

    def order(self, side: str, qty: str | None = None, **fields: Any) -> OrderRequest:
        fields.setdefault("symbol", "AAPL")
        if qty is not None:
            fields["qty"] = Decimal(qty)
        for name in ("notional", "limit_price", "stop_price"):
            if name in fields:
                fields[name] = Decimal(fields[name])
        if "limit_price" in fields:
            fields.setdefault("type", OrderType.STOP_LIMIT if "stop_price" in fields else "limit")
        elif "stop_price" in fields:
            fields.setdefault("type", OrderType.STOP)
        return OrderRequest(side=OrderSide(side), **fields)

    def check(self, limits: RiskLimits, order: OrderRequest, **changes: Any) -> RiskDecision:
        return RiskGate(limits).check(order, self.context(**changes))


@pytest.fixture
def kit() -> Kit:
    return Kit()
