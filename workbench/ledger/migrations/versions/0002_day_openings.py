"""Each account's equity at the start of each New York trading day (``day_openings``): the
daily loss limit counts from it, in every process and across restarts.

Revision ID: 0002
Revises: 0001
Created: written by hand.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Column types spelled out as in 0001 (BIGINT keys that are INTEGER on SQLite, exact decimals
# that are text on SQLite, UTC timestamps), so this file never changes when the models do.
_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "day_openings",
        sa.Column("id", _KEY, nullable=False),
        sa.Column("account_id", _KEY, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("equity", sa.Numeric().with_variant(sa.String(64), "sqlite"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_day_openings"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_day_openings_account_id_accounts"
        ),
        sa.UniqueConstraint("account_id", "day", name="uq_day_openings_account_id_day"),
    )


def downgrade() -> None:
    op.drop_table("day_openings")
