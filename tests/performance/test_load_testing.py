"""The running system held at its connection and request load: more than a hundred WebSocket
clients and a hundred HTTP connections open at once, every one served; an order's events
reaching every WebSocket client; a stream of reads and order previews from a hundred
connections without one wrong answer. Figures are printed (benchmarks/ measure the budgets).

Scale: ``WB_LOAD_SCALE`` (tests/performance/conftest.py) multiplies the requests sent and the
orders whose events are awaited.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.performance.conftest import System, figures, load_scale
from workbench.testing import next_ws_message

pytestmark = [
    pytest.mark.performance,
    pytest.mark.system,
    pytest.mark.requirement("PRF-01", "PRF-02", "PRF-03", "PRF-04"),
]

CONNECTIONS = 120


async def _subscribed(system: System) -> ClientConnection:
    ws = await connect(f"{system.ws}/ws", ping_interval=None, open_timeout=120)
    await ws.send(json.dumps({"type": "auth", "token": system.keys["viewer"]}))
    await next_ws_message(ws, "welcome", timeout=120)
    await ws.send(json.dumps({"type": "subscribe", "channels": ["orders"]}))
    await next_ws_message(ws, "subscribed", timeout=120)
    return ws


async def _told_of(ws: ClientConnection, client_order_id: str) -> float:
    while True:
        event = await next_ws_message(ws, "event", timeout=120)
        if event["data"]["client_order_id"] == client_order_id:
            return time.perf_counter()


async def _connections_and_fan_out(system: System, orders: int) -> list[float]:
    clients = await asyncio.gather(*(_subscribed(system) for _ in range(CONNECTIONS)))
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    lags: list[float] = []
    try:
        async with httpx.AsyncClient(
            base_url=system.url, headers=system.headers("trader"), limits=limits, timeout=120
        ) as http:
            # a hundred and twenty HTTP connections at once while the sockets stay open
            answers = await asyncio.gather(
                *(http.get("/api/v1/trading/state") for _ in range(CONNECTIONS))
            )
            assert [a.status_code for a in answers] == [200] * CONNECTIONS
            for n in range(orders):
                client_order_id = f"fan-out-{uuid.uuid4().hex[:8]}-{n}"
                order = {"symbol": "JPM", "side": "buy", "qty": "1"}
                heard = [asyncio.create_task(_told_of(ws, client_order_id)) for ws in clients]
                sent = time.perf_counter()
                answer = await http.post(
                    "/api/v1/orders", json={**order, "client_order_id": client_order_id}
                )
                assert answer.status_code == 201, answer.text
                lags += [at - sent for at in await asyncio.gather(*heard)]
    finally:
        await asyncio.gather(*(ws.close() for ws in clients))
    return lags


def test_more_than_a_hundred_connections_each_told_of_every_order(system: System) -> None:
    orders = max(1, round(2 * load_scale()))
    lags = asyncio.run(_connections_and_fan_out(system, orders))
    assert len(lags) == orders * CONNECTIONS
    print(f"\n{CONNECTIONS} WebSocket clients, {orders} orders each heard by all:")
    print("  " + figures("order sent -> event at each client", lags))


async def _stream(system: System, total: int) -> tuple[dict[str, list[float]], float]:
    """``total`` requests over a hundred connections: reads of the lake and of the book, and
    previews, each checked."""
    limits = httpx.Limits(max_connections=100)
    timings: dict[str, list[float]] = {"latest": [], "account": [], "preview": []}
    wrong: list[str] = []
    async with httpx.AsyncClient(
        base_url=system.url, headers=system.headers("trader"), limits=limits, timeout=120
    ) as http:
        expected = (await http.get("/api/v1/market/latest?symbols=AAPL,XOM")).json()
        work = iter(range(total))

        async def connection() -> None:
            for n in work:
                kind = ("latest", "account", "preview")[n % 3]
                began = time.perf_counter()
                if kind == "latest":
                    answer = await http.get("/api/v1/market/latest?symbols=AAPL,XOM")
                    ok = answer.status_code == 200 and answer.json() == expected
                elif kind == "account":
                    answer = await http.get("/api/v1/account")
                    ok = answer.status_code == 200 and {"cash", "equity"} <= set(answer.json())
                else:
                    order = {"symbol": "XOM", "side": "buy", "qty": str(1 + n % 5)}
                    answer = await http.post("/api/v1/orders/preview", json=order)
                    ok = answer.status_code == 200 and answer.json()["approved"] is True
                timings[kind].append(time.perf_counter() - began)
                if not ok:
                    wrong.append(f"{kind}: {answer.status_code} {answer.text[:300]}")

        began = time.perf_counter()
        await asyncio.gather(*(connection() for _ in range(100)))
        elapsed = time.perf_counter() - began
    assert not wrong, "\n".join(wrong[:20])
    return timings, elapsed


def test_a_stream_of_reads_and_previews_answers_every_one_right(system: System) -> None:
    total = max(100, round(150 * load_scale()))
    timings, elapsed = asyncio.run(_stream(system, total))
    assert sum(map(len, timings.values())) == total
    print(f"\n{total} requests over 100 connections in {elapsed:.1f} s:")
    for kind, samples in timings.items():
        print("  " + figures(kind, samples))
    print("  " + figures("all", [t for s in timings.values() for t in s], elapsed))
