"""Orders and fills: the one order vocabulary. Quantities and prices are Decimal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from workbench.core.errors import DataError
from workbench.model import _validate
from workbench.model.enums import OrderClass, OrderSide, OrderStatus, OrderType, TimeInForce

__all__ = ["Fill", "Order", "OrderRequest"]

_NEEDS_LIMIT = frozenset({OrderType.LIMIT, OrderType.STOP_LIMIT})
_NEEDS_STOP = frozenset({OrderType.STOP, OrderType.STOP_LIMIT})


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What someone wants traded. Exactly one of ``qty`` and ``notional`` is given."""

    symbol: str
    side: OrderSide
    qty: Decimal | None = None
    notional: Decimal | None = None
    type: OrderType = OrderType.MARKET
    time_in_force: TimeInForce = TimeInForce.DAY
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    trail_percent: Decimal | None = None
    trail_price: Decimal | None = None
    order_class: OrderClass = OrderClass.SIMPLE
    take_profit_limit_price: Decimal | None = None
    stop_loss_stop_price: Decimal | None = None
    extended_hours: bool = False
    client_order_id: str | None = None

    def __post_init__(self) -> None:
        _validate.symbol(self.symbol)
        object.__setattr__(self, "side", OrderSide(self.side))
        object.__setattr__(self, "type", OrderType(self.type))
        object.__setattr__(self, "time_in_force", TimeInForce(self.time_in_force))
        object.__setattr__(self, "order_class", OrderClass(self.order_class))
        for name in (
            "qty",
            "notional",
            "limit_price",
            "stop_price",
            "trail_percent",
            "trail_price",
            "take_profit_limit_price",
            "stop_loss_stop_price",
        ):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(
                    self, name, _validate.positive(name, _validate.decimal(name, value))
                )
        if (self.qty is None) == (self.notional is None):
            raise DataError("an order needs exactly one of qty and notional")
        if self.type in _NEEDS_LIMIT and self.limit_price is None:
            raise DataError(f"a {self.type} order needs a limit price")
        if self.type in _NEEDS_STOP and self.stop_price is None:
            raise DataError(f"a {self.type} order needs a stop price")
        if self.type is OrderType.TRAILING_STOP and (self.trail_percent is None) == (
            self.trail_price is None
        ):
            raise DataError(
                "a trailing_stop order needs exactly one of trail_percent and trail_price"
            )
        if self.client_order_id is not None and not 0 < len(self.client_order_id) <= 128:
            raise DataError("client_order_id must be 1 to 128 characters")


@dataclass(frozen=True, slots=True)
class Order:
    """An order as the ledger and the broker know it."""

    id: str
    client_order_id: str
    request: OrderRequest
    status: OrderStatus
    created_at: datetime
    updated_at: datetime
    filled_qty: Decimal = Decimal(0)
    filled_avg_price: Decimal | None = None
    broker_order_id: str | None = None
    reason: str | None = None
    legs: tuple[Order, ...] = field(default=())

    def __post_init__(self) -> None:
        _validate.utc("created_at", self.created_at)
        _validate.utc("updated_at", self.updated_at)
        object.__setattr__(self, "status", OrderStatus(self.status))

    @property
    def symbol(self) -> str:
        return self.request.symbol

    @property
    def remaining_qty(self) -> Decimal | None:
        if self.request.qty is None:
            return None
        return self.request.qty - self.filled_qty


@dataclass(frozen=True, slots=True)
class Fill:
    order_id: str
    symbol: str
    side: OrderSide
    qty: Decimal
    price: Decimal
    timestamp: datetime
    fee: Decimal = Decimal(0)
    fill_id: str | None = None

    def __post_init__(self) -> None:
        _validate.symbol(self.symbol)
        _validate.utc("timestamp", self.timestamp)
        object.__setattr__(self, "side", OrderSide(self.side))
        object.__setattr__(
            self, "qty", _validate.positive("qty", _validate.decimal("qty", self.qty))
        )
        object.__setattr__(
            self, "price", _validate.positive("price", _validate.decimal("price", self.price))
        )
        object.__setattr__(self, "fee", _validate.decimal("fee", self.fee))

    @property
    def notional(self) -> Decimal:
        return self.qty * self.price
