"""The approval routes, in-process over the sample home's paper book, with an assistant's
orders held for approval (``WB_RISK__ACTORS__MCP__REQUIRE_APPROVAL``): a trader lists, approves
(the order fills on paper) and rejects; an analyst may not; HALTED refuses the approval and
leaves the order held."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.integration.api.conftest import key_for
from workbench.ledger import AuditRecordRow
from workbench.ops import trade
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("RSK-03")


@pytest.fixture
def runtime(sample_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    monkeypatch.setenv("WB_RISK__ACTORS__MCP__REQUIRE_APPROVAL", "true")
    rt = Runtime.from_settings()
    yield rt
    rt.close()


@pytest.fixture
def trader(client: TestClient, runtime: Runtime) -> dict[str, str]:
    return {"Authorization": f"Bearer {key_for(runtime, 'trader')}"}


def _assistant_order(runtime: Runtime, qty: str = "3") -> trade.SubmitResult:
    request = trade.order_request("AAPL", "buy", qty=qty)
    result = trade.submit(runtime, request, actor="mcp:alice")
    assert result.held and result.order.status == "pending_approval"
    return result


def test_a_trader_lists_and_approves_a_held_order_and_it_fills_on_paper(
    client: TestClient, runtime: Runtime, trader: dict[str, str]
) -> None:
    held = _assistant_order(runtime).order
    assert client.get("/api/v1/orders/held").status_code == 403  # an analyst
    assert client.post(f"/api/v1/orders/{held.id}/approve").status_code == 403
    [listed] = client.get("/api/v1/orders/held", headers=trader).json()
    assert listed["order"]["client_order_id"] == held.client_order_id
    assert listed["requested_by"] == "mcp:alice" and listed["expires_at"] > listed["placed_at"]
    answer = client.post(f"/api/v1/orders/{held.client_order_id}/approve", headers=trader)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["order"]["status"] == "filled" and body["order"]["filled_qty"] == "3"
    assert body["risk"]["approved"] is True and body["held"] is False
    assert client.get("/api/v1/orders/held", headers=trader).json() == []
    with runtime.ledger.session(read_only=True) as session:
        actors = {
            record.payload.get("event"): record.actor
            for record in session.query(AuditRecordRow).filter_by(kind="order.event")
        }
    assert actors["held"] == "mcp:alice" and actors["approved"] == "api:trader-user"
    again = client.post(f"/api/v1/orders/{held.id}/approve", headers=trader)
    assert again.status_code == 422 and "not pending approval" in again.json()["detail"]


def test_a_trader_rejects_a_held_order_with_a_reason(
    client: TestClient, runtime: Runtime, trader: dict[str, str]
) -> None:
    held = _assistant_order(runtime).order
    url = f"/api/v1/orders/{held.id}/reject"
    assert client.post(url, headers=trader, json={}).status_code == 422
    assert client.post(url, headers=trader, json={"reason": "x", "extra": 1}).status_code == 422
    answer = client.post(url, headers=trader, json={"reason": "too big for today"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "rejected"
    assert answer.json()["reason"] == "rejected by api:trader-user: too big for today"
    assert (
        client.post(
            "/api/v1/orders/999999/reject", headers=trader, json={"reason": "x"}
        ).status_code
        == 404
    )


def test_approval_while_halted_is_refused_and_the_order_stays_held(
    client: TestClient, runtime: Runtime, trader: dict[str, str]
) -> None:
    held = _assistant_order(runtime).order
    trade.halt(runtime, actor="cli:admin", reason="drill")
    answer = client.post(f"/api/v1/orders/{held.id}/approve", headers=trader)
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["code"] == "risk_rejected" and problem["rule"] == "trading_state"
    [still] = client.get("/api/v1/orders/held", headers=trader).json()
    assert still["order"]["id"] == held.id
    assert client.get(f"/api/v1/orders/{held.id}").json()["status"] == "pending_approval"
