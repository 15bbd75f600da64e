"""The audit chain's table: every consequential action, each row hashed over the one before."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from workbench.ledger.models.base import Base, IdMixin

__all__ = ["AuditRecordRow"]


class AuditRecordRow(IdMixin, Base):
    """``hash`` is SHA-256 (hex) over this row's content and ``prev_hash``; see ledger.audit.

    ``seq`` is unique, so two writers cannot both extend the chain from the same row.
    """

    __tablename__ = "audit_records"

    seq: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(64), index=True)
    actor: Mapped[str] = mapped_column(sa.String(128))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(index=True)
