"""Use cases of the broker keys the ledger keeps: store, list, reseal, delete.

A venue's keys are sealed (``workbench.core.sealing``) under ``WB_SECRETS__KEY`` before they
reach the ledger, and opened only by the runtime when it builds the venue and the environment
gives no keys of its own. Nothing here ever returns or logs a key: a listing shows the key id's
last four characters and which sealing key holds them; the audit records the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from workbench.core.errors import ConfigError, NotFound, ValidationError
from workbench.core.sealing import sealer_for
from workbench.ledger import BrokerCredentialRow, append_audit

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from workbench.core.config import Settings
    from workbench.runtime import Runtime

__all__ = ["StoredKeys", "delete", "keyed_venue", "keyed_venues", "list_stored", "reseal", "store"]


@dataclass(frozen=True)
class StoredKeys:
    venue: str
    #: the key id's last four characters
    hint: str
    #: fingerprint of the sealing key that holds them; ``current`` says whether it is today's
    sealed_with: str
    current: bool
    stored_by: str
    updated_at: datetime


def keyed_venues(settings: Settings) -> tuple[str, ...]:
    """Venues whose settings take a key id and a secret key (``alpaca``)."""
    return tuple(
        name for name in type(settings).model_fields if hasattr(getattr(settings, name), "has_keys")
    )


def store(rt: Runtime, venue: str, *, api_key: str, secret_key: str, actor: str) -> StoredKeys:
    """Seal and keep ``venue``'s keys, replacing any stored before."""
    venue = keyed_venue(rt.settings, venue)
    api_key, secret_key = api_key.strip(), secret_key.strip()
    if not api_key or not secret_key:
        raise ValidationError(f"{venue} needs both a key id and a secret key; one is empty")
    if any(c.isspace() for c in api_key + secret_key):
        raise ValidationError(f"{venue} keys hold no whitespace: check what was pasted")
    sealer = sealer_for(rt.settings)
    with rt.ledger.session() as session:
        row = _row(session, venue)
        if row is None:
            row = BrokerCredentialRow(venue=venue)
            session.add(row)
        row.api_key_sealed = sealer.seal(api_key)
        row.secret_key_sealed = sealer.seal(secret_key)
        row.hint, row.sealed_with, row.stored_by = api_key[-4:], sealer.fingerprint, actor
        row.updated_at = datetime.now(UTC)
        session.flush()
        _audit(session, "broker_keys.stored", actor, row)
        return _info(row, sealer.fingerprint)


def list_stored(rt: Runtime) -> list[StoredKeys]:
    query = sa.select(BrokerCredentialRow).order_by(BrokerCredentialRow.venue)
    with rt.ledger.session(read_only=True) as session:
        rows = list(session.scalars(query))
    if not rows:
        return []
    try:
        current = sealer_for(rt.settings).fingerprint
    except ConfigError:  # no sealing key here: the listing still says what is stored
        current = ""
    return [_info(row, current) for row in rows]


def reseal(rt: Runtime, *, actor: str) -> list[StoredKeys]:
    """Every stored key sealed anew under ``WB_SECRETS__KEY`` (after a rotation: the old key
    in ``WB_SECRETS__PREVIOUS_KEYS``); all or none, since one transaction holds every row."""
    sealer = sealer_for(rt.settings)
    with rt.ledger.session() as session:
        rows = list(
            session.scalars(sa.select(BrokerCredentialRow).order_by(BrokerCredentialRow.id))
        )
        for row in rows:
            what = f"the stored {row.venue} keys"
            row.api_key_sealed = sealer.reseal(row.api_key_sealed, what=what)
            row.secret_key_sealed = sealer.reseal(row.secret_key_sealed, what=what)
            if row.sealed_with != sealer.fingerprint:
                previous = row.sealed_with
                row.sealed_with = sealer.fingerprint
                _audit(session, "broker_keys.resealed", actor, row, previous=previous)
        session.flush()
        return [_info(row, sealer.fingerprint) for row in rows]


def delete(rt: Runtime, venue: str, *, actor: str) -> StoredKeys:
    venue = keyed_venue(rt.settings, venue)
    with rt.ledger.session() as session:
        row = _row(session, venue)
        if row is None:
            raise NotFound(f"no {venue} keys are stored")
        info = _info(row, row.sealed_with)
        _audit(session, "broker_keys.deleted", actor, row)
        session.delete(row)
        return info


def keyed_venue(settings: Settings, venue: str) -> str:
    """``venue``'s name, checked to be one that takes keys."""
    name = venue.strip().lower()
    known = keyed_venues(settings)
    if name not in known:
        raise ValidationError(f"{venue!r} takes no keys: keys are kept for {', '.join(known)}")
    return name


def _row(session: Session, venue: str) -> BrokerCredentialRow | None:
    query = sa.select(BrokerCredentialRow).where(BrokerCredentialRow.venue == venue)
    return session.scalar(query)


def _audit(
    session: Session, kind: str, actor: str, row: BrokerCredentialRow, **extra: object
) -> None:
    payload = {"venue": row.venue, "hint": row.hint, "sealed_with": row.sealed_with, **extra}
    append_audit(session, kind=kind, actor=actor, payload=payload)


def _info(row: BrokerCredentialRow, current: str) -> StoredKeys:
    return StoredKeys(
        venue=row.venue,
        hint=row.hint,
        sealed_with=row.sealed_with,
        current=row.sealed_with == current,
        stored_by=row.stored_by,
        updated_at=row.updated_at,
    )
