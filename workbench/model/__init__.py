"""The workbench's vocabulary: every layer speaks these types and defines none of its own."""

from workbench.model._validate import period as validate_period
from workbench.model._validate import symbol as validate_symbol
from workbench.model.alerts import Alert
from workbench.model.enums import (
    AlertSeverity,
    AlertState,
    AssetClass,
    OrderClass,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    Role,
    TimeInForce,
    TradingState,
)
from workbench.model.jobs import JobKind, JobState
from workbench.model.market import Bar, Quote, Trade
from workbench.model.orders import Fill, Order, OrderRequest
from workbench.model.plain import plain_json, to_plain
from workbench.model.portfolio import Account, Position
from workbench.model.roles import Permission, can, permissions_of, within
from workbench.model.symbols import normalize_symbol, normalize_symbols

__all__ = [
    "Account",
    "Alert",
    "AlertSeverity",
    "AlertState",
    "AssetClass",
    "Bar",
    "Fill",
    "JobKind",
    "JobState",
    "Order",
    "OrderClass",
    "OrderRequest",
    "OrderSide",
    "OrderStatus",
    "OrderType",
    "Permission",
    "Position",
    "PositionSide",
    "Quote",
    "Role",
    "TimeInForce",
    "Trade",
    "TradingState",
    "can",
    "normalize_symbol",
    "normalize_symbols",
    "permissions_of",
    "plain_json",
    "to_plain",
    "validate_period",
    "validate_symbol",
    "within",
]
