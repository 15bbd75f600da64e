"""Every error is an RFC 9457 problem, mapped once; nothing of a traceback reaches a body."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from workbench.core.errors import ConfigError, RateLimited, RiskRejected
from workbench.interfaces.api.schemas import StrictInput

pytestmark = pytest.mark.requirement("INT-03")

PROBLEM = "application/problem+json"


def _is_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert {"type", "title", "status", "detail", "instance", "code"} <= set(body)
    assert body["status"] == status
    assert "Traceback" not in response.text
    return dict(body)


def test_unknown_route_and_unknown_strategy_are_404(client: TestClient) -> None:
    _is_problem(client.get("/nope"), 404)
    body = _is_problem(client.get("/api/v1/strategies/no_such_strategy"), 404)
    assert "no_such_strategy" in str(body["detail"])
    assert body["instance"] == "/api/v1/strategies/no_such_strategy"


def test_a_bad_parameter_is_422_naming_the_field_and_the_bound(client: TestClient) -> None:
    body = _is_problem(client.get("/api/v1/orders", params={"limit": 100_000}), 422)
    assert body["errors"] == [
        {
            "field": "query.limit",
            "message": "Input should be less than or equal to 500",
            "allowed": {"le": "500"},
        }
    ]


def test_no_credential_is_401_with_www_authenticate(app: FastAPI) -> None:
    with TestClient(app, base_url="http://127.0.0.1") as anonymous:
        response = anonymous.get("/api/v1/account")
    _is_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_viewer_may_not_read_market_data(app: FastAPI, runtime: object) -> None:
    from tests.integration.api.conftest import key_for

    key = key_for(runtime, "viewer")  # type: ignore[arg-type]
    with TestClient(app, base_url="http://127.0.0.1") as c:
        c.headers["Authorization"] = f"Bearer {key}"
        _is_problem(c.get("/api/v1/market/coverage"), 403)
        assert c.get("/api/v1/positions").status_code == 200


def test_a_body_over_the_limit_is_413(client: TestClient) -> None:
    response = client.post("/api/v1/orders", content=b"x" * (2 << 20))
    _is_problem(response, 413)


def test_an_unknown_host_is_refused(app: FastAPI) -> None:
    with TestClient(app, base_url="http://evil.example") as c:
        body = _is_problem(c.get("/healthz"), 400)
    assert "evil.example" in str(body["detail"])
    with TestClient(app, base_url="http://localhost:8000") as c:
        assert c.get("/healthz").status_code == 200


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("error", "status", "fields"),
    [
        (RiskRejected("too big", rule="max_order_notional", value="2", limit="1"), 422, {"rule"}),
        (RateLimited("slow down", retry_after=2.5), 429, {"retry_after"}),
        (ConfigError("bad settings", problems=["secret: x"]), 503, set()),
        (RuntimeError("SELECT * FROM users WHERE password = 'x'"), 500, {"error_id"}),
    ],
)
async def test_errors_raised_in_a_route_map_once(
    app: FastAPI, asgi: httpx.AsyncClient, error: Exception, status: int, fields: set[str]
) -> None:
    @app.get("/boom")
    def boom() -> None:
        raise error

    async with asgi:
        response = await asgi.get("/boom")
    body = _is_problem(response, status)
    assert fields <= set(body)
    assert "SELECT" not in response.text and "problems" not in body
    if status == 429:
        assert response.headers["retry-after"] == "3"


def test_security_headers(client: TestClient) -> None:
    response = client.get("/api/v1/strategies")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in response.headers["content-security-policy"]


class _Probe(StrictInput):
    symbol: str
    qty: int


@pytest.mark.anyio
async def test_a_strict_body_names_an_unknown_field_and_a_streamed_body_is_bounded(
    app: FastAPI, asgi: httpx.AsyncClient
) -> None:
    @app.post("/probe")
    def probe(body: _Probe) -> dict[str, int]:
        return {"qty": body.qty}

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(3):
            yield b" " * (512 * 1024)

    async with asgi:
        ok = await asgi.post("/probe", json={"symbol": "AAPL", "qty": 1})
        extra = await asgi.post("/probe", json={"symbol": "AAPL", "qty": 1, "price": 2})
        streamed = await asgi.post("/probe", content=chunks())
    assert ok.json() == {"qty": 1}
    body = _is_problem(extra, 422)
    assert body["errors"][0]["field"] == "body.price"  # type: ignore[index]
    assert "content-length" not in streamed.request.headers
    _is_problem(streamed, 413)
