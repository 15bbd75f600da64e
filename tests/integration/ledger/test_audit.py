"""The audit chain on real databases: appended, verified, and caught when tampered with."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
import sqlalchemy as sa

from workbench.ledger import (
    GENESIS_HASH,
    AuditRecordRow,
    Ledger,
    append_audit,
    verify_audit_chain,
)

pytestmark = pytest.mark.requirement("RSK-04")


def _append(ledger: Ledger, count: int) -> list[str]:
    hashes = []
    with ledger.session() as session:
        for n in range(count):
            record = append_audit(
                session,
                kind="order.submitted",
                actor="ada",
                payload={"n": n, "qty": Decimal("1.50"), "ratio": 0.1, "big": 1e20},
            )
            hashes.append(record.hash)
    return hashes


def test_records_chain_from_genesis_and_verify(ledger: Ledger) -> None:
    hashes = _append(ledger, 5)
    with ledger.session(read_only=True) as session:
        records = session.scalars(sa.select(AuditRecordRow).order_by(AuditRecordRow.seq)).all()
        result = verify_audit_chain(session)
    assert [r.seq for r in records] == [1, 2, 3, 4, 5]
    assert records[0].prev_hash == GENESIS_HASH
    assert [r.prev_hash for r in records[1:]] == hashes[:-1]
    assert records[0].payload["qty"] == "1.50"
    assert result.ok
    assert result.records == 5
    assert result.head_hash == hashes[-1]


def test_an_empty_chain_verifies(ledger: Ledger) -> None:
    with ledger.session(read_only=True) as session:
        result = verify_audit_chain(session)
    assert result.ok
    assert result.records == 0


def _tamper(ledger: Ledger, statement: Callable[[], sa.Executable]) -> None:
    with ledger.engine.begin() as connection:
        connection.execute(statement())


def test_a_changed_payload_is_found(ledger: Ledger) -> None:
    _append(ledger, 4)
    _tamper(
        ledger,
        lambda: sa.update(AuditRecordRow).where(AuditRecordRow.seq == 3).values(payload={"n": 99}),
    )
    with ledger.session(read_only=True) as session:
        result = verify_audit_chain(session)
    assert not result.ok
    assert result.first_bad_seq == 3
    assert result.records == 2
    assert "changed" in (result.problem or "")


def test_a_removed_record_is_found(ledger: Ledger) -> None:
    _append(ledger, 4)
    _tamper(ledger, lambda: sa.delete(AuditRecordRow).where(AuditRecordRow.seq == 2))
    with ledger.session(read_only=True) as session:
        result = verify_audit_chain(session)
    assert not result.ok
    assert result.first_bad_seq == 3
    assert "missing" in (result.problem or "")
