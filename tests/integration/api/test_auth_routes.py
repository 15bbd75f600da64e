"""Logging in, refreshing, logging out and ``/me`` through the API, and what the audit chain
keeps of each (``ops.auth`` underneath)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.integration.api.conftest import PASSWORD, key_for
from workbench.ops import audit, users
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("SEC-01")


def _anonymous(app: FastAPI) -> TestClient:
    return TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False)


def test_login_refresh_reuse_and_logout(app: FastAPI, runtime: Runtime) -> None:
    users.add(runtime, "alice", PASSWORD, role="trader", actor="test")
    with _anonymous(app) as c:
        pair = c.post("/api/v1/auth/login", json={"username": "alice", "password": PASSWORD})
        assert pair.status_code == 200, pair.text
        tokens = pair.json()
        assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 900
        me = c.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
        assert me.json()["user"] == "alice" and me.json()["via"] == "token"
        assert (
            "trade" in me.json()["permissions"] and "manage_users" not in me.json()["permissions"]
        )

        renewed = c.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert renewed.status_code == 200
        reused = c.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert reused.status_code == 401 and "reused" in reused.json()["detail"]
        # the reuse revoked the whole family: the renewed pair is dead too
        fresh = renewed.json()
        headers = {"Authorization": f"Bearer {fresh['access_token']}"}
        assert c.get("/api/v1/me", headers=headers).status_code == 401

        second = c.post("/api/v1/auth/login", json={"username": "alice", "password": PASSWORD})
        out = c.post("/api/v1/auth/logout", json={"refresh_token": second.json()["refresh_token"]})
        assert out.status_code == 204
        headers = {"Authorization": f"Bearer {second.json()['access_token']}"}
        assert c.get("/api/v1/me", headers=headers).status_code == 401
    kinds = [r["kind"] for r in audit.records(runtime, kind="auth")]
    assert kinds.count("auth.login") == 2
    assert {"auth.refresh", "auth.refresh_reuse", "auth.logout"} <= set(kinds)


def test_a_wrong_password_is_401_and_audited(app: FastAPI, runtime: Runtime) -> None:
    users.add(runtime, "bob", PASSWORD, role="viewer", actor="test")
    with _anonymous(app) as c:
        wrong = c.post("/api/v1/auth/login", json={"username": "bob", "password": "nope"})
        unknown = c.post("/api/v1/auth/login", json={"username": "nobody", "password": "nope"})
        extra = c.post(
            "/api/v1/auth/login", json={"username": "bob", "password": PASSWORD, "role": "admin"}
        )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"] == "invalid username or password"
    assert extra.status_code == 422 and extra.json()["errors"][0]["field"] == "body.role"
    failures = audit.records(runtime, kind="auth.login_failed")
    assert {r["payload"]["username"] for r in failures} == {"bob", "nobody"}
    assert all("nope" not in str(r) for r in failures)


def test_me_through_a_key_names_the_key(app: FastAPI, runtime: Runtime) -> None:
    key = key_for(runtime, "analyst")
    with _anonymous(app) as c:
        me = c.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"}).json()
    assert (me["user"], me["role"], me["via"]) == ("analyst-user", "analyst", "key")
    assert isinstance(me["key_id"], int)


def test_a_credential_with_a_second_scheme_or_inner_space_is_refused(
    app: FastAPI, runtime: Runtime
) -> None:
    key = key_for(runtime, "analyst")
    with _anonymous(app) as c:
        assert c.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"}).status_code == 200
        for header in (f"Bearer Bearer {key}", f"Bearer {key} extra", f"Bearer {key[:8]} {key}"):
            answer = c.get("/api/v1/me", headers={"Authorization": header})
            assert answer.status_code == 401, header
            assert "malformed credentials" in answer.json()["detail"]
