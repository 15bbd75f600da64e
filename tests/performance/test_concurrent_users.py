"""A hundred simulated users on one running system at once, for a bounded time: readers of
the API, order previewers, submitters (each order sent twice at once, as a client retrying a
request it thinks was lost), WebSocket subscribers to ``orders``, MCP assistants over ``/mcp``
and a few CLI processes. Afterwards: no error answered, every order the users submitted exactly
once in the ledger and at the venue, every subscriber told of each, the audit chain intact.

Scale: ``WB_LOAD_SCALE`` (tests/performance/conftest.py) multiplies the seconds the users run.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.integration.mcp.conftest import http_client
from tests.performance.conftest import WORKBENCH, System, figures, load_scale

pytestmark = [
    pytest.mark.performance,
    pytest.mark.system,
    pytest.mark.requirement("PRF-02", "PRF-03", "PRF-04", "EXE-07", "RSK-04"),
]

USERS = 100
SYMBOLS = ("AAPL", "MSFT", "JPM", "XOM", "IBM")
READS = (
    "/api/v1/account",
    "/api/v1/positions",
    "/api/v1/orders?limit=20",
    "/api/v1/fills?limit=20",
    "/api/v1/market/latest?symbols=AAPL,MSFT",
    "/api/v1/market/bars/AAPL?limit=50",
    "/api/v1/strategies",
    "/api/v1/trading/state",
)


@dataclass
class Tally:
    """What the users saw: every failure with its reason, timings per kind, submitted ids."""

    run: str
    deadline: float
    failures: list[str] = field(default_factory=list)
    timings: dict[str, list[float]] = field(default_factory=dict)
    #: every order the users submitted; ``through_api`` those the API sent (the subscribers
    #: hear of these: a CLI process's events reach the API only through Redis)
    submitted: set[str] = field(default_factory=set)
    through_api: set[str] = field(default_factory=set)
    submits_done: asyncio.Event = field(default_factory=asyncio.Event)

    def time(self, kind: str, began: float) -> None:
        self.timings.setdefault(kind, []).append(time.perf_counter() - began)

    def turns(self) -> Iterator[int]:
        """0, 1, 2... until the deadline: at least one turn, however late a user starts."""
        turn = 0
        while turn == 0 or time.perf_counter() < self.deadline:
            yield turn
            turn += 1


async def _reader(http: httpx.AsyncClient, tally: Tally, n: int) -> None:
    for turn in tally.turns():
        path = READS[(n + turn) % len(READS)]
        began = time.perf_counter()
        answer = await http.get(path)
        tally.time(f"read {path.split('?')[0].removeprefix('/api/v1/')}", began)
        if answer.status_code != 200:
            tally.failures.append(f"GET {path}: {answer.status_code} {answer.text[:300]}")


async def _previewer(http: httpx.AsyncClient, tally: Tally, n: int) -> None:
    for _ in tally.turns():
        order = {"symbol": SYMBOLS[n % len(SYMBOLS)], "side": "buy", "qty": "1"}
        began = time.perf_counter()
        answer = await http.post("/api/v1/orders/preview", json=order)
        tally.time("preview", began)
        if answer.status_code != 200 or answer.json().get("approved") is not True:
            tally.failures.append(f"preview {order}: {answer.status_code} {answer.text[:300]}")


async def _submitter(http: httpx.AsyncClient, tally: Tally, n: int) -> None:
    for turn in tally.turns():
        client_order_id = f"{tally.run}-u{n}-{turn}"
        order = {
            "symbol": SYMBOLS[(n + turn) % len(SYMBOLS)],
            "side": "buy",
            "qty": "1",
            "client_order_id": client_order_id,
        }
        tally.submitted.add(client_order_id)
        tally.through_api.add(client_order_id)
        began = time.perf_counter()
        # the same order twice at once: a retry racing the request it repeats
        answers = await asyncio.gather(*(http.post("/api/v1/orders", json=order) for _ in "ab"))
        tally.time("submit (twice)", began)
        statuses = sorted(a.status_code for a in answers)
        if statuses != [200, 201]:
            text = " | ".join(a.text[:300] for a in answers)
            tally.failures.append(f"submit {client_order_id}: {statuses} {text}")
            continue
        ids = {a.json()["order"]["id"] for a in answers}
        if len(ids) != 1:
            tally.failures.append(f"submit {client_order_id}: two orders {sorted(ids)}")


async def _next_message(ws: ClientConnection, timeout: float) -> dict[str, Any]:
    message = json.loads(await asyncio.wait_for(ws.recv(), timeout))
    if message["type"] == "ping":
        await ws.send(json.dumps({"type": "pong"}))
    return dict(message)


async def _subscriber(system: System, tally: Tally, drain_seconds: float) -> None:
    """Subscribed to ``orders`` for the whole run; after the submitters stop, waits until it
    has been told of every order they submitted."""
    seen: set[str] = set()
    async with connect(f"{system.ws}/ws", ping_interval=None, open_timeout=60) as ws:
        await ws.send(json.dumps({"type": "auth", "token": system.keys["viewer"]}))
        await ws.send(json.dumps({"type": "subscribe", "channels": ["orders"]}))
        deadline: float | None = None
        while True:
            if deadline is None and tally.submits_done.is_set():
                deadline = time.perf_counter() + drain_seconds
            if deadline is not None and (ours := tally.through_api) <= seen:
                return
            left = 1.0 if deadline is None else deadline - time.perf_counter()
            if left <= 0:
                missing = sorted(ours - seen)
                tally.failures.append(f"ws: never told of {len(missing)}: {missing[:5]}")
                return
            try:
                message = await _next_message(ws, left)
            except TimeoutError:
                continue
            if message["type"] == "error":
                tally.failures.append(f"ws: {message}")
                return
            if message["type"] == "event":
                seen.add(message["data"]["client_order_id"])


async def _assistant(system: System, tally: Tally, n: int) -> None:
    async with http_client(system.url, system.keys["trader"]) as client:
        for turn in tally.turns():
            tool, args = [
                ("portfolio_account", {}),
                ("market_latest", {"symbols": ["AAPL", "JPM"]}),
                ("order_preview", {"symbol": "MSFT", "side": "buy", "qty": "1"}),
            ][(n + turn) % 3]
            began = time.perf_counter()
            result = await client.call_tool(tool, args)
            tally.time("mcp", began)
            if result.is_error or result.structured_content is None:
                tally.failures.append(f"mcp {tool}: {result.content}")


async def _cli(system: System, tally: Tally, args: list[str]) -> Any:
    began = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        WORKBENCH, *args, "--json", env=system.env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    tally.time("cli", began)
    if process.returncode != 0:
        tally.failures.append(f"workbench {' '.join(args)}: {err.decode()[-500:]}")
        return None
    return json.loads(out)


async def _cli_users(system: System, tally: Tally) -> None:
    """Three commands as operators type them while the load runs; the order is counted."""
    client_order_id = f"{tally.run}-cli"
    tally.submitted.add(client_order_id)
    submit = ["trade", "submit", "IBM", "--side", "buy", "--qty", "2"]
    answers = await asyncio.gather(
        _cli(system, tally, [*submit, "--client-order-id", client_order_id]),
        _cli(system, tally, ["trade", "orders", "--limit", "20"]),
        _cli(system, tally, ["audit", "verify"]),
    )
    if answers[2] is not None and answers[2]["ok"] is not True:
        tally.failures.append(f"audit verify under load: {answers[2]}")


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> int:
    """One ``GET /healthz`` on an open HTTP/1.1 connection: the status (0 when the server hung
    up instead of answering)."""
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    try:
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
    except (ConnectionError, asyncio.IncompleteReadError):
        return 0
    lines = head.decode("latin-1").split("\r\n")
    length = next(int(x.split(":")[1]) for x in lines if x.lower().startswith("content-length"))
    await reader.readexactly(length)
    return int(lines[0].split()[1])


async def _idle_client(system: System, tally: Tally, idle_seconds: float) -> None:
    """A client that leaves its pooled connection idle a while, as httpx does for up to 5 s
    (its default expiry), then sends on it: the server must not have closed it under the
    client (uvicorn's own default, 5 s, raced httpx's and reset requests under load)."""
    host, port = system.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        first = await _exchange(reader, writer)
        await asyncio.sleep(idle_seconds)
        again = await _exchange(reader, writer)
    finally:
        writer.close()
    if (first, again) != (200, 200):
        tally.failures.append(f"a connection idle {idle_seconds} s: answered {first}, {again}")


async def _users(system: System, seconds: float) -> Tally:
    tally = Tally(f"load-{uuid.uuid4().hex[:6]}", time.perf_counter() + seconds)
    limits = httpx.Limits(max_connections=USERS, max_keepalive_connections=USERS)
    analyst, trader = (
        httpx.AsyncClient(
            base_url=system.url, headers=system.headers(role), limits=limits, timeout=120
        )
        for role in ("analyst", "trader")
    )
    # 17 subscribers, 20 submitters, 3 CLI processes, 10 assistants, 15 previewers, 35 readers
    # (and one idle client besides)
    subscribers = [
        asyncio.create_task(_subscriber(system, tally, drain_seconds=60 * load_scale()))
        for _ in range(17)
    ]
    submitters = [_submitter(trader, tally, n) for n in range(20)]
    others = [
        _idle_client(system, tally, idle_seconds=6),
        _cli_users(system, tally),
        *(_assistant(system, tally, n) for n in range(10)),
        *(_previewer(trader, tally, n) for n in range(15)),
        *(_reader(analyst, tally, n) for n in range(35)),
    ]
    try:
        await asyncio.sleep(0.5)  # the subscribers hear from the first order on
        other_users = asyncio.gather(*others)
        await asyncio.gather(*submitters)
        tally.submits_done.set()
        await asyncio.gather(other_users, *subscribers)
    finally:
        await analyst.aclose()
        await trader.aclose()
    return tally


def _ledger_ids(system: System) -> Counter[str]:
    seen: Counter[str] = Counter()
    with httpx.Client(base_url=system.url, headers=system.headers("viewer"), timeout=60) as http:
        offset = 0
        while page := http.get(f"/api/v1/orders?limit=500&offset={offset}").json():
            seen.update(order["client_order_id"] for order in page)
            offset += len(page)
    return seen


def _venue_ids(system: System) -> Counter[str]:
    from workbench.adapters.paper import PaperBroker
    from workbench.data import Lake
    from workbench.exchange.matching.queries import MAX_ORDERS

    lake = Lake(system.home / "lake")
    book = PaperBroker.open(lake, system.home / "paper" / "book.db")
    seen: Counter[str] = Counter()
    try:
        for symbol in SYMBOLS:
            orders = book.orders("all", symbols=[symbol])
            assert len(orders) < MAX_ORDERS, "more orders than one listing shows: lower the scale"
            seen.update(order.client_order_id for order in orders)
    finally:
        book.close()
        lake.close()
    return seen


def test_a_hundred_users_at_once_lose_and_duplicate_nothing(system: System) -> None:
    from workbench.ops import audit
    from workbench.runtime import Runtime

    seconds = 3 * load_scale()
    began = time.perf_counter()
    tally = asyncio.run(_users(system, seconds))
    elapsed = time.perf_counter() - began
    print(f"\n{USERS} users for {seconds:g} s (all done in {elapsed:.1f} s):")
    for kind, samples in sorted(tally.timings.items()):
        print("  " + figures(kind, samples, elapsed))
    assert not tally.failures, "\n".join(tally.failures[:20])
    assert len(tally.submitted) > 20  # each submitter sent at least one order

    ledger, venue = _ledger_ids(system), _venue_ids(system)
    for where, seen in (("ledger", ledger), ("venue", venue)):
        ours = {cid: count for cid, count in seen.items() if cid.startswith(tally.run)}
        assert set(ours) == tally.submitted, (where, sorted(tally.submitted ^ set(ours))[:10])
        assert set(ours.values()) == {1}, (where, [c for c, n in ours.items() if n > 1][:10])
    with Runtime.from_settings(home=system.home, ledger_url=None) as rt:
        chain = audit.verify(rt)
    assert chain.ok, chain
    with httpx.Client(base_url=system.url, headers=system.headers("admin"), timeout=60) as http:
        account = http.get("/api/v1/account").json()
        assert Decimal(account["cash"]) > 0
        assert http.get("/api/v1/audit/verify").json()["ok"] is True
