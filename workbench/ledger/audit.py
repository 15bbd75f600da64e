"""The audit chain: an append-only log where each record's SHA-256 covers the one before.

Changing, removing or reordering any record breaks every hash after it, which
``verify_audit_chain`` reports with the first bad ``seq``. (A chain cannot show that records
were cut off its end; publish the head hash elsewhere, e.g. in reports, to pin it.)
"""

from __future__ import annotations

import hashlib
import json
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from workbench.ledger.models import AuditRecordRow
from workbench.ledger.sqltypes import json_default, utcnow

__all__ = [
    "GENESIS_HASH",
    "AuditVerification",
    "append_audit",
    "canonical_json",
    "chain_hash",
    "hold_audit_lock",
    "verify_audit_chain",
]

#: the ``prev_hash`` of the first record
GENESIS_HASH = "0" * 64
_APPEND_LOCK = 0x5742_4155  # "WBAU": PostgreSQL advisory lock serialising appends


def canonical_json(value: Any) -> str:
    """One spelling per value: sorted keys, no spaces, Decimals and datetimes as strings."""
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=json_default,
    )


def chain_hash(
    *, seq: int, prev_hash: str, kind: str, actor: str, payload: Any, created_at: datetime
) -> str:
    """SHA-256 (hex) of a record's content and its predecessor's hash."""
    if created_at.tzinfo is None:
        raise ValueError("audit times are timezone-aware")
    document = {
        "seq": seq,
        "prev_hash": prev_hash,
        "kind": kind,
        "actor": actor,
        "payload": payload,
        "created_at": created_at.astimezone(UTC).isoformat(timespec="microseconds"),
    }
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def stored_payload(payload: Any) -> Any:
    """The payload exactly as both dialects give it back, so its hash survives the round trip.

    Integral floats become ints: PostgreSQL's JSONB returns ``1e+20`` as ``100000000000000000000``.
    """
    return _integral_floats_as_ints(json.loads(canonical_json(payload)))


def _integral_floats_as_ints(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _integral_floats_as_ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral_floats_as_ints(v) for v in value]
    return value


def hold_audit_lock(session: Session) -> None:
    """Take the lock that serialises appends now, for the rest of ``session``'s transaction.

    A transaction that reads ledger rows, decides and writes them (booking a fill, inserting an
    order unless its client order id is known) takes it first, so what it read is still true
    when it writes: on PostgreSQL every such transaction queues on this advisory lock; on
    SQLite the writing transaction already holds the database's write lock from its start."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(_APPEND_LOCK)))


def append_audit(
    session: Session,
    *,
    kind: str,
    actor: str,
    payload: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditRecordRow:
    """Add the next record to the chain in ``session``'s transaction and return it (flushed).

    Appends are serialised: on SQLite by the writing transaction's lock, on PostgreSQL by an
    advisory lock held to commit. Should two writers still race, ``seq`` is unique and one fails.
    """
    hold_audit_lock(session)
    last = session.execute(
        sa.select(AuditRecordRow.seq, AuditRecordRow.hash)
        .order_by(AuditRecordRow.seq.desc())
        .limit(1)
    ).first()
    seq, prev_hash = (1, GENESIS_HASH) if last is None else (last.seq + 1, last.hash)
    content = stored_payload(payload or {})
    created_at = (at or utcnow()).astimezone(UTC)
    record = AuditRecordRow(
        seq=seq,
        prev_hash=prev_hash,
        hash=chain_hash(
            seq=seq,
            prev_hash=prev_hash,
            kind=kind,
            actor=actor,
            payload=content,
            created_at=created_at,
        ),
        kind=kind,
        actor=actor,
        payload=content,
        created_at=created_at,
    )
    session.add(record)
    session.flush()
    return record


@dataclass(frozen=True)
class AuditVerification:
    ok: bool
    records: int
    #: the first record that does not check out
    first_bad_seq: int | None = None
    problem: str | None = None
    head_hash: str | None = None


def verify_audit_chain(session: Session) -> AuditVerification:
    """Recompute the chain from the first record; stop at the first that does not match."""
    prev_hash, expected, head = GENESIS_HASH, 1, None
    query = sa.select(AuditRecordRow).order_by(AuditRecordRow.seq).execution_options(yield_per=500)
    # closing: returning early must not leave PostgreSQL's server-side cursor open
    with closing(session.scalars(query)) as records:
        for record in records:
            problem = _problem(record, expected, prev_hash)
            if problem is not None:
                return AuditVerification(False, expected - 1, record.seq, problem, head)
            prev_hash, expected, head = record.hash, expected + 1, record.hash
    return AuditVerification(True, expected - 1, head_hash=head)


def _problem(record: AuditRecordRow, expected_seq: int, prev_hash: str) -> str | None:
    if record.seq != expected_seq:
        return f"seq {record.seq} follows {expected_seq - 1}: records are missing"
    if record.prev_hash != prev_hash:
        return f"record {record.seq} does not point at the hash of record {expected_seq - 1}"
    recomputed = chain_hash(
        seq=record.seq,
        prev_hash=record.prev_hash,
        kind=record.kind,
        actor=record.actor,
        payload=record.payload,
        created_at=record.created_at,
    )
    if recomputed != record.hash:
        return f"record {record.seq} was changed after it was written"
    return None
