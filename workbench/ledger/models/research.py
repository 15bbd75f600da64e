"""Records of work done: backtest and strategy runs, and generated reports.

Artifacts (equity curves, trades, rendered reports) live on disk; these rows say where.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from workbench.ledger.models.base import Base, CreatedAt, IdMixin

__all__ = ["ReportRow", "RunRow"]


class RunRow(IdMixin, Base):
    __tablename__ = "runs"
    __table_args__ = (sa.Index("ix_runs_kind_strategy", "kind", "strategy"),)

    #: backtest, optimize, walk_forward, paper, live
    kind: Mapped[str] = mapped_column(sa.String(16))
    strategy: Mapped[str] = mapped_column(sa.String(64))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    symbols: Mapped[list[Any]] = mapped_column(default=list)
    #: running, succeeded, failed, canceled
    status: Mapped[str] = mapped_column(sa.String(16), default="running", index=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    metrics: Mapped[dict[str, Any] | None]
    artifact_path: Mapped[str | None] = mapped_column(sa.Text)
    error: Mapped[str | None] = mapped_column(sa.Text)


class ReportRow(IdMixin, CreatedAt, Base):
    __tablename__ = "reports"

    kind: Mapped[str] = mapped_column(sa.String(32), index=True)
    #: html, pdf, xlsx, csv, json, parquet
    format: Mapped[str] = mapped_column(sa.String(16))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    path: Mapped[str] = mapped_column(sa.Text)
    run_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("runs.id", ondelete="SET NULL"), index=True
    )
