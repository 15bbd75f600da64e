"""The typed models on real SQLite and PostgreSQL: exact values, constraints, transactions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, StatementError

from workbench.ledger import AccountRow, FillRow, Ledger, OrderRow, PositionRow, RunRow
from workbench.model import OrderSide, OrderStatus, OrderType, TimeInForce

pytestmark = pytest.mark.requirement("PRF-10")

NOW = datetime(2024, 5, 1, 13, 30, tzinfo=UTC)


def _order(account_id: int, client_order_id: str = "wb-1", **overrides: object) -> OrderRow:
    values: dict[str, object] = {
        "account_id": account_id,
        "client_order_id": client_order_id,
        "symbol": "AAPL",
        "side": OrderSide.BUY,
        "type": OrderType.LIMIT,
        "time_in_force": TimeInForce.DAY,
        "qty": Decimal("10"),
        "limit_price": Decimal("189.5500"),
    }
    values.update(overrides)
    return OrderRow(**values)


def _account(ledger: Ledger, name: str = "paper") -> int:
    with ledger.session() as session:
        account = AccountRow(name=name, broker="paper")
        session.add(account)
        session.flush()
        return account.id


def test_decimals_and_datetimes_round_trip_exactly(ledger: Ledger) -> None:
    account_id = _account(ledger)
    submitted = datetime(2024, 5, 1, 9, 30, 0, 999999, tzinfo=ZoneInfo("America/New_York"))
    with ledger.session() as session:
        session.add(
            _order(
                account_id,
                qty=Decimal("12345678901234567890.123456789"),
                limit_price=Decimal("0.000000001"),
                filled_qty=Decimal("1.50"),
                submitted_at=submitted,
            )
        )
    with ledger.session(read_only=True) as session:
        order = session.scalars(sa.select(OrderRow)).one()
    # as_tuple compares digits and exponent: 1.50 is not 1.5 here
    assert order.qty == Decimal("12345678901234567890.123456789")
    assert order.qty is not None
    assert order.qty.as_tuple() == Decimal("12345678901234567890.123456789").as_tuple()
    assert order.limit_price is not None
    assert order.limit_price.as_tuple() == Decimal("0.000000001").as_tuple()
    assert order.filled_qty.as_tuple() == Decimal("1.50").as_tuple()
    assert order.submitted_at == submitted
    assert order.submitted_at is not None and order.submitted_at.tzinfo is UTC
    assert order.created_at.tzinfo is UTC
    assert order.status is OrderStatus.NEW
    assert order.side is OrderSide.BUY


def test_queries_compare_datetimes_and_json_as_stored(ledger: Ledger) -> None:
    with ledger.session() as session:
        for hour in (9, 10, 11):
            session.add(
                RunRow(
                    kind="backtest",
                    strategy=f"s{hour}",
                    params={"window": hour, "tags": ["a", "b"]},
                    started_at=NOW.replace(hour=hour),
                )
            )
    later = datetime(2024, 5, 1, 6, 30, tzinfo=ZoneInfo("America/New_York"))  # 10:30 UTC
    with ledger.session() as session:
        names = session.scalars(sa.select(RunRow.strategy).where(RunRow.started_at > later)).all()
        run = session.scalars(sa.select(RunRow).where(RunRow.strategy == "s9")).one()
    assert names == ["s11"]
    assert run.params == {"window": 9, "tags": ["a", "b"]}
    assert run.metrics is None


def test_json_documents_are_jsonb_on_postgresql_and_none_is_sql_null(ledger: Ledger) -> None:
    with ledger.session() as session:
        session.add(RunRow(kind="backtest", strategy="s", params={"n": 1}, started_at=NOW))
    with ledger.session() as session:
        nulls = session.execute(sa.text("SELECT count(*) FROM runs WHERE metrics IS NULL"))
        assert nulls.scalar_one() == 1  # SQL NULL, not the JSON literal null
        if session.get_bind().dialect.name == "postgresql":
            kind = session.execute(sa.text("SELECT pg_typeof(params)::text FROM runs"))
            assert kind.scalar_one() == "jsonb"
        by_key = sa.select(RunRow.strategy).where(RunRow.params["n"].as_integer() == 1)
        assert session.scalars(by_key).all() == ["s"]  # JSON's operators on either dialect


def test_naive_datetimes_and_float_amounts_are_refused(ledger: Ledger) -> None:
    account_id = _account(ledger)
    with pytest.raises(StatementError, match="naive"), ledger.session() as session:
        session.add(_order(account_id, submitted_at=datetime(2024, 5, 1, 9, 30)))
    with pytest.raises(StatementError, match="float"), ledger.session() as session:
        session.add(_order(account_id, qty=1.1))


def test_client_order_id_is_unique(ledger: Ledger) -> None:
    account_id = _account(ledger)
    with ledger.session() as session:
        session.add(_order(account_id, "wb-dup"))
    with pytest.raises(IntegrityError), ledger.session() as session:
        session.add(_order(account_id, "wb-dup"))


def test_an_order_has_exactly_one_of_qty_and_notional(ledger: Ledger) -> None:
    account_id = _account(ledger)
    with pytest.raises(IntegrityError), ledger.session() as session:
        session.add(_order(account_id, notional=Decimal("100")))
    with pytest.raises(IntegrityError), ledger.session() as session:
        session.add(_order(account_id, qty=None))


def test_foreign_keys_are_enforced(ledger: Ledger) -> None:
    with pytest.raises(IntegrityError), ledger.session() as session:
        session.add(_order(account_id=999))


def test_one_position_per_account_and_symbol(ledger: Ledger) -> None:
    account_id = _account(ledger)
    with pytest.raises(IntegrityError), ledger.session() as session:
        session.add_all([PositionRow(account_id=account_id, symbol="AAPL") for _ in range(2)])


def test_a_failed_session_commits_nothing(ledger: Ledger) -> None:
    def refused() -> None:
        with ledger.session() as session:
            session.add(AccountRow(name="ghost", broker="paper"))
            session.flush()
            raise RuntimeError("the risk gate said no")

    with pytest.raises(RuntimeError):
        refused()
    with ledger.session() as session:
        assert session.scalars(sa.select(AccountRow)).all() == []


def test_relationships_load_an_orders_history(ledger: Ledger) -> None:
    account_id = _account(ledger)
    with ledger.session() as session:
        order = _order(account_id)
        session.add(order)
        session.flush()
        session.add_all(
            FillRow(
                order_id=order.id,
                broker_fill_id=f"f-{n}",
                symbol="AAPL",
                side=OrderSide.BUY,
                qty=Decimal("5"),
                price=Decimal("189.55"),
                filled_at=NOW,
            )
            for n in range(2)
        )
    with ledger.session() as session:
        loaded = session.scalars(sa.select(OrderRow)).one()
        assert [f.broker_fill_id for f in loaded.fills] == ["f-0", "f-1"]
        assert sum(f.qty for f in loaded.fills) == loaded.qty


@pytest.mark.postgres
def test_a_read_only_session_refuses_writes_on_postgresql(postgres_url: str) -> None:
    with Ledger.from_url(postgres_url) as ledger:
        ledger.upgrade()
        with (
            pytest.raises(sa.exc.InternalError, match="read-only"),
            ledger.session(read_only=True) as session,
        ):
            session.add(AccountRow(name="x", broker="paper"))


@pytest.fixture
def sqlite_ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger.from_url(f"sqlite:///{tmp_path / 'ledger.db'}") as ledger:
        ledger.upgrade()
        yield ledger


@pytest.mark.parametrize(
    ("pragma", "expected"),
    [("journal_mode", "wal"), ("foreign_keys", 1), ("busy_timeout", 10_000)],
)
def test_every_sqlite_connection_is_configured(
    sqlite_ledger: Ledger, pragma: str, expected: object
) -> None:
    # a second connection too: the settings are per connection, not per file
    with (
        sqlite_ledger.session(read_only=True) as first,
        sqlite_ledger.session(read_only=True) as second,
    ):
        for session in (first, second):
            assert session.connection().exec_driver_sql(f"PRAGMA {pragma}").scalar() == expected


def test_sqlite_read_sessions_see_one_snapshot(sqlite_ledger: Ledger) -> None:
    """A commit by another connection stays invisible to a read session already under way."""
    with sqlite_ledger.session(read_only=True) as session:
        before = session.scalars(sa.select(AccountRow)).all()
        _account(sqlite_ledger, "late")
        after = session.scalars(sa.select(AccountRow)).all()
    assert before == after == []
    with sqlite_ledger.session(read_only=True) as session:
        assert len(session.scalars(sa.select(AccountRow)).all()) == 1


def test_sums_of_amounts_are_exact_by_group(ledger: Ledger) -> None:
    from workbench.ledger import CashMovementRow, exact_sums

    first, second = _account(ledger, "one"), _account(ledger, "two")
    # cents that a binary double cannot hold: SQLite's own SUM of these drifts off the cent
    amounts = [Decimal("100000"), *[Decimal("-342.13")] * 20, Decimal("0.1"), Decimal("0.2")]
    at = datetime(2018, 2, 7, 15, tzinfo=UTC)
    with ledger.session() as session:
        for amount in amounts:
            session.add(
                CashMovementRow(account_id=first, amount=amount, kind="trade", occurred_at=at)
            )
        session.add(
            CashMovementRow(account_id=second, amount=Decimal("1.10"), kind="fee", occurred_at=at)
        )
    with ledger.session(read_only=True) as session:
        one = exact_sums(session, CashMovementRow.amount, CashMovementRow.account_id == first)
        grouped = exact_sums(session, CashMovementRow.amount, group_by=CashMovementRow.account_id)
        nothing = exact_sums(session, CashMovementRow.amount, CashMovementRow.account_id == -1)
    assert one == {None: sum(amounts, Decimal(0))} == {None: Decimal("93157.70")}
    assert grouped == {first: Decimal("93157.70"), second: Decimal("1.10")}
    assert nothing == {}
