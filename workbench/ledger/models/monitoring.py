"""Monitoring's state: alert rules, the alerts they raise, and each alert's deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workbench.ledger.models.base import Base, CreatedAt, IdMixin
from workbench.ledger.sqltypes import enum_type, utcnow
from workbench.model import AlertSeverity, AlertState

__all__ = ["AlertRow", "AlertRuleRow", "NotificationRow"]


class AlertRuleRow(IdMixin, CreatedAt, Base):
    __tablename__ = "alert_rules"

    name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: which rule of workbench.monitoring evaluates it (price_move, drawdown, stale_data...)
    kind: Mapped[str] = mapped_column(sa.String(32))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    severity: Mapped[AlertSeverity] = mapped_column(
        enum_type(AlertSeverity), default=AlertSeverity.WARNING
    )
    #: a symbol, account or strategy the rule watches; None for all
    scope: Mapped[str | None] = mapped_column(sa.String(64))
    #: names of the notification channels an alert goes to
    channels: Mapped[list[Any]] = mapped_column(default=list)
    cooldown_seconds: Mapped[int] = mapped_column(default=0)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[str | None] = mapped_column(sa.String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AlertRow(IdMixin, Base):
    """An alert moves open -> acknowledged -> resolved. Removing its rule keeps the alert."""

    __tablename__ = "alerts"

    rule_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("alert_rules.id", ondelete="SET NULL"), index=True
    )
    severity: Mapped[AlertSeverity] = mapped_column(enum_type(AlertSeverity))
    state: Mapped[AlertState] = mapped_column(
        enum_type(AlertState), default=AlertState.OPEN, index=True
    )
    message: Mapped[str] = mapped_column(sa.Text)
    scope: Mapped[str | None] = mapped_column(sa.String(64))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: alerts with the same key are one condition; a rule does not raise it twice while open
    dedup_key: Mapped[str | None] = mapped_column(sa.String(128), index=True)
    raised_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(sa.String(64))
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(sa.String(64))

    notifications: Mapped[list[NotificationRow]] = relationship(
        back_populates="alert", order_by="NotificationRow.id", passive_deletes=True
    )


class NotificationRow(IdMixin, CreatedAt, Base):
    """The delivery of one alert to one channel, retried until sent or given up.

    ``status`` is pending, sent or failed; ``next_attempt_at`` is when a pending one is due.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        sa.UniqueConstraint("alert_id", "channel"),
        sa.Index("ix_notifications_status_next_attempt_at", "status", "next_attempt_at"),
    )

    alert_id: Mapped[int] = mapped_column(sa.ForeignKey("alerts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    last_attempt_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]

    alert: Mapped[AlertRow] = relationship(back_populates="notifications")
