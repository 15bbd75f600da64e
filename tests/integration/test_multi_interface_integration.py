"""Four faces at once on one home and one ledger, each in a process of its own: the CLI (a
``workbench`` process per command), the REST API (``workbench serve api``), MCP (``workbench
serve mcp`` over stdio, the SDK's client) and a dashboard kernel (a Jupyter kernel on the
``workbench`` kernelspec running what the portfolio dashboard runs: ``workbench.open()`` and
``workbench.notebook.submit_orders``).

Each face places one order; every face then sees every order alike (same id, status,
quantities and prices as plain values). A halt from one face then stops the other three at
once: the next submit of each is refused, naming the halt, with no wait in between.
(``tests/system/test_halt.py`` covers a CLI halt against a running strategy and an API halt
against a CLI strategy run; ``tests/integration/mcp/test_stdio.py`` an MCP halt against MCP.)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client, StdioServerParameters

from tests.integration.faces import (
    WORKBENCH,
    ApiProcess,
    DashboardKernel,
    cli,
    cli_json,
    face_env,
    make_keys,
    order_facts,
)
from tests.integration.mcp.conftest import LiveClient
from workbench.testing import copy_lake

pytestmark = [pytest.mark.system, pytest.mark.requirement("INT-09", "RSK-02")]

#: what the portfolio dashboard's kernel runs first (its imports, its runtime, its role)
KERNEL_SETUP = """
import json
import workbench
from workbench.model import OrderRequest, to_plain
from workbench.notebook import dashboard_role, frame_of, submit_orders
from workbench.ops import trade
wb = workbench.open()
acting = dashboard_role()
def send(symbol, side, qty):
    request = OrderRequest(symbol=symbol, side=side, qty=qty)
    outcomes = submit_orders(wb, [request], role=acting, actor=f"dashboard:{acting.value}")
    print(json.dumps(to_plain(frame_of(outcomes))))
"""


@dataclass
class Desk:
    env: dict[str, str]
    api: httpx.Client
    mcp: LiveClient
    kernel: DashboardKernel


@pytest.fixture(scope="module")
def desk(shared_sample_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    home = tmp_path_factory.mktemp("one-ledger")
    copy_lake(shared_sample_lake, home / "lake")
    keys = make_keys(home, roles=("admin",))
    env = face_env(home, WB_MCP__TRADING_ENABLED="true", WB_API__RATE_LIMIT__ENABLED="false")
    server = ApiProcess(env)  # the three long-lived processes start side by side
    kernel = DashboardKernel(home)
    stdio = StdioServerParameters(
        command=WORKBENCH, args=["serve", "mcp"], env={**env, "WB_MCP__API_KEY": keys["admin"]}
    )
    mcp = LiveClient(lambda: Client(stdio))
    server.wait_ready()
    api = httpx.Client(
        base_url=f"{server.url}/api/v1",
        headers={"Authorization": f"Bearer {keys['admin']}"},
        timeout=60,
        # a connection per request: between two calls a CLI command may outlast the server's
        # keep-alive, and a reused connection would then meet a reset
        limits=httpx.Limits(max_keepalive_connections=0),
    )
    try:
        kernel.run(KERNEL_SETUP)
        yield Desk(env, api, mcp, kernel)
    finally:
        api.close()
        mcp.close()
        kernel.close()
        server.stop()


def _mcp(desk: Desk, tool: str, **args: Any) -> Any:
    async def call(client: Client) -> Any:
        return await client.call_tool(tool, args)

    return desk.mcp.call(call)


def _mcp_data(desk: Desk, tool: str, **args: Any) -> Any:
    result = _mcp(desk, tool, **args)
    assert not result.is_error, result.content
    return result.structured_content["data"]


def _every_view(desk: Desk) -> dict[str, dict[int, dict[str, Any]]]:
    """Each face's list of orders, by ledger id."""
    views = {
        "cli": cli_json(desk.env, "trade", "orders"),
        "api": desk.api.get("/orders").json(),
        "mcp": _mcp_data(desk, "orders_list"),
        "dashboard": desk.kernel.run("print(json.dumps(to_plain(trade.orders(wb))))"),
    }
    return {face: {o["id"]: o for o in orders} for face, orders in views.items()}


@pytest.fixture(scope="module")
def placed(desk: Desk) -> dict[str, int]:
    """One order from each face, once per desk: pytest-xdist may run this module's tests on
    different workers (each with its own desk), and the halt test needs these orders too."""
    placed = {}
    cli_answer = cli_json(desk.env, "trade", "submit", "AAPL", "--side", "buy", "--qty", "10")
    placed["cli"] = cli_answer["order"]["id"]
    api_answer = desk.api.post("/orders", json={"symbol": "MSFT", "side": "buy", "qty": "20"})
    assert api_answer.status_code == 201, api_answer.text
    placed["api"] = api_answer.json()["order"]["id"]
    order = {"symbol": "GOOGL", "side": "buy", "qty": "2"}
    token = _mcp_data(desk, "order_preview", **order)["confirmation_token"]
    placed["mcp"] = _mcp_data(desk, "order_submit", confirmation_token=token, **order)["order"][
        "id"
    ]
    (sent,) = desk.kernel.run("send('AMZN', 'buy', 3)")
    assert sent["accepted"], sent["message"]
    placed["dashboard"] = sent["order_id"]
    assert sorted(placed.values()) == [1, 2, 3, 4]
    return placed


def test_an_order_from_each_face_is_seen_alike_by_every_face(
    desk: Desk, placed: dict[str, int]
) -> None:
    views = _every_view(desk)
    reference = views["api"]
    assert sorted(reference) == [1, 2, 3, 4]
    for face, view in views.items():
        assert view.keys() == reference.keys(), face
        for order_id, seen in view.items():
            expected = reference[order_id]
            assert seen["client_order_id"] == expected["client_order_id"], (face, order_id)
            assert order_facts(seen) == order_facts(expected), (face, order_id)
            # plain values: money and quantities as exact decimal strings, the same spelling
            assert (seen["qty"], seen["filled_avg_price"]) == (
                expected["qty"],
                expected["filled_avg_price"],
            ), (face, order_id)
    statuses = [reference[placed[f]]["status"] for f in ("cli", "api", "mcp", "dashboard")]
    # the replayed book fills at the next print: the open, the close, then nothing more
    assert statuses == ["filled", "filled", "accepted", "accepted"], statuses
    assert Decimal(reference[placed["cli"]]["filled_qty"]) == 10
    actors = {o["client_order_id"].split("-")[1] for o in reference.values()}
    assert "mcp" in actors  # the assistant's order carries its kind in its id


def test_a_halt_from_the_api_stops_every_other_face_at_once(
    desk: Desk, placed: dict[str, int]
) -> None:
    order = {"symbol": "AAPL", "side": "sell", "qty": "1"}
    token = _mcp_data(desk, "order_preview", **order)["confirmation_token"]  # before the halt
    halted = desk.api.post("/trading/halt", json={"reason": "multi-interface test"})
    assert halted.status_code == 200, halted.text
    canceled = {o["id"] for change in halted.json() for o in change["canceled"]}

    # no wait: the very next submit of each face meets the halt
    refused_cli = cli(desk.env, "trade", "submit", "AAPL", "--side", "sell", "--qty", "1")
    assert refused_cli.returncode == 1, refused_cli.stderr
    assert "rejected - trading is halted" in refused_cli.stdout
    refused_mcp = _mcp_data(desk, "order_submit", confirmation_token=token, **order)["order"]
    assert refused_mcp["status"] == "rejected"
    assert "halted" in refused_mcp["reason"]
    (refused_kernel,) = desk.kernel.run("send('AAPL', 'sell', 1)")
    assert not refused_kernel["accepted"]
    assert "halted" in refused_kernel["message"]
    refused_api = desk.api.post("/orders", json=order)
    assert refused_api.status_code == 422
    assert refused_api.json()["rule"] == "trading_state"

    states = {
        "cli": cli_json(desk.env, "trade", "account")["trading_state"],
        "api": {s["state"] for s in desk.api.get("/trading/state").json()},
        "mcp": _mcp_data(desk, "portfolio_account")["trading_state"],
        "dashboard": desk.kernel.run("print(json.dumps(trade.account(wb).trading_state))"),
    }
    assert states == {"cli": "halted", "api": {"halted"}, "mcp": "halted", "dashboard": "halted"}
    # the halt canceled the open orders; every face sees them canceled
    assert canceled == {3, 4}
    for face, view in _every_view(desk).items():
        assert {i for i, o in view.items() if o["status"] == "canceled"} == canceled, face
        rejected = [o for o in view.values() if o["status"] == "rejected"]
        assert len(rejected) == 4, face  # each face's refused order is on the ledger

    resumed = _mcp_data(desk, "trading_state_set", state="resume")
    assert resumed[0]["state"] == "active"
    (again,) = desk.kernel.run("send('AAPL', 'sell', 1)")
    assert again["accepted"], again
    verified = json.loads(cli(desk.env, "audit", "verify", "--json").stdout)
    assert verified["ok"]
