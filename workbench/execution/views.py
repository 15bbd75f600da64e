"""Plain read models of the ledger's orders, fills and positions, and of what a submit
answered, for faces and reports; ``to_dict`` follows the plain-value policy
(``workbench.model.plain``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from workbench.ledger import FillRow, OrderRow, PositionRow
from workbench.model import OrderStatus
from workbench.model.plain import to_plain

if TYPE_CHECKING:
    from workbench.execution.risk import RiskDecision

__all__ = ["FillView", "OrderView", "PositionView", "SubmitResult"]


@dataclass(frozen=True, slots=True)
class OrderView:
    id: int
    client_order_id: str
    broker_order_id: str | None
    symbol: str
    side: str
    type: str
    time_in_force: str
    qty: Decimal | None
    notional: Decimal | None
    limit_price: Decimal | None
    stop_price: Decimal | None
    status: str
    filled_qty: Decimal
    filled_avg_price: Decimal | None
    reason: str | None
    strategy: str | None
    run_id: int | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: OrderRow) -> OrderView:
        return cls(
            id=row.id,
            client_order_id=row.client_order_id,
            broker_order_id=row.broker_order_id,
            symbol=row.symbol,
            side=str(row.side),
            type=str(row.type),
            time_in_force=str(row.time_in_force),
            qty=row.qty,
            notional=row.notional,
            limit_price=row.limit_price,
            stop_price=row.stop_price,
            status=str(row.status),
            filled_qty=row.filled_qty or Decimal(0),
            filled_avg_price=row.filled_avg_price,
            reason=row.reason,
            strategy=row.strategy,
            run_id=row.run_id,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = to_plain(self)
        return result


@dataclass(frozen=True, slots=True)
class SubmitResult:
    """``already_submitted``: the ``client_order_id`` was the ledger's already, and ``order``
    is that order as it stands (nothing new was gated or sent; no ``decision``)."""

    order: OrderView
    decision: RiskDecision | None
    already_submitted: bool = False

    @property
    def accepted(self) -> bool:
        return self.order.status not in ("rejected", "canceled")

    @property
    def held(self) -> bool:
        """The gate passed it and it waits for a trader's approval; nothing was sent."""
        return self.order.status == OrderStatus.PENDING_APPROVAL

    @property
    def message(self) -> str | None:
        if self.held and not self.already_submitted:
            return (
                f"held for approval: order {self.order.id} ({self.order.client_order_id}) goes "
                "out only when a trader approves it (`workbench trade approve`)"
            )
        if not self.already_submitted:
            return None
        return (
            f"already submitted: client order id {self.order.client_order_id} is order "
            f"{self.order.id}, {self.order.status}; nothing new was sent"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "order": self.order.to_dict(),
            "risk": None if self.decision is None else self.decision.to_dict(),
            "already_submitted": self.already_submitted,
            "held": self.held,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class FillView:
    order_id: int
    client_order_id: str
    fill_id: str
    symbol: str
    side: str
    qty: Decimal
    price: Decimal
    fee: Decimal
    filled_at: datetime

    @classmethod
    def of(cls, row: FillRow, client_order_id: str) -> FillView:
        return cls(
            order_id=row.order_id,
            client_order_id=client_order_id,
            fill_id=row.broker_fill_id,
            symbol=row.symbol,
            side=str(row.side),
            qty=row.qty,
            price=row.price,
            fee=row.fee,
            filled_at=row.filled_at,
        )

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = to_plain(self)
        return result


@dataclass(frozen=True, slots=True)
class PositionView:
    symbol: str
    qty: Decimal
    avg_entry_price: Decimal
    price: Decimal | None
    market_value: Decimal | None
    unrealized_pl: Decimal | None
    realized_pl: Decimal

    @classmethod
    def of(cls, row: PositionRow, price: Decimal | None) -> PositionView:
        value = None if price is None else row.qty * price
        unrealized = None if price is None else (price - row.avg_entry_price) * row.qty
        return cls(
            symbol=row.symbol,
            qty=row.qty,
            avg_entry_price=row.avg_entry_price,
            price=price,
            market_value=value,
            unrealized_pl=unrealized,
            realized_pl=row.realized_pl,
        )

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = to_plain(self)
        return result
