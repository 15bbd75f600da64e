"""Failover: a part of a multi-instance deployment goes away and the rest carries on.

Proven elsewhere and not repeated here: two API instances on one PostgreSQL and one Redis share
events and rate limits (tests/system/test_api_websocket.py::
test_two_instances_on_one_postgres_and_redis_share_events_and_rate_limits); an API started with
a Redis that never answers counts its limits in process and fans out locally
(tests/integration/api/test_degraded_redis.py); a job running when the API stops is marked
interrupted and resubmitted in one call (tests/system/test_serve_api_jobs.py).

Here: one of two instances SIGKILLed while clients submit (they retry onto the other with the
same client order ids) and started again, its MCP over HTTP answering; a private Redis killed under a running API and started again; a Dask
worker killed while a grid runs.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import threading
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.integration.api.conftest import key_for
from tests.system.conftest import assert_each_order_once, start_api
from workbench.interfaces.api import create_app
from workbench.runtime import Runtime
from workbench.testing import PrivateRedis, free_port, wait_until

pytestmark = [pytest.mark.system, pytest.mark.requirement("SEC-03", "STR-05", "INT-04", "DEP-08")]


def _checks(client: TestClient) -> tuple[int, dict[str, dict[str, Any]]]:
    answer = client.get("/readyz")
    return answer.status_code, {c["name"]: c for c in answer.json()["checks"]}


def test_redis_down_degrades_to_this_instance_and_recovers_when_it_is_back(
    sample_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    redis_server = PrivateRedis(tmp_path / "redis")
    prefix = f"wbtest-{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("WB_REDIS_URL", redis_server.url)
    monkeypatch.setenv("WB_REDIS_PREFIX", prefix)
    monkeypatch.setenv("WB_API__RATE_LIMIT__ENABLED", "true")
    monkeypatch.setenv("WB_API__RATE_LIMIT__PRINCIPAL_BURST", "1000")
    monkeypatch.setenv("WB_API__WS__IDLE_TIMEOUT_SECONDS", "60")
    rt = Runtime.from_settings()
    key = key_for(rt, "trader")
    try:
        redis_server.start()
        with TestClient(create_app(rt), base_url="http://127.0.0.1") as client:
            client.headers["Authorization"] = f"Bearer {key}"
            with client.websocket_connect("ws://127.0.0.1/ws") as ws:
                ws.send_json({"type": "auth", "token": key})
                assert ws.receive_json()["type"] == "welcome"
                ws.send_json({"type": "subscribe", "channels": ["orders"]})
                assert ws.receive_json()["type"] == "subscribed"
                wait_until(
                    lambda: _checks(client)[1]["fanout"]["status"] == "ok",
                    what="the fan-out listening to Redis",
                )
                assert client.get("/api/v1/strategies").status_code == 200
                assert "shared" in _checks(client)[1]["rate_limits"]["detail"]

                redis_server.stop()
                answers = [client.get("/api/v1/strategies").status_code for _ in range(5)]
                status, down = wait_until(
                    lambda: (lambda s, c: (s, c) if c["fanout"]["status"] == "warn" else None)(
                        *_checks(client)
                    ),
                    what="the fan-out noticing Redis is gone",
                )
                # this instance's own events still reach its clients, through its own bus
                order = client.post(
                    "/api/v1/orders", json={"symbol": "AAPL", "side": "buy", "qty": "1"}
                )
                local = _next_event(ws, client_order_id=order.json()["order"]["client_order_id"])

                redis_server.start()  # the same port: Redis is back

                def recovered() -> dict[str, dict[str, Any]] | None:
                    client.get("/api/v1/strategies")  # the limiter retries Redis on a request
                    state, checks = _checks(client)
                    healthy = all(checks[n]["status"] == "ok" for n in ("redis", "fanout"))
                    shared = "shared" in checks["rate_limits"]["detail"]
                    return checks if state == 200 and healthy and shared else None

                up = wait_until(recovered, what="every check ok with Redis back", timeout=30)
                _publish(redis_server.url, prefix, {"symbol": "MSFT", "origin": "elsewhere"})
                relayed = _next_event(ws, origin="elsewhere")
    finally:
        redis_server.close()
    assert answers == [200] * 5  # no request failed for want of Redis
    assert status == 200, down  # still ready: degraded, and saying so
    assert down["redis"]["status"] == "warn"
    assert down["fanout"]["detail"].startswith("degraded to local")
    assert down["rate_limits"]["status"] == "warn"
    assert "in this process: Redis failed" in down["rate_limits"]["detail"]
    assert order.status_code == 201
    assert local["channel"] == "orders"
    assert up["rate_limits"]["status"] == "ok"
    assert relayed["channel"] == "orders"  # another instance's events come through again


def _next_event(ws: Any, **match: Any) -> dict[str, Any]:
    """The next event whose data hold ``match`` (an order sends several: accepted, filled)."""
    while True:
        message = ws.receive_json()
        if message["type"] == "ping":
            ws.send_json({"type": "pong"})
        elif message["type"] == "event" and match.items() <= message["data"].items():
            return dict(message)


def _publish(url: str, prefix: str, data: dict[str, Any]) -> None:
    """An order event as another instance's relay publishes it."""
    import redis

    client = redis.Redis.from_url(url)
    body = {"origin": "another-instance", "topic": "order.event", "data": data}
    client.publish(f"{prefix}:events", json.dumps(body))
    client.close()


def _mcp_orders(url: str, key: str) -> list[str]:
    from tests.integration.mcp.conftest import http_client

    async def ask() -> list[str]:
        async with http_client(url, key) as client:
            result = await client.call_tool("orders_list", {"status": "all", "limit": 20})
            assert not result.is_error, result.content
            assert result.structured_content is not None
            return [o["client_order_id"] for o in result.structured_content["data"]]

    return asyncio.run(ask())


@pytest.mark.postgres
@pytest.mark.redis
def test_one_of_two_instances_killed_under_load_clients_retry_onto_the_other(
    sample_home: Path, postgres_url: str, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WB_LEDGER_URL", postgres_url)
    monkeypatch.setenv("WB_REDIS_URL", redis_url)
    monkeypatch.setenv("WB_REDIS_PREFIX", f"wbtest-{uuid.uuid4().hex[:10]}")
    with Runtime.from_settings() as rt:
        key = key_for(rt, "trader")  # and the ledger migrated before both start
    urls = [f"http://127.0.0.1:{free_port()}" for _ in range(2)]
    instances = start_api(*(int(url.rsplit(":", 1)[1]) for url in urls))
    wanted = [f"ha-{worker}-{n}" for worker in range(2) for n in range(5)]
    answered: list[str] = []
    moved_over: list[str] = []

    def submit_all(worker: int) -> None:
        headers = {"Authorization": f"Bearer {key}"}
        turn = worker
        for cid in (c for c in wanted if c.startswith(f"ha-{worker}-")):
            body = {"symbol": "AAPL", "side": "buy", "qty": "1", "client_order_id": cid}
            for _ in range(20):  # a client's failover: the next instance, the same order
                url = urls[turn % 2]
                turn += 1
                try:
                    answer = httpx.post(f"{url}/api/v1/orders", json=body, headers=headers)
                except httpx.TransportError:
                    moved_over.append(cid)
                    continue
                assert answer.status_code in {200, 201}, answer.text
                answered.append(cid)
                break

    workers = [threading.Thread(target=submit_all, args=(w,)) for w in range(2)]
    try:
        for worker in workers:
            worker.start()
        wait_until(lambda: len(answered) >= 3, what="orders before the kill", timeout=60)
        instances[0].send_signal(signal.SIGKILL)
        instances[0].wait(timeout=30)
        # a supervisor's restart on the same port, while the clients carry on with the other
        instances += start_api(int(urls[0].rsplit(":", 1)[1]))
        for worker in workers:
            worker.join(timeout=120)
        seen_by_mcp = _mcp_orders(urls[0], key)
    finally:
        for process in instances:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)
        for worker in workers:
            worker.join(timeout=1)
    assert sorted(answered) == sorted(wanted)
    assert moved_over, "no client met the killed instance"
    assert sorted(seen_by_mcp) == sorted(wanted)
    with Runtime.from_settings() as rt:
        assert_each_order_once(rt, wanted)


#: small: a worker spends seconds importing vectorbt after claiming it, time enough to kill it
GRID = {
    "strategy": "sma_crossover",
    "symbols": ["AAPL", "MSFT"],
    "grid": {"fast": "2:8:1", "slow": "40:60:2"},
    "separate": True,
    "objective": "total_return",
}


def test_a_dask_worker_killed_mid_grid_reruns_it_whole_never_stuck_or_partial(
    sample_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.ops import jobs

    monkeypatch.setenv("WB_JOBS__WORKERS", "1")  # its nanny starts a new worker after the kill
    operator = jobs.operator("cli:test")
    with Runtime.from_settings() as rt:
        submitted = jobs.submit(rt, "optimize", GRID, operator)
        wait_until(
            lambda: jobs.job(rt, submitted.id, operator).state == "running",
            what="the grid running on a worker",
            timeout=120,
        )
        client = rt.jobs._client  # the runner's own Dask client: which worker holds the task
        busy = wait_until(
            lambda: [w for w, tasks in client.processing().items() if tasks],
            what="the worker running the grid",
        )
        for pid in client.run(os.getpid, workers=busy).values():
            os.kill(pid, signal.SIGKILL)
        killed_at = jobs.job(rt, submitted.id, operator).started_at
        ended = wait_until(
            lambda: (lambda j: j if j.state not in {"queued", "running"} else None)(
                jobs.job(rt, submitted.id, operator)
            ),
            what="the job to end after its worker died",
            timeout=180,
        )
        summary = jobs.result(rt, submitted.id, operator)["result"]
    # before the fix the rerun found the row "running", stopped, and the job stayed running
    assert ended.state == "succeeded", ended
    assert ended.started_at is not None and killed_at is not None
    assert ended.started_at > killed_at  # the figures are the rerun's, from the start
    fast, slow = range(2, 9), range(40, 61, 2)
    assert summary["combinations"] == len(fast) * len(slow)  # the whole grid, not a part
    assert summary["portfolios"] == summary["combinations"] * len(GRID["symbols"])
    values = [row["total_return"] for row in summary["top"]]
    assert summary["best_value"] == values[0] == max(values)
