"""``/readyz`` names each dependency; Redis joins them when ``WB_REDIS_URL`` is set, and a
Redis that does not answer is a warning (the API degrades without it) that never shows its URL."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from workbench.interfaces.api import create_app
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("MON-05")


def _ready(monkeypatch: pytest.MonkeyPatch, redis: str) -> tuple[int, dict[str, dict[str, str]]]:
    monkeypatch.setenv("WB_REDIS_URL", redis)
    with TestClient(create_app(Runtime.from_settings()), base_url="http://127.0.0.1") as client:
        response = client.get("/readyz")
    return response.status_code, {c["name"]: c for c in response.json()["checks"]}


@pytest.mark.redis
def test_a_configured_redis_is_checked(
    sample_home: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    status, checks = _ready(monkeypatch, redis_url)
    assert status == 200
    assert checks["redis"]["status"] == "ok"


def test_a_redis_that_does_not_answer_is_a_warning_not_unreadiness(
    sample_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    status, checks = _ready(monkeypatch, f"redis://:hunter2secret@127.0.0.1:{port}/0")
    assert status == 200  # the API degrades without Redis: the instance stays in rotation
    assert checks["redis"]["status"] == "warn"
    assert "rate limits and fan-out run in this process" in checks["redis"]["detail"]
    assert "hunter2secret" not in checks["redis"]["detail"]
    assert checks["ledger"]["status"] == "ok"


def test_the_job_workers_are_named_and_idle_until_the_first_job(sample_home: Path) -> None:
    with TestClient(create_app(Runtime.from_settings()), base_url="http://127.0.0.1") as client:
        checks = {c["name"]: c for c in client.get("/readyz").json()["checks"]}
    assert checks["job_workers"]["status"] == "ok"
    assert checks["job_workers"]["detail"].startswith("idle: a local Dask cluster of")
