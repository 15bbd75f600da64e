"""Who placed each order and what the gate measured it at, for limits on one kind of actor
(``risk.actors``: an AI assistant's orders per day and notional per day) and for holding an
order until a trader approves it (status ``pending_approval``, a plain string: no change).

``orders.actor`` (``mcp:alice``), ``orders.placed_at`` (the venue's clock when the intent was
written: a replay's clock is not the machine's) and ``orders.measured_notional`` (the order's
notional at the gate's measuring price). Orders placed before this revision have none of them
and count toward no actor's day.

Revision ID: 0005
Revises: 0004
Created: written by hand.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Column types spelled out as in 0001, so this file never changes when the models do.
_DECIMAL = sa.Numeric().with_variant(sa.String(64), "sqlite")


def upgrade() -> None:
    op.add_column("orders", sa.Column("actor", sa.String(128), nullable=True))
    op.add_column("orders", sa.Column("placed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("orders", sa.Column("measured_notional", _DECIMAL, nullable=True))
    op.create_index("ix_orders_placed_at", "orders", ["placed_at"])


def downgrade() -> None:
    op.drop_index("ix_orders_placed_at", table_name="orders")
    # a plain DROP COLUMN (SQLite has had one since 3.35), no copy of the table
    for column in ("measured_notional", "placed_at", "actor"):
        op.drop_column("orders", column)
