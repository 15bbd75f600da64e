"""What the gate knows about the account when an order arrives: a snapshot the OMS builds.

The gate reads nothing else (no ledger, no broker, no clock), so one decision is a pure function
of the order, the limits and this snapshot, and replaying the snapshot from the audit chain
gives the same decision.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType

from workbench.core.errors import DataError
from workbench.model import TradingState

__all__ = ["RiskContext"]

_EMPTY: Mapping[str, Decimal] = MappingProxyType({})


@dataclass(frozen=True)
class RiskContext:
    """The account as the gate sees it before one order.

    ``positions`` and ``pending`` are signed quantities (negative is short); ``pending`` holds
    the open orders not yet filled, not counting the order being checked. ``prices`` must cover
    the order's symbol and, when gross exposure or leverage is limited, every symbol held or
    pending. ``recent_orders`` are the send times of orders already sent; only those in the 60 s
    before ``now`` count. ``shortable`` answers whether a symbol may be sold short (None: any).
    ``actor_orders_today`` and ``actor_notional_today`` are what the order's actor kind
    (``mcp:``) already placed in the trading day, when the gate limits that kind (docs/risk.md).
    """

    now: datetime
    trading_state: TradingState
    equity: Decimal
    cash: Decimal
    buying_power: Decimal
    positions: Mapping[str, Decimal]
    prices: Mapping[str, Decimal]
    pending: Mapping[str, Decimal] = field(default_factory=lambda: _EMPTY)
    recent_orders: Sequence[datetime] = ()
    day_pnl: Decimal = Decimal(0)
    market_open: bool = True
    extended_open: bool = False
    shortable: Callable[[str], bool] | None = None
    actor_orders_today: int = 0
    actor_notional_today: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            # a naive time cannot be compared with the aware send times in recent_orders
            raise DataError(f"RiskContext.now must be timezone-aware, got {self.now.isoformat()}")
        object.__setattr__(self, "trading_state", TradingState(self.trading_state))
