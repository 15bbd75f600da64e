"""What a process remembers of a verified credential (``rt.credentials``): a revocation, logout,
disable or demotion made in the same process holds on the next request; one made by another
process holds once the entry expires (``api.credential_cache_seconds``), never later."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from workbench.core.errors import AuthError
from workbench.core.ttl_cache import TtlCache
from workbench.model import Role
from workbench.ops import auth, keys, users
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("SEC-01")

PASSWORD = "correct horse battery"
ADMIN = "cli:tester"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _frozen_cache(rt: Runtime, seconds: float) -> Clock:
    clock = Clock()
    rt.__dict__["credentials"] = TtlCache(seconds, clock=clock)  # the part, with a hand clock
    return clock


def test_changes_in_this_process_hold_on_the_next_request(
    make_runtime: Callable[..., Runtime],
) -> None:
    rt = make_runtime()
    users.add(rt, "alice", PASSWORD, role=Role.TRADER, actor=ADMIN)
    created = keys.create(rt, username="alice", actor=ADMIN)
    pair = auth.login(rt, "alice", PASSWORD)
    assert auth.remembered(rt, created.key) is None  # nothing verified yet
    assert auth.authenticate(rt, created.key).role == Role.TRADER
    assert auth.remembered(rt, created.key) == auth.authenticate(rt, created.key)
    assert auth.authenticate(rt, pair.access_token).role == Role.TRADER
    users.set_role(rt, "alice", Role.VIEWER, actor=ADMIN)
    assert auth.remembered(rt, pair.access_token) is None
    assert auth.authenticate(rt, pair.access_token).role == Role.VIEWER
    assert auth.authenticate(rt, created.key).role == Role.VIEWER
    keys.revoke(rt, created.info.prefix, actor=ADMIN)
    with pytest.raises(AuthError, match="revoked"):
        auth.authenticate(rt, created.key)
    auth.logout(rt, pair.refresh_token)
    with pytest.raises(AuthError, match="logged out"):
        auth.authenticate(rt, pair.access_token)


def test_another_process_revoking_holds_here_within_the_cache_seconds(
    make_runtime: Callable[..., Runtime],
) -> None:
    api, cli = make_runtime(), make_runtime()
    clock = _frozen_cache(api, 5)
    users.add(cli, "alice", PASSWORD, role=Role.TRADER, actor=ADMIN)
    created = keys.create(cli, username="alice", actor=ADMIN)
    pair = auth.login(cli, "alice", PASSWORD)
    auth.authenticate(api, created.key)
    auth.authenticate(api, pair.access_token)
    keys.revoke(cli, created.info.prefix, actor=ADMIN)
    auth.logout(cli, pair.refresh_token)
    clock.now = 4.9  # still within what api may remember
    assert auth.authenticate(api, created.key).user == "alice"
    assert auth.authenticate(api, pair.access_token).user == "alice"
    clock.now = 5.0
    with pytest.raises(AuthError, match="revoked"):
        auth.authenticate(api, created.key)
    with pytest.raises(AuthError, match="logged out"):
        auth.authenticate(api, pair.access_token)


def test_zero_seconds_reads_the_ledger_every_time(make_runtime: Callable[..., Runtime]) -> None:
    api, cli = make_runtime(credential_cache_seconds=0), make_runtime()
    users.add(cli, "alice", PASSWORD, role=Role.TRADER, actor=ADMIN)
    created = keys.create(cli, username="alice", actor=ADMIN)
    auth.authenticate(api, created.key)
    assert auth.remembered(api, created.key) is None
    users.disable(cli, "alice", actor=ADMIN)
    with pytest.raises(AuthError, match="disabled"):
        auth.authenticate(api, created.key)
