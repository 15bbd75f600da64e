"""Broker credentials: a venue's keys, each sealed under the key in WB_SECRETS__KEY (never in
the clear), with the sealing key's fingerprint and who stored them.

Revision ID: 0007
Revises: 0006
Created: written by hand.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Column types spelled out as in 0001, so this file never changes when the models do.
_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _time(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "broker_credentials",
        sa.Column("id", _KEY, nullable=False),
        sa.Column("venue", sa.String(32), nullable=False),
        sa.Column("api_key_sealed", sa.Text(), nullable=False),
        sa.Column("secret_key_sealed", sa.Text(), nullable=False),
        sa.Column("hint", sa.String(8), nullable=False),
        sa.Column("sealed_with", sa.String(16), nullable=False),
        sa.Column("stored_by", sa.String(64), nullable=False),
        _time("updated_at"),
        _time("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_broker_credentials"),
        sa.UniqueConstraint("venue", name="uq_broker_credentials_venue"),
    )


def downgrade() -> None:
    op.drop_table("broker_credentials")
