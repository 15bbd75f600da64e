"""Jobs: long work run on the job workers (a backtest, a grid, a walk-forward, a report), who
asked for it, with what, and how it went. The result itself lives where its kind keeps it (a
stored run, a report file); the row holds a summary and the reference."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from workbench.ledger.models.base import Base, CreatedAt, IdMixin

__all__ = ["JobRow"]


class JobRow(IdMixin, CreatedAt, Base):
    __tablename__ = "jobs"
    __table_args__ = (sa.Index("ix_jobs_owner_id", "owner", "id"),)

    #: backtest, optimize, walk_forward, report
    kind: Mapped[str] = mapped_column(sa.String(16))
    #: the user who submitted it
    owner: Mapped[str] = mapped_column(sa.String(64))
    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: queued, running, succeeded, failed, canceled, interrupted (``workbench.model.JobState``)
    state: Mapped[str] = mapped_column(sa.String(16), index=True)
    progress: Mapped[float] = mapped_column(sa.Float, default=0.0)
    message: Mapped[str | None] = mapped_column(sa.Text)
    #: the stored run id or report id the result is under (``result_kind`` says which)
    result_id: Mapped[int | None]
    result_kind: Mapped[str | None] = mapped_column(sa.String(16))
    #: the result's summary (what ``GET /jobs/{id}/result`` answers)
    result: Mapped[dict[str, Any] | None]
    #: one line, never a traceback
    error: Mapped[str | None] = mapped_column(sa.Text)
    #: the process running it: ``host:pid:token`` (start-up finds what a dead one left)
    runner: Mapped[str | None] = mapped_column(sa.String(160))
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]
