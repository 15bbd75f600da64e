"""The ledger's first schema: trading, audit, access, monitoring and research tables.

Revision ID: 0001
Revises:
Created: written by hand; later revisions add columns in new files, never edit this one.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The column types of workbench.ledger.sqltypes, spelled out so this file never changes when
# that module does: BIGINT keys (the rowid alias INTEGER on SQLite), exact decimals (NUMERIC on
# PostgreSQL, text on SQLite), UTC timestamps, JSONB documents on PostgreSQL, enums as VARCHAR.


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False)


def _ref(name: str, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=nullable)


def _decimal(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.Numeric().with_variant(sa.String(64), "sqlite"), nullable=nullable)


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _json(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(
        name, sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=nullable
    )


def _enum(name: str, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(32), nullable=nullable)


def _text(name: str, length: int | None = None, nullable: bool = False) -> sa.Column[str]:
    kind = sa.Text() if length is None else sa.String(length)
    return sa.Column(name, kind, nullable=nullable)


def _pk(table: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint("id", name=f"pk_{table}")


def _fk(
    table: str, column: str, target: str, ondelete: str | None = None
) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete=ondelete
    )


def _unique(table: str, *columns: str) -> sa.UniqueConstraint:
    return sa.UniqueConstraint(*columns, name=f"uq_{table}_{'_'.join(columns)}")


def _index(table: str, *columns: str) -> None:
    op.create_index(f"ix_{table}_{'_'.join(columns)}", table, list(columns))


def upgrade() -> None:
    _create_research()
    _create_trading()
    _create_audit_and_access()
    _create_monitoring()


def _create_research() -> None:
    op.create_table(
        "runs",
        _id(),
        _text("kind", 16),
        _text("strategy", 64),
        _json("params"),
        _json("symbols"),
        _text("status", 16),
        _time("started_at"),
        _time("finished_at", nullable=True),
        _json("metrics", nullable=True),
        _text("artifact_path", nullable=True),
        _text("error", nullable=True),
        _pk("runs"),
    )
    _index("runs", "kind", "strategy")
    _index("runs", "status")
    op.create_table(
        "reports",
        _id(),
        _text("kind", 32),
        _text("format", 16),
        _json("params"),
        _text("path"),
        _ref("run_id", nullable=True),
        _time("created_at"),
        _pk("reports"),
        _fk("reports", "run_id", "runs", ondelete="SET NULL"),
    )
    _index("reports", "kind")
    _index("reports", "run_id")


def _create_trading() -> None:
    op.create_table(
        "accounts",
        _id(),
        _text("name", 64),
        _text("broker", 32),
        _text("broker_account_id", 64, nullable=True),
        _text("currency", 3),
        _enum("trading_state"),
        _time("updated_at"),
        _time("created_at"),
        _pk("accounts"),
        _unique("accounts", "name"),
        _unique("accounts", "broker", "broker_account_id"),
    )
    op.create_table(
        "orders",
        _id(),
        _ref("account_id"),
        _text("client_order_id", 128),
        _text("broker_order_id", 64, nullable=True),
        _text("symbol", 32),
        _enum("side"),
        _enum("type"),
        _enum("time_in_force"),
        _enum("order_class"),
        _decimal("qty", nullable=True),
        _decimal("notional", nullable=True),
        _decimal("limit_price", nullable=True),
        _decimal("stop_price", nullable=True),
        _decimal("trail_percent", nullable=True),
        _decimal("trail_price", nullable=True),
        sa.Column("extended_hours", sa.Boolean(), nullable=False),
        _enum("status"),
        _decimal("filled_qty"),
        _decimal("filled_avg_price", nullable=True),
        _text("reason", nullable=True),
        _text("strategy", 64, nullable=True),
        _ref("run_id", nullable=True),
        _time("submitted_at", nullable=True),
        _time("updated_at"),
        _time("created_at"),
        _pk("orders"),
        _fk("orders", "account_id", "accounts"),
        _fk("orders", "run_id", "runs", ondelete="SET NULL"),
        _unique("orders", "client_order_id"),
        _unique("orders", "broker_order_id"),
        sa.CheckConstraint(
            "(qty IS NULL) <> (notional IS NULL)", name="ck_orders_qty_xor_notional"
        ),
    )
    _index("orders", "account_id", "status")
    _index("orders", "symbol")
    _index("orders", "run_id")
    op.create_table(
        "order_events",
        _id(),
        _ref("order_id"),
        _text("kind", 32),
        _enum("status", nullable=True),
        _json("payload"),
        _time("occurred_at"),
        _time("created_at"),
        _pk("order_events"),
        _fk("order_events", "order_id", "orders"),
    )
    _index("order_events", "order_id")
    op.create_table(
        "fills",
        _id(),
        _ref("order_id"),
        _text("broker_fill_id", 64),
        _text("symbol", 32),
        _enum("side"),
        _decimal("qty"),
        _decimal("price"),
        _decimal("fee"),
        _time("filled_at"),
        _time("created_at"),
        _pk("fills"),
        _fk("fills", "order_id", "orders"),
        _unique("fills", "broker_fill_id"),
    )
    _index("fills", "order_id")
    _index("fills", "symbol", "filled_at")
    op.create_table(
        "positions",
        _id(),
        _ref("account_id"),
        _text("symbol", 32),
        _decimal("qty"),
        _decimal("avg_entry_price"),
        _decimal("realized_pl"),
        _time("opened_at", nullable=True),
        _time("updated_at"),
        _pk("positions"),
        _fk("positions", "account_id", "accounts"),
        _unique("positions", "account_id", "symbol"),
    )
    op.create_table(
        "cash_movements",
        _id(),
        _ref("account_id"),
        _decimal("amount"),
        _text("currency", 3),
        _text("kind", 32),
        _text("reference", 128, nullable=True),
        _text("description", nullable=True),
        _time("occurred_at"),
        _time("created_at"),
        _pk("cash_movements"),
        _fk("cash_movements", "account_id", "accounts"),
        _unique("cash_movements", "account_id", "kind", "reference"),
    )
    _index("cash_movements", "account_id")


def _create_audit_and_access() -> None:
    op.create_table(
        "audit_records",
        _id(),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        _text("prev_hash", 64),
        _text("hash", 64),
        _text("kind", 64),
        _text("actor", 128),
        _json("payload"),
        _time("created_at"),
        _pk("audit_records"),
        _unique("audit_records", "seq"),
        _unique("audit_records", "hash"),
    )
    _index("audit_records", "kind")
    _index("audit_records", "created_at")
    op.create_table(
        "users",
        _id(),
        _text("username", 64),
        _enum("role"),
        _text("password_hash", 255),
        sa.Column("active", sa.Boolean(), nullable=False),
        _time("last_login_at", nullable=True),
        _time("updated_at"),
        _time("created_at"),
        _pk("users"),
        _unique("users", "username"),
    )
    op.create_table(
        "api_keys",
        _id(),
        _ref("user_id"),
        _text("name", 64, nullable=True),
        _text("prefix", 16),
        _text("key_hash", 128),
        _enum("role"),
        _time("expires_at", nullable=True),
        _time("revoked_at", nullable=True),
        _time("last_used_at", nullable=True),
        _time("created_at"),
        _pk("api_keys"),
        _fk("api_keys", "user_id", "users", ondelete="CASCADE"),
        _unique("api_keys", "key_hash"),
    )
    _index("api_keys", "user_id")
    _index("api_keys", "prefix")


def _create_monitoring() -> None:
    op.create_table(
        "alert_rules",
        _id(),
        _text("name", 64),
        _text("kind", 32),
        _json("params"),
        _enum("severity"),
        _text("scope", 64, nullable=True),
        _json("channels"),
        sa.Column("cooldown_seconds", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        _text("created_by", 64, nullable=True),
        _time("updated_at"),
        _time("created_at"),
        _pk("alert_rules"),
        _unique("alert_rules", "name"),
    )
    op.create_table(
        "alerts",
        _id(),
        _ref("rule_id", nullable=True),
        _enum("severity"),
        _enum("state"),
        _text("message"),
        _text("scope", 64, nullable=True),
        _json("details"),
        _text("dedup_key", 128, nullable=True),
        _time("raised_at"),
        _time("acknowledged_at", nullable=True),
        _text("acknowledged_by", 64, nullable=True),
        _time("resolved_at", nullable=True),
        _text("resolved_by", 64, nullable=True),
        _pk("alerts"),
        _fk("alerts", "rule_id", "alert_rules", ondelete="SET NULL"),
    )
    _index("alerts", "rule_id")
    _index("alerts", "state")
    _index("alerts", "dedup_key")
    op.create_table(
        "notifications",
        _id(),
        _ref("alert_id"),
        _text("channel", 64),
        _text("status", 16),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _text("last_error", nullable=True),
        _time("last_attempt_at", nullable=True),
        _time("next_attempt_at", nullable=True),
        _time("delivered_at", nullable=True),
        _time("created_at"),
        _pk("notifications"),
        _fk("notifications", "alert_id", "alerts", ondelete="CASCADE"),
        _unique("notifications", "alert_id", "channel"),
    )
    _index("notifications", "status", "next_attempt_at")


def downgrade() -> None:
    # children before parents; dropping a table drops its indexes and its owned sequence
    for table in (
        "notifications",
        "alerts",
        "alert_rules",
        "api_keys",
        "users",
        "audit_records",
        "cash_movements",
        "positions",
        "fills",
        "order_events",
        "orders",
        "accounts",
        "reports",
        "runs",
    ):
        op.drop_table(table)
