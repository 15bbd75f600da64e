"""The write routes: orders (preview, submit, idempotent repeat, refusal, cancel), the kill
switch, alert rules and alerts, the audit chain, users and keys. Each change is in the audit
chain with ``api:<user>`` (and the key's id) as its actor."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.integration.api.conftest import key_for
from workbench.ops import audit
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("INT-03")

PROBLEM = "application/problem+json"


@pytest.fixture
def admin(app: FastAPI, runtime: Runtime) -> Iterator[tuple[TestClient, str]]:
    """A client with an admin's API key, and the actor the audit chain names it by."""
    key = key_for(runtime, "admin")
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as c:
        c.headers["Authorization"] = f"Bearer {key}"
        key_id = c.get("/api/v1/me").json()["key_id"]
        yield c, f"api:admin-user:key:{key_id}"


def test_preview_submit_repeat_and_cancel(admin: tuple[TestClient, str], runtime: Runtime) -> None:
    c, actor = admin
    order = {"symbol": "aapl", "side": "buy", "qty": "2"}
    preview = c.post("/api/v1/orders/preview", json=order).json()
    assert preview["approved"] is True and preview["rule"] is None
    assert {"rule", "passed", "limit", "value", "excess"} <= set(preview["checks"][0])

    first = c.post("/api/v1/orders", json={**order, "client_order_id": "api-test-1"})
    assert first.status_code == 201, first.text
    assert first.json()["order"]["status"] == "filled" and not first.json()["already_submitted"]
    again = c.post("/api/v1/orders", json={**order, "client_order_id": "api-test-1"})
    assert again.status_code == 200 and again.json()["already_submitted"] is True
    assert again.json()["order"]["id"] == first.json()["order"]["id"]
    assert [o["client_order_id"] for o in c.get("/api/v1/orders").json()] == ["api-test-1"]

    below = round(float(first.json()["order"]["filled_avg_price"]) * 0.95, 2)  # within the band
    resting = {**order, "type": "limit", "limit_price": below, "time_in_force": "gtc"}
    placed = c.post("/api/v1/orders", json=resting).json()["order"]
    assert placed["status"] == "accepted"
    canceled = c.delete(f"/api/v1/orders/{placed['client_order_id']}")
    assert canceled.status_code == 200 and canceled.json()["status"] == "canceled"
    assert c.delete("/api/v1/orders/no-such-order").status_code == 404

    intents = audit.records(runtime, kind="order.intent")
    assert {r["actor"] for r in intents} == {actor}
    assert any(r["actor"] == actor for r in audit.records(runtime, kind="order.event"))


def test_a_refused_order_is_a_problem_naming_rule_value_limit_and_excess(
    admin: tuple[TestClient, str],
) -> None:
    c, _ = admin
    refused = c.post(
        "/api/v1/orders", json={"symbol": "AAPL", "side": "buy", "notional": "2000000"}
    )
    assert refused.status_code == 422 and refused.headers["content-type"] == PROBLEM
    body = refused.json()
    assert (body["code"], body["rule"]) == ("risk_rejected", "max_order_notional")
    assert (body["value"], body["limit"], body["excess"]) == ("2000000", "1000000", "1000000")
    assert isinstance(body["order_id"], int) and body["checks"]
    stored = c.get(f"/api/v1/orders/{body['order_id']}").json()
    assert stored["status"] == "rejected"
    both = c.post("/api/v1/orders/preview", json={"symbol": "AAPL", "side": "buy"})
    assert both.status_code == 422 and "exactly one of qty and notional" in both.json()["detail"]


def test_halt_reduce_resume_and_the_state(admin: tuple[TestClient, str], runtime: Runtime) -> None:
    c, actor = admin
    assert c.get("/api/v1/trading/state").json()[0]["state"] == "active"
    halted = c.post("/api/v1/trading/halt", json={"reason": "api test"})
    assert halted.status_code == 200 and halted.json()[0]["state"] == "halted"
    refused = c.post("/api/v1/orders", json={"symbol": "AAPL", "side": "buy", "qty": "1"})
    assert refused.status_code == 422 and refused.json()["rule"] == "trading_state"
    assert c.post("/api/v1/trading/reduce").json()[0]["previous"] == "halted"
    assert c.post("/api/v1/trading/resume", json={}).json()[0]["state"] == "active"
    assert [s["state"] for s in c.get("/api/v1/trading/state").json()] == ["active"]
    changes = audit.records(runtime, kind="trading_state")
    assert [r["payload"]["state"] for r in changes] == ["active", "reducing", "halted"]
    assert {r["actor"] for r in changes} == {actor}


def test_alert_rules_and_alerts(admin: tuple[TestClient, str], runtime: Runtime) -> None:
    from datetime import UTC, datetime

    from workbench.monitoring import MonitorStore
    from workbench.monitoring.store import AlertRequest

    c, actor = admin
    rule = {"name": "aapl-high", "kind": "price_above", "params": {"level": 500}, "scope": "AAPL"}
    created = c.post("/api/v1/alert-rules", json=rule)
    assert created.status_code == 201, created.text
    assert [r["name"] for r in c.get("/api/v1/alert-rules").json()] == ["aapl-high"]
    assert c.post("/api/v1/alert-rules", json=rule).status_code == 422  # the name is taken
    assert c.post("/api/v1/alert-rules", json={**rule, "kind": "nope"}).status_code == 422

    store = MonitorStore(runtime.ledger)
    spec = store.rule("aapl-high")
    now = datetime.now(UTC)
    (raised,) = store.raise_alerts([AlertRequest(spec, "AAPL above 500", "k1", now, {}, "AAPL")])
    assert raised is not None
    assert [a["id"] for a in c.get("/api/v1/alerts", params={"state": "open"}).json()] == [
        raised.id
    ]
    acked = c.post(f"/api/v1/alerts/{raised.id}/ack").json()
    assert (acked["state"], acked["acknowledged_by"]) == ("acknowledged", actor)
    assert c.post(f"/api/v1/alerts/{raised.id}/ack").status_code == 422  # already
    assert c.post(f"/api/v1/alerts/{raised.id}/resolve").json()["state"] == "resolved"
    assert c.post("/api/v1/alerts/999999/resolve").status_code == 404
    assert c.delete("/api/v1/alert-rules/aapl-high").status_code == 200
    assert c.delete("/api/v1/alert-rules/aapl-high").status_code == 404
    kinds = [(r["kind"], r["actor"]) for r in audit.records(runtime, kind="alert")]
    assert kinds == [
        ("alert_rule.removed", actor),
        ("alert.resolved", actor),
        ("alert.acknowledged", actor),
        ("alert_rule.created", actor),
    ]


def test_audit_verify_and_paged_records(admin: tuple[TestClient, str]) -> None:
    c, actor = admin
    for n in range(3):
        c.post("/api/v1/trading/reduce", json={"reason": f"page {n}"})
    assert c.get("/api/v1/audit/verify").json()["ok"] is True
    first = c.get("/api/v1/audit/records", params={"kind": "trading_state", "limit": 2}).json()
    assert len(first["records"]) == 2 and first["next_before"] == first["records"][-1]["seq"]
    params = {"kind": "trading_state", "limit": 2, "before": first["next_before"]}
    second = c.get("/api/v1/audit/records", params=params).json()
    reasons = [r["payload"]["reason"] for r in first["records"] + second["records"]]
    assert reasons == ["page 2", "page 1", "page 0"] and second["next_before"] is None
    mine = c.get("/api/v1/audit/records", params={"actor": actor}).json()["records"]
    assert mine and {r["actor"] for r in mine} == {actor}
    bad = c.get("/api/v1/audit/records", params={"limit": 501})
    assert bad.status_code == 422


def test_users_and_keys(admin: tuple[TestClient, str], app: FastAPI, runtime: Runtime) -> None:
    c, actor = admin
    password = "another long password"
    added = c.post(
        "/api/v1/users", json={"username": "carol", "password": password, "role": "analyst"}
    )
    assert added.status_code == 201 and added.json()["role"] == "analyst"
    assert "password" not in added.text and password not in added.text
    short = c.post(
        "/api/v1/users", json={"username": "dave", "password": "short", "role": "viewer"}
    )
    assert short.status_code == 422 and "at least 12" in short.json()["detail"]
    again = c.post(
        "/api/v1/users", json={"username": "carol", "password": password, "role": "viewer"}
    )
    assert again.status_code == 422
    assert (
        c.post(
            "/api/v1/users", json={"username": "x", "password": password, "role": "god"}
        ).status_code
        == 422
    )

    too_high = c.post("/api/v1/keys", json={"username": "carol", "role": "trader"})
    assert too_high.status_code == 403 and "only analyst" in too_high.json()["detail"]
    created = c.post("/api/v1/keys", json={"username": "carol", "name": "ci"}).json()
    key, prefix = created["key"], created["info"]["prefix"]
    assert key.startswith(prefix) and created["info"]["role"] == "analyst"
    listed = c.get("/api/v1/keys", params={"user": "carol"})
    assert [k["prefix"] for k in listed.json()] == [prefix] and key not in listed.text

    with TestClient(app, base_url="http://127.0.0.1") as carol:
        carol.headers["Authorization"] = f"Bearer {key}"
        assert carol.get("/api/v1/me").json()["role"] == "analyst"
        assert (
            c.post("/api/v1/users/carol/role", json={"role": "viewer"}).json()["role"] == "viewer"
        )
        assert carol.get("/api/v1/market/coverage").status_code == 403  # capped at once
        rotated = c.post(f"/api/v1/keys/{prefix}/rotate", json={"overlap_minutes": 0}).json()
        assert rotated["key"] != key
        assert carol.get("/api/v1/me").status_code == 401  # no overlap asked for
        carol.headers["Authorization"] = f"Bearer {rotated['key']}"
        assert carol.get("/api/v1/me").status_code == 200
        assert (
            c.post(f"/api/v1/keys/{rotated['info']['prefix']}/revoke").json()["status"] == "revoked"
        )
        assert carol.get("/api/v1/me").status_code == 401
    assert c.post("/api/v1/users/carol/disable").json()["active"] is False
    assert c.post("/api/v1/users/carol/enable").json()["active"] is True
    assert c.post("/api/v1/users/nobody/disable").status_code == 404
    listed_users = {u["username"]: u for u in c.get("/api/v1/users").json()}
    assert listed_users["carol"]["role"] == "viewer"

    kinds = {(r["kind"], r["actor"]) for r in audit.records(runtime, limit=500)}
    for kind in ("user.created", "user.role_changed", "user.disabled", "user.enabled"):
        assert (kind, actor) in kinds
    for kind in ("key.created", "key.rotated", "key.revoked"):
        assert (kind, actor) in kinds


def test_kept_reads_see_this_process_orders_at_once(
    admin: tuple[TestClient, str], runtime: Runtime
) -> None:
    """Positions, the account and the preview's view of the account are kept for every caller
    (``api.read_cache_seconds``), yet an order through this process drops them before its
    answer: the next read shows it, however long answers are kept."""
    from workbench.ops.kept_reads import kept_reads

    kept_reads(runtime).max_age = 3600
    c, _ = admin
    order = {"symbol": "MSFT", "side": "buy", "qty": "3"}
    assert [p["symbol"] for p in c.get("/api/v1/positions").json()] == []
    cash = c.get("/api/v1/account").json()["cash"]
    weighed = c.post("/api/v1/orders/preview", json=order).json()["checks"]
    assert c.get("/api/v1/positions").json() == []  # kept: the same answer again
    assert c.post("/api/v1/orders", json=order).status_code == 201

    held = {p["symbol"]: p["qty"] for p in c.get("/api/v1/positions").json()}
    assert float(held["MSFT"]) == 3
    assert float(c.get("/api/v1/account").json()["cash"]) < float(cash)
    assert c.post("/api/v1/orders/preview", json=order).json()["checks"] != weighed
    assert kept_reads(runtime).hits >= 1
