"""Use cases of users: the first admin, adding, listing, disabling and changing roles.

Passwords are stored as argon2id hashes and never leave this module; every change is in the
audit chain with who made it, never with a password or a hash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from workbench.core.errors import ConfigError, NotFound, ValidationError
from workbench.core.security import hash_password
from workbench.ledger import LoginThrottleRow, UserRow, append_audit
from workbench.model import Role
from workbench.ops.credentials import forget_credentials

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from workbench.runtime import Runtime

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "UserInfo",
    "add",
    "create_admin",
    "disable",
    "enable",
    "list_users",
    "parse_role",
    "set_role",
]

MIN_PASSWORD_LENGTH = 12
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    role: Role
    active: bool
    created_at: datetime
    last_login_at: datetime | None
    #: set while failed logins keep the user locked out
    locked_until: datetime | None


def create_admin(
    rt: Runtime, username: str, password: str, *, actor: str, force: bool = False
) -> UserInfo:
    """The first admin. Refused once an active admin exists, unless ``force``: then a new
    username becomes another admin, and an existing one gets this password, the admin role and
    is enabled again (the way back in when every admin password is lost)."""
    _check_password(password)
    with rt.ledger.session() as session:
        admins = session.scalars(
            sa.select(UserRow.username).where(UserRow.role == Role.ADMIN, UserRow.active)
        ).all()
        if admins and not force:
            raise ConfigError(
                f"an admin already exists ({', '.join(admins)}): add users with "
                "`workbench users add`, or pass --force to create or reset an admin anyway"
            )
        row = session.scalar(sa.select(UserRow).where(UserRow.username == username))
        if row is None:
            row = _insert(session, username, password, Role.ADMIN, actor)
        else:
            row.password_hash = hash_password(password)
            row.role, row.active = Role.ADMIN, True
            session.execute(
                sa.delete(LoginThrottleRow).where(LoginThrottleRow.username == username)
            )
            _audit(session, "user.admin_reset", actor, username=username)
        info = _info(row, None)
    forget_credentials(rt)
    return info


def add(rt: Runtime, username: str, password: str, *, role: Role | str, actor: str) -> UserInfo:
    _check_password(password)
    with rt.ledger.session() as session:
        if session.scalar(sa.select(UserRow.id).where(UserRow.username == username)) is not None:
            raise ValidationError(f"user {username!r} already exists")
        return _info(_insert(session, username, password, parse_role(role), actor), None)


def list_users(rt: Runtime) -> list[UserInfo]:
    now = datetime.now(UTC)
    with rt.ledger.session(read_only=True) as session:
        locks = {
            t.username: t.locked_until
            for t in session.scalars(
                sa.select(LoginThrottleRow).where(LoginThrottleRow.locked_until > now)
            )
        }
        rows = session.scalars(sa.select(UserRow).order_by(UserRow.username)).all()
        return [_info(row, locks.get(row.username)) for row in rows]


def disable(rt: Runtime, username: str, *, actor: str) -> UserInfo:
    """Refuse the user's logins, tokens and keys from now on (nothing is deleted)."""
    with rt.ledger.session() as session:
        row = _get(session, username)
        if row.active:
            row.active = False
            _audit(session, "user.disabled", actor, username=username)
        info = _info(row, None)
    forget_credentials(rt)
    return info


def enable(rt: Runtime, username: str, *, actor: str) -> UserInfo:
    """Let a disabled user log in again; their unexpired tokens and keys work again too."""
    with rt.ledger.session() as session:
        row = _get(session, username)
        if not row.active:
            row.active = True
            _audit(session, "user.enabled", actor, username=username)
        return _info(row, None)


def set_role(rt: Runtime, username: str, role: Role | str, *, actor: str) -> UserInfo:
    """Change a user's role; their keys are capped by it from the next request."""
    new = parse_role(role)
    with rt.ledger.session() as session:
        row = _get(session, username)
        if row.role != new:
            before, row.role = row.role, new
            _audit(
                session,
                "user.role_changed",
                actor,
                username=username,
                before=before.value,
                after=new.value,
            )
        info = _info(row, None)
    forget_credentials(rt)
    return info


def parse_role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise ValidationError(
            f"unknown role {role!r}: expected one of {', '.join(r.value for r in Role)}"
        ) from None


def _insert(session: Session, username: str, password: str, role: Role, actor: str) -> UserRow:
    if not _USERNAME.match(username):
        raise ValidationError(
            f"invalid username {username!r}: 1 to 64 letters, digits and . _ @ -, "
            "starting with a letter or digit"
        )
    row = UserRow(username=username, role=role, password_hash=hash_password(password), active=True)
    session.add(row)
    session.flush()
    _audit(session, "user.created", actor, username=username, role=role.value)
    return row


def _get(session: Session, username: str) -> UserRow:
    row = session.scalar(sa.select(UserRow).where(UserRow.username == username))
    if row is None:
        raise NotFound(f"no user named {username!r}")
    return row


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"a password must be at least {MIN_PASSWORD_LENGTH} characters")
    if password.strip() != password:
        raise ValidationError("a password must not start or end with whitespace")


def _audit(session: Session, kind: str, actor: str, **payload: object) -> None:
    append_audit(session, kind=kind, actor=actor, payload=dict(payload))


def _info(row: UserRow, locked_until: datetime | None) -> UserInfo:
    return UserInfo(
        id=row.id,
        username=row.username,
        role=row.role,
        active=row.active,
        created_at=row.created_at,
        last_login_at=row.last_login_at,
        locked_until=locked_until,
    )
