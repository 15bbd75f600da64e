"""The per-request credential check the API calls (``authenticate``, then ``authorize`` against
the one permission table), and what a process remembers of it: the key, user and session rows
behind a credential, kept in ``rt.credentials`` for ``api.credential_cache_seconds``. The ops
that revoke, rotate, disable, demote or log out clear it (``forget_credentials``), so the change
holds at once in their process and within those seconds in others. ``ops.auth`` re-exports
what is public here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal

import sqlalchemy as sa

from workbench.core.errors import AuthError, PermissionDenied
from workbench.core.security import (
    AccessClaims,
    api_key_prefix,
    looks_like_api_key,
    looks_like_refresh_token,
    secret_digest,
)
from workbench.ledger import ApiKeyRow, RefreshTokenRow, UserRow
from workbench.model import Permission, Role, can, within
from workbench.ops.secrets import token_signer

if TYPE_CHECKING:
    from workbench.runtime import Runtime

__all__ = ["Principal", "authenticate", "authorize", "forget_credentials", "remembered"]

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
    if any(space.isspace() for space in credential):  # "Bearer Bearer <key>" is not a credential
        raise AuthError("malformed credentials: send Authorization: Bearer <token or API key>")
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


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)
