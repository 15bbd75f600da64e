"""Use cases of authentication: log in, refresh, log out, and the per-request check the API
calls (``authenticate``, then ``authorize`` against the one permission table).

Access tokens are short-lived JWTs; a login session is a family of refresh tokens stored hashed
in the ledger, each spent by one refresh. A spent token presented again means it was stolen or
replayed: the whole family is revoked, and with it every access token of the session. Failed
logins are counted per username in the ledger, so a lockout holds across processes. The
per-request check lives in ``ops.credentials`` and is re-exported here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from workbench.core.errors import AuthError
from workbench.core.security import (
    TokenSigner,
    hash_password,
    looks_like_refresh_token,
    new_refresh_token,
    password_needs_rehash,
    secret_digest,
    verify_password,
)
from workbench.ledger import (
    LoginThrottleRow,
    RefreshTokenRow,
    UserRow,
    append_audit,
    hold_audit_lock,
)
from workbench.ops.credentials import (
    Principal,
    authenticate,
    authorize,
    forget_credentials,
    remembered,
)
from workbench.ops.secrets import token_signer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from workbench.runtime import Runtime

__all__ = [
    "Principal",
    "TokenPair",
    "authenticate",
    "authorize",
    "forget_credentials",
    "login",
    "logout",
    "refresh",
    "remembered",
]

# An argon2id hash of a throwaway password: an unknown username costs the same verification
# as a known one, so response times do not tell which usernames exist.
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$lS0Ojb5B1h9qx/sgQZncIQ"
    "$aYZB2n2p3Va2UfdaCALxqw01QQ/PgnWDQcegTxy2Gqc"
)
_BAD_LOGIN = "invalid username or password"
_MAX_USERNAME = 64  # the users table's column


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    token_type: str
    #: seconds the access token lives
    expires_in: int
    refresh_expires_at: datetime
    session_id: str


def login(
    rt: Runtime,
    username: str,
    password: str,
    *,
    client: str | None = None,
    now: datetime | None = None,
) -> TokenPair:
    """Tokens for a user whose password matches, or AuthError; counts failures toward lockout.
    ``client`` (the caller's address, as the API's server resolved it) goes into every audit
    record of the attempt, success or failure."""
    moment = _now(now)
    where = {"client": client} if client is not None else {}
    api = rt.settings.api
    signer = token_signer(rt.settings)
    if not 0 < len(username) <= _MAX_USERNAME:
        verify_password(_DUMMY_HASH, password)  # no such user can exist; answer as for one
        raise AuthError(_BAD_LOGIN)
    with rt.ledger.session(read_only=True) as session:
        user = session.scalar(sa.select(UserRow).where(UserRow.username == username))
        throttle = session.get(LoginThrottleRow, username)
    _refuse_if_locked(rt, username, throttle, moment, where)
    matches = verify_password(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not matches:
        _count_failure(rt, username, moment, where)
        raise AuthError(_BAD_LOGIN)
    if not user.active:
        with rt.ledger.session() as session:
            _audit(session, "auth.login_failed", username, moment, reason="disabled", **where)
        raise AuthError(f"user {username!r} is disabled")
    with rt.ledger.session() as session:
        hold_audit_lock(session)
        session.execute(sa.delete(LoginThrottleRow).where(LoginThrottleRow.username == username))
        changes: dict[str, object] = {"last_login_at": moment}
        if password_needs_rehash(user.password_hash):  # hashed under older argon2 parameters
            changes["password_hash"] = hash_password(password)
        session.execute(sa.update(UserRow).where(UserRow.id == user.id).values(**changes))
        family = uuid.uuid4().hex
        pair = _issue(
            session, signer, user, family, moment, api.refresh_ttl_days, api.access_ttl_minutes
        )
        _audit(session, "auth.login", username, moment, user_id=user.id, session_id=family, **where)
    return pair


def refresh(rt: Runtime, refresh_token: str, *, now: datetime | None = None) -> TokenPair:
    """Spend a refresh token for a new pair in the same session. A token spent before revokes
    the session (its family) and is refused."""
    moment = _now(now)
    api = rt.settings.api
    signer = token_signer(rt.settings)
    reused = False
    with rt.ledger.session() as session:
        hold_audit_lock(session)
        row = _refresh_row(session, refresh_token)
        user = session.get(UserRow, row.user_id)
        assert user is not None  # the foreign key cascades
        if row.used_at is not None and row.revoked_at is None:
            _revoke_family(session, row.family_id, moment)
            _audit(session, "auth.refresh_reuse", user.username, moment, session_id=row.family_id)
            reused = True
        else:
            _check_usable(row, user, moment)
            spent = session.execute(
                sa.update(RefreshTokenRow)
                .where(RefreshTokenRow.id == row.id, RefreshTokenRow.used_at.is_(None))
                .values(used_at=moment)
            )
            if spent.rowcount != 1:  # type: ignore[attr-defined]
                raise AuthError("the refresh token was spent concurrently; log in again")
            _audit(session, "auth.refresh", user.username, moment, session_id=row.family_id)
            return _issue(
                session,
                signer,
                user,
                row.family_id,
                moment,
                api.refresh_ttl_days,
                api.access_ttl_minutes,
            )
    assert reused
    forget_credentials(rt)
    raise AuthError("refresh token reused: the session is revoked; log in again")


def logout(rt: Runtime, refresh_token: str, *, now: datetime | None = None) -> None:
    """End the session the refresh token belongs to: its refresh and access tokens stop working."""
    moment = _now(now)
    with rt.ledger.session() as session:
        row = _refresh_row(session, refresh_token)
        user = session.get(UserRow, row.user_id)
        _revoke_family(session, row.family_id, moment)
        name = user.username if user else str(row.user_id)
        _audit(session, "auth.logout", name, moment, session_id=row.family_id)
    forget_credentials(rt)


def _issue(
    session: Session,
    signer: TokenSigner,
    user: UserRow,
    family: str,
    moment: datetime,
    refresh_days: float,
    access_minutes: int,
) -> TokenPair:
    token = new_refresh_token()
    expires = moment + timedelta(days=refresh_days)
    session.add(
        RefreshTokenRow(
            user_id=user.id,
            family_id=family,
            token_hash=secret_digest(token),
            expires_at=expires,
            created_at=moment,
        )
    )
    ttl = timedelta(minutes=access_minutes)
    access, _ = signer.issue(
        user_id=user.id,
        username=user.username,
        role=user.role.value,
        session_id=family,
        ttl=ttl,
        now=moment,
    )
    return TokenPair(
        access_token=access,
        refresh_token=token,
        token_type="bearer",  # noqa: S106  # nosec B106 # the OAuth token type, not a secret
        expires_in=int(ttl.total_seconds()),
        refresh_expires_at=expires,
        session_id=family,
    )


def _refresh_row(session: Session, refresh_token: str) -> RefreshTokenRow:
    if not looks_like_refresh_token(refresh_token.strip()):
        raise AuthError("not a refresh token")
    row = session.scalar(
        sa.select(RefreshTokenRow).where(
            RefreshTokenRow.token_hash == secret_digest(refresh_token.strip())
        )
    )
    if row is None:
        raise AuthError("unknown refresh token")
    return row


def _check_usable(row: RefreshTokenRow, user: UserRow, moment: datetime) -> None:
    if row.revoked_at is not None:
        raise AuthError("the session was logged out or revoked; log in again")
    if row.expires_at <= moment:
        raise AuthError("the refresh token has expired; log in again")
    if not user.active:
        raise AuthError(f"user {user.username!r} is disabled")


def _revoke_family(session: Session, family: str, moment: datetime) -> None:
    session.execute(
        sa.update(RefreshTokenRow)
        .where(RefreshTokenRow.family_id == family, RefreshTokenRow.revoked_at.is_(None))
        .values(revoked_at=moment)
    )


def _refuse_if_locked(
    rt: Runtime,
    username: str,
    throttle: LoginThrottleRow | None,
    moment: datetime,
    where: dict[str, str],
) -> None:
    if throttle is None or throttle.locked_until is None or throttle.locked_until <= moment:
        return
    with rt.ledger.session() as session:
        _audit(session, "auth.login_failed", username, moment, reason="locked", **where)
    raise AuthError(
        f"too many failed logins: {username!r} is locked until {_hm(throttle.locked_until)}"
    )


def _count_failure(rt: Runtime, username: str, moment: datetime, where: dict[str, str]) -> None:
    api = rt.settings.api
    with rt.ledger.session() as session:
        hold_audit_lock(session)  # read, count and write as one step across processes
        throttle = session.get(LoginThrottleRow, username)
        if throttle is None:
            throttle = LoginThrottleRow(username=username, failures=0)
            session.add(throttle)
        throttle.failures += 1
        throttle.updated_at = moment
        # names tried once (a spray of unknown users) and long quiet, unlocked: forgotten, so
        # the table holds one lockout window of failures, not every name ever tried
        session.execute(
            sa.delete(LoginThrottleRow).where(
                LoginThrottleRow.username != username,
                LoginThrottleRow.updated_at < moment - timedelta(minutes=api.lockout_minutes),
                sa.or_(
                    LoginThrottleRow.locked_until.is_(None),
                    LoginThrottleRow.locked_until <= moment,
                ),
            )
        )
        _audit(session, "auth.login_failed", username, moment, reason="bad_credentials", **where)
        if throttle.failures >= api.lockout_threshold:
            throttle.locked_until = moment + timedelta(minutes=api.lockout_minutes)
            throttle.failures = 0
            _audit(
                session,
                "auth.lockout",
                username,
                moment,
                until=throttle.locked_until.isoformat(),
                failures=api.lockout_threshold,
                **where,
            )


def _audit(session: Session, kind: str, username: str, moment: datetime, **payload: object) -> None:
    append_audit(
        session,
        kind=kind,
        actor=f"user:{username}",
        payload={"username": username, **payload},
        at=moment,
    )


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


def _hm(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
