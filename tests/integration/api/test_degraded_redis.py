"""With ``WB_REDIS_URL`` set and Redis not answering, the API goes on: rate limits count in
this process, the WebSocket fan-out serves this instance's events, and ``/readyz`` says both."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.integration.api.conftest import key_for
from workbench.interfaces.api import create_app
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("SEC-03")


def test_rate_limits_and_fanout_degrade_to_this_process_and_say_so(
    sample_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("WB_REDIS_URL", f"redis://127.0.0.1:{port}/0")
    monkeypatch.setenv("WB_API__RATE_LIMIT__ENABLED", "true")
    monkeypatch.setenv("WB_API__RATE_LIMIT__PRINCIPAL_BURST", "3")
    monkeypatch.setenv("WB_API__RATE_LIMIT__PRINCIPAL_PER_SECOND", "0.01")
    runtime = Runtime.from_settings()
    key = key_for(runtime, "analyst")
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as client:
        client.headers["Authorization"] = f"Bearer {key}"
        statuses = [client.get("/api/v1/strategies").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]  # still limited, in this process
        del client.headers["Authorization"]  # that key's bucket is empty
        checks = {c["name"]: c for c in client.get("/readyz").json()["checks"]}
    assert checks["rate_limits"]["status"] == "warn"
    assert "in this process: Redis failed" in checks["rate_limits"]["detail"]
    assert checks["fanout"]["status"] == "warn"
    assert checks["fanout"]["detail"].startswith("degraded to local")


def test_without_redis_both_are_local_and_fine(
    sample_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WB_API__RATE_LIMIT__ENABLED", "true")
    with TestClient(create_app(Runtime.from_settings()), base_url="http://127.0.0.1") as client:
        checks = {c["name"]: c for c in client.get("/readyz").json()["checks"]}
    assert checks["rate_limits"] == {**checks["rate_limits"], "status": "ok"}
    assert "no WB_REDIS_URL" in checks["rate_limits"]["detail"]
    assert checks["fanout"]["status"] == "ok" and "local" in checks["fanout"]["detail"]


def test_a_login_has_its_own_stricter_bucket(
    sample_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WB_API__RATE_LIMIT__ENABLED", "true")
    monkeypatch.setenv("WB_API__RATE_LIMIT__LOGIN_BURST", "2")
    with TestClient(create_app(Runtime.from_settings()), base_url="http://127.0.0.1") as client:
        answers = [client.post("/api/v1/auth/login", json={}) for _ in range(3)]
        other = client.get("/api/v1/strategies")
    # the first two reach the app (a login route answers; without one, 404 or 405), the third
    # is refused before it; the address's bucket for other paths is untouched
    assert [a.status_code == 429 for a in answers] == [False, False, True]
    assert answers[2].headers["Retry-After"] == "6"  # 10 a minute: one every 6 s
    assert other.status_code == 401
