"""Backups move between SQLite and PostgreSQL, and are one snapshot however busy the ledger is."""

from __future__ import annotations

import json
import threading
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from workbench.ledger import AccountRow, CashMovementRow, Ledger, RunRow

pytestmark = pytest.mark.requirement("DEP-04")

Contents = dict[str, list[dict[str, Any]]]


@pytest.mark.postgres
@pytest.mark.parametrize("direction", ["sqlite->postgres", "postgres->sqlite"])
def test_a_backup_restores_on_the_other_dialect(
    direction: str,
    postgres_url: str,
    tmp_path: Path,
    populate: Callable[[Ledger], None],
    contents: Callable[[Ledger], Contents],
) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'ledger.db'}"
    source_url, target_url = (
        (sqlite_url, postgres_url)
        if direction == "sqlite->postgres"
        else (postgres_url, sqlite_url)
    )
    with Ledger.from_url(source_url) as source, Ledger.from_url(target_url) as target:
        source.upgrade()
        populate(source)
        info = source.backup(tmp_path / "ledger.zip")
        target.upgrade()
        with target.session() as session:
            session.add(AccountRow(name="replaced", broker="paper"))
        restored = target.restore(info.path)

        assert restored.source_dialect == source.engine.dialect.name
        assert contents(target) == contents(source)
        with target.session() as session:  # keys carry on past the restored rows
            session.add(AccountRow(name="new", broker="paper"))


def _pairs(path: Path) -> tuple[list[str], list[str]]:
    with zipfile.ZipFile(path) as archive:
        runs = [json.loads(line)["strategy"] for line in archive.open("tables/runs.jsonl")]
        cash = [
            json.loads(line)["reference"] for line in archive.open("tables/cash_movements.jsonl")
        ]
    return runs, cash


def test_a_backup_taken_during_writes_never_holds_half_a_write(
    ledger: Ledger, tmp_path: Path
) -> None:
    """A writer commits a run and a cash movement together; every backup has both or neither."""
    now = datetime(2024, 1, 2, tzinfo=UTC)
    with ledger.session() as session:
        account = AccountRow(name="paper", broker="paper")
        session.add(account)
        session.flush()
        account_id = account.id

    def write_pair(session: Any, n: int) -> None:
        session.add(RunRow(kind="backtest", strategy=f"pair-{n}", started_at=now))
        session.add(
            CashMovementRow(
                account_id=account_id,
                amount=Decimal(n),
                kind="pair",
                reference=f"pair-{n}",
                occurred_at=now,
            )
        )

    with ledger.session() as session:  # enough rows that a backup takes a while
        for n in range(2000):
            write_pair(session, n)

    written = [2000]
    stop = threading.Event()
    failures: list[BaseException] = []

    def writer() -> None:
        try:
            while not stop.is_set():
                with ledger.session() as session:
                    write_pair(session, written[0])
                written[0] += 1
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    overlapped = 0
    try:
        for attempt in range(5):
            before = written[0]
            path = ledger.backup(tmp_path / f"during-{attempt}.zip").path
            overlapped += written[0] > before
            runs, cash = _pairs(path)
            assert sorted(runs) == sorted(cash), "a backup holds half of a transaction"
            assert len(runs) >= before
    finally:
        stop.set()
        thread.join()
    assert failures == []
    assert overlapped > 0, "the writer never committed while a backup ran: the test proved nothing"
