"""Enumerations shared by every layer. Values are the strings Alpaca uses where Alpaca has one."""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "AlertSeverity",
    "AlertState",
    "AssetClass",
    "OrderClass",
    "OrderSide",
    "OrderStatus",
    "OrderType",
    "PositionSide",
    "Role",
    "TimeInForce",
    "TradingState",
]


class AssetClass(StrEnum):
    US_EQUITY = "us_equity"
    INDEX = "index"


class OrderSide(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"
    STOP_LIMIT = "stop_limit"
    TRAILING_STOP = "trailing_stop"


class TimeInForce(StrEnum):
    DAY = "day"
    GTC = "gtc"
    IOC = "ioc"
    FOK = "fok"
    OPG = "opg"
    CLS = "cls"


class OrderClass(StrEnum):
    SIMPLE = "simple"
    BRACKET = "bracket"
    OCO = "oco"
    OTO = "oto"


class OrderStatus(StrEnum):
    """An order's status. The first ten are the ledger's own (``workbench.execution.states``;
    ``pending_approval`` is an order the gate passed that waits for a trader and that no broker
    has seen); the rest are states a venue reports in passing (Alpaca's ``held`` bracket legs,
    ``pending_cancel``...), which the OMS reads as the nearest of the ten."""

    NEW = "new"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"
    REPLACED = "replaced"
    PENDING_APPROVAL = "pending_approval"
    HELD = "held"
    PENDING_NEW = "pending_new"
    ACCEPTED_FOR_BIDDING = "accepted_for_bidding"
    PENDING_CANCEL = "pending_cancel"
    PENDING_REPLACE = "pending_replace"
    DONE_FOR_DAY = "done_for_day"
    STOPPED = "stopped"
    SUSPENDED = "suspended"
    CALCULATED = "calculated"

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL


_TERMINAL = frozenset(
    {
        OrderStatus.FILLED,
        OrderStatus.CANCELED,
        OrderStatus.REJECTED,
        OrderStatus.EXPIRED,
        OrderStatus.REPLACED,
    }
)


class PositionSide(StrEnum):
    LONG = "long"
    SHORT = "short"


class TradingState(StrEnum):
    ACTIVE = "active"
    REDUCING = "reducing"
    HALTED = "halted"


class AlertSeverity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class AlertState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Role(StrEnum):
    """Who may do what is decided in one permission table (workbench.model.roles)."""

    VIEWER = "viewer"
    ANALYST = "analyst"
    TRADER = "trader"
    ADMIN = "admin"
