"""Confirmation tokens of the MCP face: ``mcp_confirmations`` (a hash of each single-use token
an order preview issues, the order it is bound to, and when a submit spent it).

Revision ID: 0004
Revises: 0003
Created: written by hand.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Column types spelled out as in 0001, so this file never changes when the models do.
_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "mcp_confirmations",
        sa.Column("id", _KEY, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("order_digest", sa.String(64), nullable=False),
        sa.Column(
            "order", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("client_order_id", sa.String(64), nullable=False),
        _time("expires_at"),
        _time("used_at", nullable=True),
        _time("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_mcp_confirmations"),
        sa.UniqueConstraint("token_hash", name="uq_mcp_confirmations_token_hash"),
        sa.UniqueConstraint("client_order_id", name="uq_mcp_confirmations_client_order_id"),
    )


def downgrade() -> None:
    op.drop_table("mcp_confirmations")
