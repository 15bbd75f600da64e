"""The read routes answer what their ops function returns, through the plain-value policy."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from workbench.model import to_plain
from workbench.ops import data, strategy, trade
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("INT-03")


def test_coverage_and_latest_equal_the_ops_results(client: TestClient, runtime: Runtime) -> None:
    coverage = client.get("/api/v1/market/coverage").json()
    expected = to_plain(data.coverage(runtime))
    assert [(r["symbol"], r["rows"]) for r in coverage] == [
        (r["symbol"], r["rows"]) for r in expected
    ]
    latest = client.get("/api/v1/market/latest", params={"symbols": "aapl,MSFT"}).json()
    assert latest == to_plain(data.latest(runtime, ["AAPL", "MSFT"]))


def test_bars_page_through_the_range(client: TestClient, runtime: Runtime) -> None:
    first = client.get("/api/v1/market/bars/AAPL", params={"limit": 3}).json()
    second = client.get("/api/v1/market/bars/AAPL", params={"limit": 3, "offset": 3}).json()
    whole = to_plain(data.bars_page(runtime, "AAPL", limit=6).bars)
    assert first["bars"] + second["bars"] == whole
    assert first["total"] == second["total"] > 6
    assert client.get("/api/v1/market/bars/AAPL", params={"limit": 5001}).status_code == 422
    assert client.get("/api/v1/market/bars/NOSUCH").status_code == 404


def test_strategies_equal_the_ops_results(client: TestClient, runtime: Runtime) -> None:
    assert client.get("/api/v1/strategies").json() == to_plain(strategy.strategies(runtime))
    shown = client.get("/api/v1/strategies/sma_crossover").json()
    assert shown == to_plain(strategy.show(runtime, "sma_crossover"))


def test_account_orders_and_fills_after_a_trade(client: TestClient, runtime: Runtime) -> None:
    request = trade.order_request("AAPL", "buy", qty="3")
    submitted = trade.submit(runtime, request, actor="test")
    orders = client.get("/api/v1/orders").json()
    assert orders == to_plain(trade.orders(runtime))
    one = client.get(f"/api/v1/orders/{submitted.order.id}").json()
    assert one["client_order_id"] == submitted.order.client_order_id
    assert isinstance(one["filled_qty"], str)
    assert client.get("/api/v1/fills").json() == to_plain(trade.fills(runtime, limit=100))
    assert client.get("/api/v1/positions").json() == to_plain(trade.positions(runtime))
    account = client.get("/api/v1/account").json()
    assert account["account"] == "paper" and isinstance(account["cash"], str)
    assert client.get("/api/v1/orders", params={"offset": 1}).json() == []
    assert client.get("/api/v1/orders/999999").status_code == 404


def test_request_metrics_name_the_route_template(client: TestClient) -> None:
    client.get("/api/v1/market/bars/AAPL", params={"limit": 1})
    client.get("/api/v1/market/bars/MSFT", params={"limit": 1})
    text = client.get("/metrics").text
    line = 'workbench_api_requests_total{method="GET",route="/api/v1/market/bars/{symbol}",status="200"}'
    assert f"{line} 2.0" in text


def test_health_readiness_metrics_and_docs(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert {c["name"] for c in ready.json()["checks"]} >= {"ledger", "lake", "broker"}
    metrics = client.get("/metrics")
    assert 'workbench_api_requests_total{method="GET",route="/readyz",status="200"} 1.0' in (
        metrics.text
    )
    assert metrics.headers["content-type"].startswith("text/plain")
    docs = client.get("/docs").text
    assert "/docs/assets/swagger-ui-bundle.js" in docs and "cdn" not in docs
    assert client.get("/docs/assets/swagger-ui-bundle.js").status_code == 200
    schema = client.get("/openapi.json").json()
    assert schema["paths"]["/api/v1/account"]["get"]["security"] == [{"bearer": []}]
