"""API keys through ``workbench.ops`` on a real ledger, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from workbench.core.errors import AuthError, NotFound, PermissionDenied
from workbench.model import Role
from workbench.ops import auth, keys, users
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("SEC-01")

PASSWORD = "correct horse battery"
ADMIN = "cli:tester"


def _user(rt: Runtime, name: str = "alice", role: Role = Role.TRADER) -> None:
    users.add(rt, name, PASSWORD, role=role, actor=ADMIN)


def test_a_key_authenticates_in_another_process_and_records_its_use(
    make_runtime: Callable[..., Runtime],
) -> None:
    first, second = make_runtime(), make_runtime()
    _user(first)
    created = keys.create(first, username="alice", role=Role.ANALYST, name="ci", actor=ADMIN)
    assert created.key.startswith(created.info.prefix + "_")
    assert created.info.last_used_at is None and created.info.status == "active"
    principal = auth.authenticate(second, created.key)
    assert (principal.user, principal.role, principal.via, principal.key_id) == (
        "alice",
        Role.ANALYST,
        "key",
        created.info.id,
    )
    listed = keys.list_keys(first, username="alice")
    assert [k.prefix for k in listed] == [created.info.prefix]
    assert listed[0].last_used_at is not None
    assert created.key not in repr(listed)


def test_a_wrong_or_unknown_key_is_refused(make_runtime: Callable[..., Runtime]) -> None:
    rt = make_runtime()
    _user(rt)
    created = keys.create(rt, username="alice", actor=ADMIN)
    tampered = created.key[:-1] + ("A" if created.key[-1] != "A" else "B")
    with pytest.raises(AuthError, match="unknown API key"):
        auth.authenticate(rt, tampered)


def test_a_revoked_key_is_refused(make_runtime: Callable[..., Runtime]) -> None:
    first, second = make_runtime(), make_runtime()
    _user(first)
    created = keys.create(first, username="alice", actor=ADMIN)
    info = keys.revoke(second, created.info.prefix, actor=ADMIN)
    assert info.status == "revoked"
    with pytest.raises(AuthError, match="revoked"):
        auth.authenticate(first, created.key)
    with pytest.raises(NotFound, match="no API key"):
        keys.revoke(first, "wbk_00000000", actor=ADMIN)


def test_a_key_expires(make_runtime: Callable[..., Runtime]) -> None:
    rt = make_runtime()
    _user(rt)
    now = datetime.now(UTC)
    created = keys.create(rt, username="alice", expires_in_days=1, actor=ADMIN, now=now)
    auth.authenticate(rt, created.key, now=now + timedelta(hours=23))
    with pytest.raises(AuthError, match="expired"):
        auth.authenticate(rt, created.key, now=now + timedelta(days=1, seconds=1))


def test_after_rotation_the_old_key_works_for_the_overlap_then_refuses(
    make_runtime: Callable[..., Runtime],
) -> None:
    rt = make_runtime(key_rotation_overlap_minutes=10)
    _user(rt)
    now = datetime.now(UTC)
    old = keys.create(rt, username="alice", role=Role.ANALYST, name="ci", actor=ADMIN, now=now)
    new = keys.rotate(rt, old.info.prefix, actor=ADMIN, now=now)
    assert (new.info.role, new.info.name) == (Role.ANALYST, "ci")
    assert new.key != old.key
    assert auth.authenticate(rt, old.key, now=now + timedelta(minutes=9)).key_id == old.info.id
    with pytest.raises(AuthError, match="expired"):
        auth.authenticate(rt, old.key, now=now + timedelta(minutes=11))
    assert auth.authenticate(rt, new.key, now=now + timedelta(days=30)).key_id == new.info.id


def test_a_key_carries_no_more_than_its_users_role(make_runtime: Callable[..., Runtime]) -> None:
    rt = make_runtime()
    _user(rt, role=Role.ANALYST)
    with pytest.raises(PermissionDenied, match="only analyst"):
        keys.create(rt, username="alice", role=Role.TRADER, actor=ADMIN)
    created = keys.create(rt, username="alice", actor=ADMIN)
    assert created.info.role == Role.ANALYST
    # a user demoted after the key was made: the key acts with the lower role
    users.set_role(rt, "alice", Role.VIEWER, actor=ADMIN)
    assert auth.authenticate(rt, created.key).role == Role.VIEWER


def test_a_disabled_users_keys_are_refused(make_runtime: Callable[..., Runtime]) -> None:
    rt = make_runtime()
    _user(rt)
    created = keys.create(rt, username="alice", actor=ADMIN)
    users.disable(rt, "alice", actor=ADMIN)
    with pytest.raises(AuthError, match="disabled"):
        auth.authenticate(rt, created.key)
