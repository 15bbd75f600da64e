"""Use cases of authentication: log in, refresh, log out, and the per-request check the API
calls (``authenticate``, then ``authorize`` against the one permission table).

Access tokens are short-lived JWTs; a login session is a family of refresh tokens stored hashed
in the ledger, each spent by one refresh. A spent token presented again means it was stolen or
replayed: the whole family is revoked, and with it every access token of the session. Failed
logins are counted per username in the ledger, so a lockout holds across processes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal

import sqlalchemy as sa

from workbench.core.errors import AuthError, PermissionDenied
from workbench.core.security import (
    AccessClaims,
    TokenSigner,
    api_key_prefix,
    hash_password,
    looks_like_api_key,
    looks_like_refresh_token,
    new_refresh_token,
    password_needs_rehash,
    secret_digest,
    verify_password,
)
from workbench.ledger import (
    ApiKeyRow,
    LoginThrottleRow,
    RefreshTokenRow,
    UserRow,
    append_audit,
    hold_audit_lock,
)
from workbench.model import Permission, Role, can, within
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
#: last_used_at is written at most this often per key, so a busy key does not write per request
_LAST_USED_GRANULARITY = timedelta(seconds=60)


@dataclass(frozen=True)
class Principal:
    """Who a request acts for: the user, the role it acts with (a key's may be lower), and how
    it proved it (``token``: an access token; ``key``: an API key, ``key_id`` names it;
    ``local``: the operator at this home's command line, ``ops.jobs.operator``)."""

    user: str
    role: Role
    via: Literal["token", "key", "local"]
    key_id: int | None = None
    user_id: int | None = None


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    token_type: str
    #: seconds the access token lives
    expires_in: int
    refresh_expires_at: datetime
    session_id: str


def login(rt: Runtime, username: str, password: str, *, now: datetime | None = None) -> TokenPair:
    """Tokens for a user whose password matches, or AuthError; counts failures toward lockout."""
    moment = _now(now)
    api = rt.settings.api
    signer = token_signer(rt.settings)
    if not 0 < len(username) <= _MAX_USERNAME:
        verify_password(_DUMMY_HASH, password)  # no such user can exist; answer as for one
        raise AuthError(_BAD_LOGIN)
    with rt.ledger.session(read_only=True) as session:
        user = session.scalar(sa.select(UserRow).where(UserRow.username == username))
        throttle = session.get(LoginThrottleRow, username)
    _refuse_if_locked(rt, username, throttle, moment)
    matches = verify_password(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not matches:
        _count_failure(rt, username, moment)
        raise AuthError(_BAD_LOGIN)
    if not user.active:
        with rt.ledger.session() as session:
            _audit(session, "auth.login_failed", username, moment, reason="disabled")
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
        _audit(session, "auth.login", username, moment, user_id=user.id, session_id=family)
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


def authenticate(rt: Runtime, bearer_or_key: str, *, now: datetime | None = None) -> Principal:
    """Who presented this access token or API key, or AuthError saying why not."""
    credential = _credential(bearer_or_key)
    if looks_like_api_key(credential):
        return _authenticate_key(rt, credential, _now(now))
    return _authenticate_token(rt, token_signer(rt.settings).verify(credential))


def remembered(rt: Runtime, bearer_or_key: str, *, now: datetime | None = None) -> Principal | None:
    """``authenticate``'s answer when this process verified the credential lately and the
    ledger has nothing to add (no read, no write: safe on an event loop); None when only
    ``authenticate`` can say. A token's signature and expiry are checked either way."""
    credential = _credential(bearer_or_key)
    if looks_like_api_key(credential):
        grant: _KeyGrant | None = rt.credentials.get(("key", secret_digest(credential)))
        if grant is None or grant.needs_ledger(_now(now)):
            return None
        return grant.principal
    principal: Principal | None = rt.credentials.get(
        _token_entry(token_signer(rt.settings).verify(credential))
    )
    return principal


def _credential(bearer_or_key: str) -> str:
    credential = bearer_or_key.strip()
    scheme, _, rest = credential.partition(" ")
    if scheme.lower() == "bearer":
        credential = rest.strip()
    if not credential:
        raise AuthError("no credentials: send an access token or an API key")
    if looks_like_refresh_token(credential):
        raise AuthError("a refresh token is not an access token")
    return credential


def authorize(principal: Principal, permission: Permission | str) -> None:
    """PermissionDenied unless the principal's role has ``permission`` in the one table."""
    if not can(principal.role, permission):
        raise PermissionDenied(
            f"{principal.user} ({principal.role.value}) may not {Permission(permission).value}"
        )


def _authenticate_token(rt: Runtime, claims: AccessClaims) -> Principal:
    # the signature and expiry are checked on every request; the rows behind them are cached
    cache, entry = rt.credentials, _token_entry(claims)
    generation = cache.generation
    principal: Principal | None = cache.get(entry)
    if principal is None:
        principal = _token_principal(rt, claims)
        cache.put(entry, principal, generation=generation)
    return principal


def _token_entry(claims: AccessClaims) -> tuple[object, ...]:
    return ("token", claims.session_id, claims.user_id, claims.username, claims.role)


def _token_principal(rt: Runtime, claims: AccessClaims) -> Principal:
    with rt.ledger.session(read_only=True) as session:
        user = session.get(UserRow, claims.user_id)
        revoked = session.scalar(
            sa.select(sa.func.count())
            .select_from(RefreshTokenRow)
            .where(
                RefreshTokenRow.family_id == claims.session_id,
                RefreshTokenRow.revoked_at.is_not(None),
            )
        )
    if user is None or user.username != claims.username:
        raise AuthError("the access token's user no longer exists")
    if not user.active:
        raise AuthError(f"user {user.username!r} is disabled")
    if revoked:
        raise AuthError("the session was logged out or revoked")
    # a role lowered since the token was issued takes effect at once
    role = user.role if within(user.role, claims.role) else Role(claims.role)
    return Principal(user=user.username, role=role, via="token", user_id=user.id)


@dataclass(frozen=True)
class _KeyGrant:
    """What the ledger said of an API key when last read (kept in ``rt.credentials``)."""

    principal: Principal
    prefix: str
    expires_at: datetime | None
    last_used_at: datetime | None

    def needs_ledger(self, moment: datetime) -> bool:
        """Expired (the ledger says why), or its last use is due to be written."""
        expired = self.expires_at is not None and self.expires_at <= moment
        return expired or self.use_due(moment)

    def use_due(self, moment: datetime) -> bool:
        return self.last_used_at is None or moment - self.last_used_at >= _LAST_USED_GRANULARITY


def _authenticate_key(rt: Runtime, key: str, moment: datetime) -> Principal:
    cache = rt.credentials
    entry, generation = ("key", secret_digest(key)), cache.generation
    grant: _KeyGrant | None = cache.get(entry)
    if grant is not None and not grant.needs_ledger(moment):
        return grant.principal
    # stored only as read now: a hit never stretches an entry's life past what it read
    grant = _key_grant(rt, key, moment)
    if grant.use_due(moment):
        with rt.ledger.session() as session:
            session.execute(
                sa.update(ApiKeyRow)
                .where(ApiKeyRow.id == grant.principal.key_id)
                .values(last_used_at=moment)
            )
        grant = replace(grant, last_used_at=moment)
    cache.put(entry, grant, generation=generation)
    return grant.principal


def _key_grant(rt: Runtime, key: str, moment: datetime) -> _KeyGrant:
    with rt.ledger.session(read_only=True) as session:
        row = session.scalar(sa.select(ApiKeyRow).where(ApiKeyRow.key_hash == secret_digest(key)))
        user = session.get(UserRow, row.user_id) if row is not None else None
    if row is None or user is None or row.prefix != api_key_prefix(key):
        raise AuthError("unknown API key")
    if row.revoked_at is not None:
        raise AuthError(f"API key {row.prefix} was revoked")
    if row.expires_at is not None and row.expires_at <= moment:
        raise AuthError(f"API key {row.prefix} has expired")
    if not user.active:
        raise AuthError(f"user {user.username!r} is disabled")
    role = row.role if within(row.role, user.role) else user.role
    principal = Principal(user=user.username, role=role, via="key", key_id=row.id, user_id=user.id)
    return _KeyGrant(principal, row.prefix, row.expires_at, row.last_used_at)


def forget_credentials(rt: Runtime) -> None:
    """After a change to a user, key or session is committed: this process reads the ledger
    again for every credential (other processes within ``api.credential_cache_seconds``)."""
    rt.credentials.clear()


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
        token_type="bearer",  # noqa: S106 - the OAuth token type, not a secret
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
    rt: Runtime, username: str, throttle: LoginThrottleRow | None, moment: datetime
) -> None:
    if throttle is None or throttle.locked_until is None or throttle.locked_until <= moment:
        return
    with rt.ledger.session() as session:
        _audit(session, "auth.login_failed", username, moment, reason="locked")
    raise AuthError(
        f"too many failed logins: {username!r} is locked until {_hm(throttle.locked_until)}"
    )


def _count_failure(rt: Runtime, username: str, moment: datetime) -> None:
    api = rt.settings.api
    with rt.ledger.session() as session:
        hold_audit_lock(session)  # read, count and write as one step across processes
        throttle = session.get(LoginThrottleRow, username)
        if throttle is None:
            throttle = LoginThrottleRow(username=username, failures=0)
            session.add(throttle)
        throttle.failures += 1
        throttle.updated_at = moment
        _audit(session, "auth.login_failed", username, moment, reason="bad_credentials")
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
