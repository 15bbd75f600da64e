"""An app over a runtime of the sample home, and API keys of each role, for in-process tests
(httpx over ASGI: the app as uvicorn runs it, without a socket)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from workbench.interfaces.api import create_app
from workbench.ops import keys, users
from workbench.runtime import Runtime

PASSWORD = "a long enough password 1"


@pytest.fixture(autouse=True)
def _no_rate_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Route tests walk hundreds of requests from one address; the rate-limit tests turn the
    limits back on (``WB_API__RATE_LIMIT__ENABLED=true``)."""
    monkeypatch.setenv("WB_API__RATE_LIMIT__ENABLED", "false")


@pytest.fixture
def runtime(sample_home: Path) -> Iterator[Runtime]:
    rt = Runtime.from_settings()
    yield rt
    rt.close()


@pytest.fixture
def app(runtime: Runtime) -> FastAPI:
    return create_app(runtime)


def key_for(rt: Runtime, role: str) -> str:
    users.add(rt, f"{role}-user", PASSWORD, role=role, actor="test")
    return keys.create(rt, username=f"{role}-user", actor="test").key


@pytest.fixture
def client(app: FastAPI, runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as c:
        c.headers["Authorization"] = f"Bearer {key_for(runtime, 'analyst')}"
        yield c


@pytest.fixture
def asgi(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1")
