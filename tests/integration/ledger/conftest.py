"""Fixtures of the ledger's integration tests: a migrated ledger on each dialect, a filler that
puts awkward values into every table, and a reader of everything in it, exact to the digit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from workbench.ledger import (
    AccountRow,
    AlertRow,
    AlertRuleRow,
    ApiKeyRow,
    Base,
    CashMovementRow,
    FillRow,
    Ledger,
    LoginThrottleRow,
    NotificationRow,
    OrderEventRow,
    OrderRow,
    PositionRow,
    RefreshTokenRow,
    ReportRow,
    RunRow,
    UserRow,
    append_audit,
)
from workbench.model import (
    AlertSeverity,
    OrderSide,
    OrderStatus,
    OrderType,
    Role,
    TimeInForce,
)

Contents = dict[str, list[dict[str, Any]]]

#: a moment with microseconds, given in New York time: it must come back as the same UTC instant
T0 = datetime(2024, 3, 8, 15, 30, 1, 123456, tzinfo=ZoneInfo("America/New_York"))


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    """A ledger migrated to head, on SQLite and on PostgreSQL."""
    with Ledger.from_url(ledger_url) as migrated:
        migrated.upgrade()
        yield migrated


@pytest.fixture
def populate() -> Callable[[Ledger], None]:
    return fill_every_table


@pytest.fixture
def contents() -> Callable[[Ledger], Contents]:
    return read_contents


def fill_every_table(ledger: Ledger) -> None:
    """One or more rows in every table, with the values that break naive storage."""
    with ledger.session() as session:
        run = RunRow(
            kind="backtest",
            strategy="sma_cross",
            params={"fast": 10, "slow": 50, "ratio": 0.1, "note": 'ünïcödé "quoted"'},
            symbols=["AAPL", "MSFT"],
            status="succeeded",
            started_at=T0,
            finished_at=T0 + timedelta(minutes=3),
            metrics={"sharpe": 1.2345678901234567, "trades": 42, "nested": {"ok": True}},
            artifact_path="/runs/1",
        )
        account = AccountRow(name="paper", broker="paper", broker_account_id="PA-1")
        session.add_all([run, account])
        session.flush()
        session.add(ReportRow(kind="tearsheet", format="html", path="/r/1.html", run_id=run.id))
        order = OrderRow(
            account_id=account.id,
            client_order_id="wb-0001",
            broker_order_id="b-0001",
            symbol="BRK.B",
            side=OrderSide.BUY,
            type=OrderType.LIMIT,
            time_in_force=TimeInForce.GTC,
            qty=Decimal("12345678901234567890.123456789"),
            limit_price=Decimal("412.5000"),
            status=OrderStatus.PARTIALLY_FILLED,
            filled_qty=Decimal("1.50"),
            filled_avg_price=Decimal("412.4999"),
            strategy="sma_cross",
            run_id=run.id,
            submitted_at=T0,
        )
        notional = OrderRow(
            account_id=account.id,
            client_order_id="wb-0002",
            symbol="AAPL",
            side=OrderSide.SELL,
            type=OrderType.MARKET,
            time_in_force=TimeInForce.DAY,
            notional=Decimal("0.000000001"),
        )
        session.add_all([order, notional])
        session.flush()
        session.add_all(
            [
                OrderEventRow(
                    order_id=order.id,
                    kind="partial_fill",
                    status=OrderStatus.PARTIALLY_FILLED,
                    payload={"qty": "1.50", "px": 412.4999},
                    occurred_at=T0,
                ),
                FillRow(
                    order_id=order.id,
                    broker_fill_id="f-1",
                    symbol="BRK.B",
                    side=OrderSide.BUY,
                    qty=Decimal("1.50"),
                    price=Decimal("412.4999"),
                    fee=Decimal("-0.0035"),
                    filled_at=T0,
                ),
                PositionRow(
                    account_id=account.id,
                    symbol="BRK.B",
                    qty=Decimal("-1.50"),
                    avg_entry_price=Decimal("412.4999"),
                    realized_pl=Decimal("0.00"),
                    opened_at=T0,
                ),
                CashMovementRow(
                    account_id=account.id,
                    amount=Decimal("100000.00"),
                    kind="deposit",
                    reference="dep-1",
                    occurred_at=T0,
                ),
            ]
        )
        user = UserRow(username="ada", role=Role.ADMIN, password_hash="$argon2id$v=19$x")
        rule = AlertRuleRow(
            name="drawdown",
            kind="drawdown",
            params={"limit": "0.05"},
            severity=AlertSeverity.CRITICAL,
            channels=["log", "webhook"],
        )
        session.add_all([user, rule])
        session.flush()
        alert = AlertRow(
            rule_id=rule.id,
            severity=AlertSeverity.CRITICAL,
            message="drawdown 6%",
            details={"drawdown": 0.06},
            raised_at=T0,
        )
        session.add_all(
            [
                ApiKeyRow(
                    user_id=user.id,
                    prefix="wb_ab12",
                    key_hash="sha256:" + "a" * 64,
                    role=Role.VIEWER,
                ),
                alert,
                RefreshTokenRow(
                    user_id=user.id,
                    family_id="f" * 32,
                    token_hash="b" * 64,
                    expires_at=T0 + timedelta(days=7),
                    used_at=T0,
                ),
                LoginThrottleRow(username="ünïcödé", failures=4, locked_until=T0),
            ]
        )
        session.flush()
        session.add(
            NotificationRow(alert_id=alert.id, channel="webhook", attempts=2, last_error="503")
        )
        for n in range(3):
            append_audit(
                session,
                kind="order.submitted",
                actor="ada",
                payload={"order": f"wb-000{n}", "qty": Decimal("1.50"), "big": 1e20},
                at=T0 + timedelta(seconds=n),
            )


def read_contents(ledger: Ledger) -> Contents:
    """Every row of every table; Decimals and datetimes as strings, so scale and zone count."""
    found: Contents = {}
    with ledger.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            query = sa.select(table).order_by(*table.primary_key.columns)
            rows = connection.execute(query).mappings().all()
            found[table.name] = [{k: _exact(v) for k, v in row.items()} for row in rows]
    return found


def _exact(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"Decimal({value})"
    if isinstance(value, datetime):
        assert value.tzinfo is not None and value.utcoffset() == timedelta(0), value
        assert value.tzinfo is UTC, value
        return value.isoformat()
    return value
