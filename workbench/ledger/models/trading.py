"""Tables of the order management system: accounts, orders and their events, fills, positions
and cash. Quantities, prices and money are exact Decimals; every moment is UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workbench.ledger.models.base import Base, CreatedAt, IdMixin
from workbench.ledger.sqltypes import enum_type, utcnow
from workbench.model import (
    OrderClass,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
    TradingState,
)

__all__ = [
    "AccountRow",
    "CashMovementRow",
    "DayOpeningRow",
    "FillRow",
    "OrderEventRow",
    "OrderRow",
    "PositionRow",
]

_ZERO = Decimal(0)


class AccountRow(IdMixin, CreatedAt, Base):
    """A trading account at one broker, with the risk gate's state for it."""

    __tablename__ = "accounts"
    __table_args__ = (sa.UniqueConstraint("broker", "broker_account_id"),)

    name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    broker: Mapped[str] = mapped_column(sa.String(32))
    broker_account_id: Mapped[str | None] = mapped_column(sa.String(64))
    currency: Mapped[str] = mapped_column(sa.String(3), default="USD")
    trading_state: Mapped[TradingState] = mapped_column(
        enum_type(TradingState), default=TradingState.ACTIVE
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OrderRow(IdMixin, CreatedAt, Base):
    """One order. ``client_order_id`` is the idempotency key sent to the broker."""

    __tablename__ = "orders"
    __table_args__ = (
        sa.CheckConstraint("(qty IS NULL) <> (notional IS NULL)", name="qty_xor_notional"),
        sa.Index("ix_orders_account_id_status", "account_id", "status"),
        sa.Index("ix_orders_placed_at", "placed_at"),
    )

    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))
    client_order_id: Mapped[str] = mapped_column(sa.String(128), unique=True)
    broker_order_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    symbol: Mapped[str] = mapped_column(sa.String(32), index=True)
    side: Mapped[OrderSide] = mapped_column(enum_type(OrderSide))
    type: Mapped[OrderType] = mapped_column(enum_type(OrderType))
    time_in_force: Mapped[TimeInForce] = mapped_column(enum_type(TimeInForce))
    order_class: Mapped[OrderClass] = mapped_column(
        enum_type(OrderClass), default=OrderClass.SIMPLE
    )
    qty: Mapped[Decimal | None]
    notional: Mapped[Decimal | None]
    limit_price: Mapped[Decimal | None]
    stop_price: Mapped[Decimal | None]
    trail_percent: Mapped[Decimal | None]
    trail_price: Mapped[Decimal | None]
    extended_hours: Mapped[bool] = mapped_column(default=False)
    status: Mapped[OrderStatus] = mapped_column(enum_type(OrderStatus), default=OrderStatus.NEW)
    filled_qty: Mapped[Decimal] = mapped_column(default=_ZERO)
    filled_avg_price: Mapped[Decimal | None]
    #: why the broker or the risk gate rejected or canceled it
    reason: Mapped[str | None] = mapped_column(sa.Text)
    strategy: Mapped[str | None] = mapped_column(sa.String(64))
    run_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("runs.id", ondelete="SET NULL"), index=True
    )
    submitted_at: Mapped[datetime | None]
    #: who placed it (``mcp:alice``, ``cli:bob``, ``runner``); None for an order adopted from
    #: the broker or placed before the ledger kept it
    actor: Mapped[str | None] = mapped_column(sa.String(128))
    #: the venue's clock when its intent was written: the trading day it counts toward
    placed_at: Mapped[datetime | None]
    #: its notional at the gate's measuring price when it arrived (None: no price then)
    measured_notional: Mapped[Decimal | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    events: Mapped[list[OrderEventRow]] = relationship(
        back_populates="order", order_by="OrderEventRow.id"
    )
    fills: Mapped[list[FillRow]] = relationship(back_populates="order", order_by="FillRow.id")


class OrderEventRow(IdMixin, CreatedAt, Base):
    """What happened to an order, in order: the OMS state machine's history."""

    __tablename__ = "order_events"

    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id"), index=True)
    #: submitted, accepted, partial_fill, fill, canceled, rejected, replaced, expired...
    kind: Mapped[str] = mapped_column(sa.String(32))
    #: the order's status after the event, when the event changed it
    status: Mapped[OrderStatus | None] = mapped_column(enum_type(OrderStatus))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: when it happened (broker or replay clock); ``created_at`` is when it was recorded
    occurred_at: Mapped[datetime]

    order: Mapped[OrderRow] = relationship(back_populates="events")


class FillRow(IdMixin, CreatedAt, Base):
    """One execution. ``broker_fill_id`` makes ingesting the same fill twice a no-op."""

    __tablename__ = "fills"
    __table_args__ = (sa.Index("ix_fills_symbol_filled_at", "symbol", "filled_at"),)

    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id"), index=True)
    broker_fill_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    symbol: Mapped[str] = mapped_column(sa.String(32))
    side: Mapped[OrderSide] = mapped_column(enum_type(OrderSide))
    qty: Mapped[Decimal]
    price: Mapped[Decimal]
    fee: Mapped[Decimal] = mapped_column(default=_ZERO)
    filled_at: Mapped[datetime]

    order: Mapped[OrderRow] = relationship(back_populates="fills")


class PositionRow(IdMixin, Base):
    """The book's position in one symbol: ``qty`` is signed, negative for a short."""

    __tablename__ = "positions"
    __table_args__ = (sa.UniqueConstraint("account_id", "symbol"),)

    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))
    symbol: Mapped[str] = mapped_column(sa.String(32))
    qty: Mapped[Decimal] = mapped_column(default=_ZERO)
    avg_entry_price: Mapped[Decimal] = mapped_column(default=_ZERO)
    realized_pl: Mapped[Decimal] = mapped_column(default=_ZERO)
    opened_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CashMovementRow(IdMixin, CreatedAt, Base):
    """A signed change of cash. Cash is the sum of these, never a stored balance.

    ``(account_id, kind, reference)`` is unique so a broker activity or a fill settles once.
    """

    __tablename__ = "cash_movements"
    __table_args__ = (sa.UniqueConstraint("account_id", "kind", "reference"),)

    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(sa.String(3), default="USD")
    #: deposit, withdrawal, trade, fee, dividend, interest, adjustment...
    kind: Mapped[str] = mapped_column(sa.String(32))
    reference: Mapped[str | None] = mapped_column(sa.String(128))
    description: Mapped[str | None] = mapped_column(sa.Text)
    occurred_at: Mapped[datetime]


class DayOpeningRow(IdMixin, CreatedAt, Base):
    """An account's equity when the first order check of a New York trading day saw it: what
    the daily loss limit counts the day's P&L from. One row per account and day, written once,
    so every process, and a process started after a restart, counts from the same start."""

    __tablename__ = "day_openings"
    __table_args__ = (sa.UniqueConstraint("account_id", "day"),)

    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))
    #: the New York date of the trading day
    day: Mapped[date] = mapped_column(sa.Date())
    equity: Mapped[Decimal]
