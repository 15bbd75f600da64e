"""The matching engine: a library with no web or file dependencies, shared by the local
exchange and the in-process paper broker. See ``engine`` for the entry point and ``fills`` and
``replay`` for the fill model."""

from workbench.exchange.matching.accounts import (
    AccountConfig,
    AccountSnapshot,
    AccountState,
    PositionValue,
)
from workbench.exchange.matching.book import Changes, EquityPoint
from workbench.exchange.matching.config import MatchingConfig
from workbench.exchange.matching.engine import AssetLookup, MatchingEngine
from workbench.exchange.matching.errors import (
    DuplicateClientOrderId,
    InsufficientBuyingPower,
    InsufficientQty,
    InvalidOrder,
    OrderNotCancelable,
    TradingForbidden,
    UnknownAccount,
    UnknownAsset,
    UnknownOrder,
    UnknownPosition,
    WashTrade,
)
from workbench.exchange.matching.market import (
    AssetInfo,
    BarFeed,
    BarSlot,
    DerivedQuote,
    PricePoint,
    Session,
    SessionCalendar,
)
from workbench.exchange.matching.queries import select_orders
from workbench.exchange.matching.tickets import OPEN_STATUSES, ExchangeEvent, Ticket

__all__ = [
    "OPEN_STATUSES",
    "AccountConfig",
    "AccountSnapshot",
    "AccountState",
    "AssetInfo",
    "AssetLookup",
    "BarFeed",
    "BarSlot",
    "Changes",
    "DerivedQuote",
    "DuplicateClientOrderId",
    "EquityPoint",
    "ExchangeEvent",
    "InsufficientBuyingPower",
    "InsufficientQty",
    "InvalidOrder",
    "MatchingConfig",
    "MatchingEngine",
    "OrderNotCancelable",
    "PositionValue",
    "PricePoint",
    "Session",
    "SessionCalendar",
    "Ticket",
    "TradingForbidden",
    "UnknownAccount",
    "UnknownAsset",
    "UnknownOrder",
    "UnknownPosition",
    "WashTrade",
    "select_orders",
]
