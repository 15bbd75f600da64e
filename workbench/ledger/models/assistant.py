"""What an AI assistant (the MCP face) leaves in the ledger: the confirmation tokens that an
order preview issues and a submit spends. Only a hash of each token is stored, so reading the
table does not let anyone submit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from workbench.ledger.models.base import Base, CreatedAt, IdMixin

__all__ = ["McpConfirmationRow"]


class McpConfirmationRow(IdMixin, CreatedAt, Base):
    """A single-use confirmation of one previewed order. ``order_digest`` binds it to exactly
    that order (symbol, side, qty or notional, type, prices, time in force, account);
    ``used_at`` is set by the one submit that spends it, in one conditional update, so the
    token is single-use across processes; ``client_order_id`` is derived from the token, so a
    submit whose outcome was uncertain is found again in the OMS, never sent twice."""

    __tablename__ = "mcp_confirmations"

    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    order_digest: Mapped[str] = mapped_column(sa.String(64))
    order: Mapped[dict[str, Any]]
    actor: Mapped[str] = mapped_column(sa.String(128))
    client_order_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
