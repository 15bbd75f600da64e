"""Logins, tokens and lockout through ``workbench.ops`` on a real ledger, SQLite and PostgreSQL.

Two runtimes over one ledger stand for two processes: what one counts or revokes, the other sees.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from workbench.core.errors import AuthError, ConfigError, ValidationError
from workbench.ledger import AuditRecordRow, RefreshTokenRow, UserRow
from workbench.model import Role
from workbench.ops import auth, users
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("SEC-01")

PASSWORD = "correct horse battery"
ADMIN = "cli:tester"


def _user(rt: Runtime, name: str = "alice", role: Role = Role.TRADER) -> None:
    users.add(rt, name, PASSWORD, role=role, actor=ADMIN)


def _audit(rt: Runtime) -> list[AuditRecordRow]:
    with rt.ledger.session(read_only=True) as session:
        return list(session.scalars(sa.select(AuditRecordRow).order_by(AuditRecordRow.seq)))


def _kinds(rt: Runtime) -> list[str]:
    return [record.kind for record in _audit(rt)]


def test_a_login_in_one_process_authenticates_in_another(
    make_runtime: Callable[..., Runtime],
) -> None:
    first, second = make_runtime(), make_runtime()
    _user(first)
    pair = auth.login(first, "alice", PASSWORD)
    assert pair.token_type == "bearer" and pair.expires_in == 15 * 60
    principal = auth.authenticate(second, f"Bearer {pair.access_token}")
    assert (principal.user, principal.role, principal.via, principal.key_id) == (
        "alice",
        Role.TRADER,
        "token",
        None,
    )
    with second.ledger.session(read_only=True) as session:
        assert session.scalar(sa.select(UserRow.last_login_at)) is not None
    assert _kinds(second)[-1] == "auth.login"


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(
    make_runtime: Callable[..., Runtime],
) -> None:
    rt = make_runtime()
    _user(rt)
    with pytest.raises(AuthError) as wrong:
        auth.login(rt, "alice", "not the password")
    with pytest.raises(AuthError) as unknown:
        auth.login(rt, "mallory", PASSWORD)
    assert wrong.value.message == unknown.value.message == "invalid username or password"
    failures = [r for r in _audit(rt) if r.kind == "auth.login_failed"]
    assert [r.payload["username"] for r in failures] == ["alice", "mallory"]


def test_failures_in_two_processes_add_up_to_a_lockout(
    make_runtime: Callable[..., Runtime],
) -> None:
    first, second = (
        make_runtime(lockout_threshold=3, lockout_minutes=15),
        make_runtime(lockout_threshold=3, lockout_minutes=15),
    )
    _user(first)
    now = datetime.now(UTC)
    for rt in (first, second, first):
        with pytest.raises(AuthError, match="invalid username or password"):
            auth.login(rt, "alice", "wrong password!", now=now)
    # locked: the right password is refused too, in either process
    for rt in (second, first):
        with pytest.raises(AuthError, match="locked until"):
            auth.login(rt, "alice", PASSWORD, now=now + timedelta(minutes=1))
    assert "auth.lockout" in _kinds(first)
    locked = next(u for u in users.list_users(second) if u.username == "alice")
    assert locked.locked_until is not None
    pair = auth.login(second, "alice", PASSWORD, now=now + timedelta(minutes=16))
    assert pair.access_token
    # a success starts the count again
    with pytest.raises(AuthError, match="invalid"):
        auth.login(first, "alice", "wrong password!", now=now + timedelta(minutes=17))
    auth.login(first, "alice", PASSWORD, now=now + timedelta(minutes=17))


def test_refresh_rotates_and_a_reused_token_revokes_the_family(
    make_runtime: Callable[..., Runtime],
) -> None:
    first, second = make_runtime(), make_runtime()
    _user(first)
    pair = auth.login(first, "alice", PASSWORD)
    renewed = auth.refresh(second, pair.refresh_token)
    assert renewed.session_id == pair.session_id
    assert renewed.refresh_token != pair.refresh_token
    assert auth.authenticate(first, renewed.access_token).user == "alice"
    # the first token again: stolen or replayed; the whole session ends
    with pytest.raises(AuthError, match="reused"):
        auth.refresh(first, pair.refresh_token)
    with pytest.raises(AuthError, match="revoked"):
        auth.refresh(second, renewed.refresh_token)
    for token in (pair.access_token, renewed.access_token):
        with pytest.raises(AuthError, match="revoked"):
            auth.authenticate(second, token)
    assert "auth.refresh_reuse" in _kinds(first)
    with first.ledger.session(read_only=True) as session:
        family = session.scalars(
            sa.select(RefreshTokenRow.revoked_at).where(
                RefreshTokenRow.family_id == pair.session_id
            )
        ).all()
    assert len(family) == 2 and all(revoked is not None for revoked in family)
    # another login is a new family, untouched
    fresh = auth.login(first, "alice", PASSWORD)
    assert auth.authenticate(second, fresh.access_token).user == "alice"


def test_an_expired_refresh_token_is_refused(make_runtime: Callable[..., Runtime]) -> None:
    rt = make_runtime()
    _user(rt)
    pair = auth.login(rt, "alice", PASSWORD)
    with pytest.raises(AuthError, match="expired"):
        auth.refresh(rt, pair.refresh_token, now=datetime.now(UTC) + timedelta(days=8))


def test_logout_ends_the_session(make_runtime: Callable[..., Runtime]) -> None:
    first, second = make_runtime(), make_runtime()
    _user(first)
    pair = auth.login(first, "alice", PASSWORD)
    auth.logout(second, pair.refresh_token)
    with pytest.raises(AuthError, match="logged out"):
        auth.authenticate(first, pair.access_token)
    with pytest.raises(AuthError, match="logged out"):
        auth.refresh(first, pair.refresh_token)
    assert _kinds(first)[-1] == "auth.logout"


def test_a_refresh_token_is_not_an_access_token(make_runtime: Callable[..., Runtime]) -> None:
    rt = make_runtime()
    _user(rt)
    pair = auth.login(rt, "alice", PASSWORD)
    with pytest.raises(AuthError, match="refresh token is not an access token"):
        auth.authenticate(rt, pair.refresh_token)
    with pytest.raises(AuthError, match="no credentials"):
        auth.authenticate(rt, "Bearer ")


def test_a_disabled_user_is_refused_everywhere(make_runtime: Callable[..., Runtime]) -> None:
    first, second = make_runtime(), make_runtime()
    _user(first)
    pair = auth.login(first, "alice", PASSWORD)
    users.disable(second, "alice", actor=ADMIN)
    with pytest.raises(AuthError, match="disabled"):
        auth.authenticate(first, pair.access_token)
    with pytest.raises(AuthError, match="disabled"):
        auth.refresh(first, pair.refresh_token)
    with pytest.raises(AuthError, match="disabled"):
        auth.login(first, "alice", PASSWORD)
    assert "user.disabled" in _kinds(first)


def test_a_demotion_takes_effect_on_tokens_already_issued(
    make_runtime: Callable[..., Runtime],
) -> None:
    rt = make_runtime()
    _user(rt, role=Role.ADMIN)
    pair = auth.login(rt, "alice", PASSWORD)
    users.set_role(rt, "alice", Role.VIEWER, actor=ADMIN)
    assert auth.authenticate(rt, pair.access_token).role == Role.VIEWER
    record = _audit(rt)[-1]
    assert record.kind == "user.role_changed"
    assert record.payload == {"username": "alice", "before": "admin", "after": "viewer"}


def test_create_admin_is_refused_once_an_admin_exists_unless_forced(
    make_runtime: Callable[..., Runtime],
) -> None:
    rt = make_runtime()
    users.create_admin(rt, "root", PASSWORD, actor=ADMIN)
    with pytest.raises(ConfigError, match="an admin already exists"):
        users.create_admin(rt, "root2", PASSWORD, actor=ADMIN)
    users.disable(rt, "root", actor=ADMIN)
    reset = users.create_admin(rt, "root", "a brand new password", actor=ADMIN, force=True)
    assert reset.active and reset.role == Role.ADMIN
    auth.login(rt, "root", "a brand new password")
    with pytest.raises(ValidationError, match="at least 12"):
        users.add(rt, "bob", "short", role=Role.VIEWER, actor=ADMIN)
    with pytest.raises(ValidationError, match="unknown role"):
        users.add(rt, "bob", PASSWORD, role="superuser", actor=ADMIN)
    with pytest.raises(ValidationError, match="invalid username"):
        users.add(rt, "bob smith", PASSWORD, role=Role.VIEWER, actor=ADMIN)


def test_development_keeps_a_private_secret_and_production_refuses_without_one(
    make_runtime: Callable[..., Runtime], ledger_url: str, tmp_path: object
) -> None:
    from workbench.core.config import DEFAULT_JWT_SECRET
    from workbench.ops.secrets import development_secret_path

    rt = make_runtime(jwt_secret=DEFAULT_JWT_SECRET)
    _user(rt)
    pair = auth.login(rt, "alice", PASSWORD)
    path = development_secret_path(rt.settings)
    assert path.stat().st_mode & 0o777 == 0o600
    assert auth.authenticate(make_runtime(jwt_secret=DEFAULT_JWT_SECRET), pair.access_token)
    # a configured secret has another key id: the development token is refused by name
    with pytest.raises(AuthError, match="unknown signing key"):
        auth.authenticate(make_runtime(), pair.access_token)
    path.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        auth.login(rt, "alice", PASSWORD)
    production = Runtime.from_settings(rt.settings.model_copy(update={"env": "production"}))
    with pytest.raises(ConfigError, match="no JWT secret is configured"):
        auth.login(production, "alice", PASSWORD)


@pytest.mark.requirement("SEC-05")
def test_no_audit_record_holds_a_secret(make_runtime: Callable[..., Runtime]) -> None:
    from workbench.core.security import secret_digest
    from workbench.ops import keys

    rt = make_runtime(lockout_threshold=2)
    users.create_admin(rt, "root", PASSWORD, actor=ADMIN)
    _user(rt)
    pair = auth.login(rt, "alice", PASSWORD)
    renewed = auth.refresh(rt, pair.refresh_token)
    with pytest.raises(AuthError):
        auth.refresh(rt, pair.refresh_token)
    for _ in range(2):
        with pytest.raises(AuthError):
            auth.login(rt, "alice", "wrong password!")
    created = keys.create(rt, username="alice", actor=ADMIN)
    rotated = keys.rotate(rt, created.info.id, actor=ADMIN)
    keys.revoke(rt, rotated.info.prefix, actor=ADMIN)
    users.set_role(rt, "alice", Role.ANALYST, actor=ADMIN)
    users.disable(rt, "alice", actor=ADMIN)
    records = _audit(rt)
    kinds = {r.kind for r in records}
    assert kinds >= {
        "user.created",
        "auth.login",
        "auth.refresh_reuse",
        "auth.login_failed",
        "auth.lockout",
        "key.created",
        "key.rotated",
        "key.revoked",
        "user.role_changed",
        "user.disabled",
    }
    text = json.dumps([[r.actor, r.payload] for r in records])
    secrets = [PASSWORD, "wrong password!", created.key, rotated.key]
    secrets += [pair.access_token, pair.refresh_token, renewed.access_token, renewed.refresh_token]
    secrets += [secret_digest(s) for s in (created.key, rotated.key, pair.refresh_token)]
    for secret in secrets:
        assert secret not in text
    assert "$argon2" not in text
    assert all(r.actor for r in records)


def test_concurrent_failures_from_two_processes_are_all_counted(
    make_runtime: Callable[..., Runtime],
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    runtimes = [make_runtime(lockout_threshold=6), make_runtime(lockout_threshold=6)]
    _user(runtimes[0])

    def fail(index: int) -> str:
        with pytest.raises(AuthError) as caught:
            auth.login(runtimes[index % 2], "alice", "wrong password!")
        return caught.value.message

    with ThreadPoolExecutor(max_workers=6) as pool:
        messages = list(pool.map(fail, range(6)))
    assert messages == ["invalid username or password"] * 6
    with pytest.raises(AuthError, match="locked until"):
        auth.login(runtimes[1], "alice", PASSWORD)
    assert _kinds(runtimes[0]).count("auth.lockout") == 1


def test_an_impossible_username_is_a_plain_refusal(make_runtime: Callable[..., Runtime]) -> None:
    rt = make_runtime()
    for name in ("", "x" * 65, "ü" * 300):
        with pytest.raises(AuthError, match="invalid username or password"):
            auth.login(rt, name, PASSWORD)


def test_a_hash_under_older_parameters_is_upgraded_at_login(
    make_runtime: Callable[..., Runtime],
) -> None:
    from argon2 import PasswordHasher

    rt = make_runtime()
    _user(rt)
    weak = PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD)
    with rt.ledger.session() as session:
        session.execute(sa.update(UserRow).values(password_hash=weak))
    auth.login(rt, "alice", PASSWORD)
    with rt.ledger.session(read_only=True) as session:
        stored = session.scalar(sa.select(UserRow.password_hash))
    assert stored != weak and stored.startswith("$argon2id$")
    auth.login(rt, "alice", PASSWORD)


def test_an_enabled_user_logs_in_again(make_runtime: Callable[..., Runtime]) -> None:
    rt = make_runtime()
    _user(rt)
    users.disable(rt, "alice", actor=ADMIN)
    assert users.enable(rt, "alice", actor=ADMIN).active
    assert auth.login(rt, "alice", PASSWORD).access_token
    assert "user.enabled" in _kinds(rt)


def test_failures_quiet_for_a_lockout_window_are_forgotten(
    make_runtime: Callable[..., Runtime],
) -> None:
    from workbench.ledger import LoginThrottleRow

    rt = make_runtime()
    window = timedelta(minutes=rt.settings.api.lockout_minutes)
    long_ago = datetime.now(UTC) - window - timedelta(minutes=1)
    with rt.ledger.session() as session:
        session.add(LoginThrottleRow(username="sprayed-1", failures=1, updated_at=long_ago))
        session.add(  # its lockout still runs: kept
            LoginThrottleRow(
                username="locked",
                failures=0,
                locked_until=datetime.now(UTC) + window,
                updated_at=long_ago,
            )
        )
        session.add(LoginThrottleRow(username="recent", failures=2, updated_at=datetime.now(UTC)))
    with pytest.raises(AuthError):
        auth.login(rt, "sprayed-2", PASSWORD)
    with rt.ledger.session(read_only=True) as session:
        query = sa.select(LoginThrottleRow.username, LoginThrottleRow.failures)
        kept = {row[0]: row[1] for row in session.execute(query)}
    assert kept == {"locked": 0, "recent": 2, "sprayed-2": 1}
