"""Use cases of the audit chain: verify it end to end, and read it filtered."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from workbench.ledger import AuditRecordRow, AuditVerification, verify_audit_chain
from workbench.model import validate_period

if TYPE_CHECKING:
    from workbench.runtime import Runtime

__all__ = ["records", "verify"]


def verify(rt: Runtime) -> AuditVerification:
    with rt.ledger.session(read_only=True) as session:
        return verify_audit_chain(session)


def records(
    rt: Runtime,
    *,
    kind: str | None = None,
    actor: str | None = None,
    start: date | None = None,
    end: date | None = None,
    limit: int = 100,
    before: int | None = None,
) -> list[dict[str, Any]]:
    """Records newest first; ``kind`` matches a prefix (``order`` finds order.intent and
    order.event), ``start``/``end`` are inclusive UTC dates. ``before`` is a cursor: only
    records older than that sequence number (the last ``seq`` of the previous page)."""
    validate_period(start, end)
    query = sa.select(AuditRecordRow).order_by(AuditRecordRow.seq.desc()).limit(limit)
    if before is not None:
        query = query.where(AuditRecordRow.seq < before)
    if kind:
        query = query.where(AuditRecordRow.kind.startswith(kind, autoescape=True))
    if actor:
        query = query.where(AuditRecordRow.actor == actor)
    if start:
        query = query.where(AuditRecordRow.created_at >= datetime.combine(start, time(), UTC))
    if end:
        after = datetime.combine(end + timedelta(days=1), time(), UTC)
        query = query.where(AuditRecordRow.created_at < after)
    with rt.ledger.session(read_only=True) as session:
        return [
            {
                "seq": row.seq,
                "created_at": row.created_at.isoformat(),
                "kind": row.kind,
                "actor": row.actor,
                "payload": row.payload,
                "hash": row.hash,
            }
            for row in session.scalars(query)
        ]
