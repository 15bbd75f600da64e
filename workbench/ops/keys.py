"""Use cases of API keys: create (the key is shown once), list, revoke, rotate.

A key is stored as its SHA-256 and a visible prefix (``wbk_1a2b3c4d``) people can name it by.
It carries a role no higher than its user's. Rotation issues a new key and lets the old one
work for ``api.key_rotation_overlap_minutes`` more, so callers can switch without an outage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from workbench.core.errors import NotFound, PermissionDenied, ValidationError
from workbench.core.security import new_api_key, secret_digest
from workbench.ledger import ApiKeyRow, UserRow, append_audit, row_id
from workbench.model import Role, within
from workbench.ops.credentials import forget_credentials
from workbench.ops.users import parse_role

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from workbench.runtime import Runtime

__all__ = ["ApiKeyInfo", "CreatedKey", "create", "list_keys", "revoke", "rotate"]


@dataclass(frozen=True)
class ApiKeyInfo:
    id: int
    user: str
    name: str | None
    prefix: str
    role: Role
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    #: active, expired or revoked, as of the listing
    status: str


@dataclass(frozen=True)
class CreatedKey:
    """A new key: ``key`` is the secret itself, shown this once and stored nowhere."""

    key: str
    info: ApiKeyInfo


def create(
    rt: Runtime,
    *,
    username: str,
    actor: str,
    role: Role | str | None = None,
    name: str | None = None,
    expires_in_days: float | None = None,
    now: datetime | None = None,
) -> CreatedKey:
    """A key for ``username`` with ``role`` (default: the user's own, never higher)."""
    moment = _now(now)
    if expires_in_days is not None and expires_in_days <= 0:
        raise ValidationError("a key's expiry must be a positive number of days")
    if name is not None and not 0 < len(name) <= 64:
        raise ValidationError("a key's name must be 1 to 64 characters")
    with rt.ledger.session() as session:
        user = session.scalar(sa.select(UserRow).where(UserRow.username == username))
        if user is None:
            raise NotFound(f"no user named {username!r}")
        if not user.active:
            raise ValidationError(f"user {username!r} is disabled: enable them before adding keys")
        wanted = user.role if role is None else parse_role(role)
        if not within(wanted, user.role):
            raise PermissionDenied(
                f"a key cannot carry {wanted.value}: {username!r} is only {user.role.value}"
            )
        expires = moment + timedelta(days=expires_in_days) if expires_in_days else None
        key, row = _insert(session, user, wanted, name, expires, moment)
        _audit(session, "key.created", actor, row, user, expires_at=_iso(expires))
        return CreatedKey(key=key, info=_info(row, user.username, moment))


def list_keys(rt: Runtime, *, username: str | None = None) -> list[ApiKeyInfo]:
    moment = _now(None)
    query = sa.select(ApiKeyRow, UserRow.username).join(UserRow).order_by(ApiKeyRow.id)
    if username is not None:
        query = query.where(UserRow.username == username)
    with rt.ledger.session(read_only=True) as session:
        return [_info(row, name, moment) for row, name in session.execute(query).all()]


def revoke(rt: Runtime, key: int | str, *, actor: str, now: datetime | None = None) -> ApiKeyInfo:
    """Refuse the key from now on; ``key`` is its id or its visible prefix."""
    moment = _now(now)
    with rt.ledger.session() as session:
        row, user = _find(session, key)
        if row.revoked_at is None:
            row.revoked_at = moment
            _audit(session, "key.revoked", actor, row, user)
        info = _info(row, user.username, moment)
    forget_credentials(rt)
    return info


def rotate(
    rt: Runtime,
    key: int | str,
    *,
    actor: str,
    overlap_minutes: float | None = None,
    now: datetime | None = None,
) -> CreatedKey:
    """A new key like the old one (user, role, name, lifetime); the old one keeps working for
    ``overlap_minutes`` (default ``api.key_rotation_overlap_minutes``), then refuses."""
    moment = _now(now)
    overlap = (
        rt.settings.api.key_rotation_overlap_minutes if overlap_minutes is None else overlap_minutes
    )
    if overlap < 0:
        raise ValidationError("the rotation overlap must not be negative")
    with rt.ledger.session() as session:
        old, user = _find(session, key)
        if old.revoked_at is not None or (old.expires_at is not None and old.expires_at <= moment):
            raise ValidationError(f"API key {old.prefix} no longer works: create a new key instead")
        if not user.active:
            raise ValidationError(f"user {user.username!r} is disabled")
        lifetime = old.expires_at - old.created_at if old.expires_at is not None else None
        role = old.role if within(old.role, user.role) else user.role
        new_key, new = _insert(
            session, user, role, old.name, moment + lifetime if lifetime else None, moment
        )
        cutoff = moment + timedelta(minutes=overlap)
        old.expires_at = cutoff if old.expires_at is None else min(old.expires_at, cutoff)
        _audit(
            session,
            "key.rotated",
            actor,
            new,
            user,
            replaces=old.id,
            replaced_prefix=old.prefix,
            old_expires_at=_iso(old.expires_at),
        )
        created = CreatedKey(key=new_key, info=_info(new, user.username, moment))
    forget_credentials(rt)  # the old key's new expiry
    return created


def _insert(
    session: Session,
    user: UserRow,
    role: Role,
    name: str | None,
    expires: datetime | None,
    moment: datetime,
) -> tuple[str, ApiKeyRow]:
    key, prefix = new_api_key()
    row = ApiKeyRow(
        user_id=user.id,
        name=name,
        prefix=prefix,
        key_hash=secret_digest(key),
        role=role,
        expires_at=expires,
        created_at=moment,
    )
    session.add(row)
    session.flush()
    return key, row


def _find(session: Session, key: int | str) -> tuple[ApiKeyRow, UserRow]:
    text = str(key).strip()
    number = row_id(text)
    where = ApiKeyRow.id == number if number is not None else ApiKeyRow.prefix == text
    found = session.execute(sa.select(ApiKeyRow, UserRow).join(UserRow).where(where)).first()
    if found is None:
        raise NotFound(f"no API key {text!r} (give its id or its prefix, e.g. wbk_1a2b3c4d)")
    return found[0], found[1]


def _audit(
    session: Session, kind: str, actor: str, row: ApiKeyRow, user: UserRow, **extra: object
) -> None:
    payload = {"key_id": row.id, "prefix": row.prefix, "username": user.username}
    payload.update({"role": row.role.value, **extra})
    append_audit(session, kind=kind, actor=actor, payload=payload)


def _info(row: ApiKeyRow, username: str, moment: datetime) -> ApiKeyInfo:
    if row.revoked_at is not None:
        status = "revoked"
    elif row.expires_at is not None and row.expires_at <= moment:
        status = "expired"
    else:
        status = "active"
    return ApiKeyInfo(
        id=row.id,
        user=username,
        name=row.name,
        prefix=row.prefix,
        role=row.role,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
        status=status,
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)
