"""The kill switch as operators use it: ``workbench trade halt`` while a live strategy runs on
the local exchange. From then on no face gets an order out (the CLI's submit is refused, exit 1,
naming the ``trading_state`` rule) and the running strategy's next step sends nothing."""

from __future__ import annotations

import json
import signal

import pytest

from tests.integration.execution.conftest import (
    REBALANCE,
    Desk,
    desk,
    sample_lake,
    start_venue,
    wait_for,
)

__all__ = ["desk", "sample_lake", "start_venue"]

pytestmark = [pytest.mark.system, pytest.mark.requirement("RSK-02")]

MID_SESSION = "2017-01-03T15:00:00Z"
NEXT_PRE_OPEN = "2017-01-04T14:29:00Z"


@pytest.mark.slow
def test_halt_stops_every_face_and_the_running_strategy(desk: Desk) -> None:
    desk.venue.clock(to=MID_SESSION)
    resting = desk.json(
        "trade", "submit", "AAPL", "--side", "buy", "--qty", "1", "--type", "limit",
        "--limit-price", "110",
    )  # fmt: skip
    assert resting["order"]["status"] == "accepted"
    runner = desk.spawn(*REBALANCE, "--cycles", "2")
    wait_for(lambda: len(desk.decisions(1)) == 1, "the first cycle", process=runner)
    before = desk.books()
    assert len(before.exchange) == 4

    halted, *_ = desk.json("trade", "halt", "--reason", "system test")
    assert (halted["state"], halted["previous"]) == ("halted", "active")
    assert resting["order"]["client_order_id"] in {o["client_order_id"] for o in halted["canceled"]}

    refused = desk.cli("trade", "submit", "MSFT", "--side", "buy", "--qty", "1", "--json")
    assert refused.returncode == 1, refused.stderr
    answer = json.loads(refused.stdout)
    assert answer["order"]["status"] == "rejected"
    assert answer["risk"]["rule"] == "trading_state"
    assert "halted" in answer["risk"]["reason"]
    sell = desk.cli("trade", "submit", "AAPL", "--side", "sell", "--qty", "1")
    assert sell.returncode == 1  # not even an order that reduces a position
    assert "rejected - trading is halted" in sell.stdout

    desk.venue.clock(to=NEXT_PRE_OPEN)  # the runner wakes for its second cycle
    _, err = runner.communicate(timeout=180)
    assert runner.returncode == 0, err
    second = desk.decisions(1)[1]
    assert second["skipped"] == "trading is halted: nothing sent"
    assert second["submitted"] == []

    after = desk.assert_books_agree()
    assert after.refused == sorted([answer["order"]["client_order_id"], _cid(sell.stdout)])
    assert set(after.exchange) == set(before.exchange)  # not one new order reached the venue
    assert after.exchange[resting["order"]["client_order_id"]][0] == "canceled"
    assert desk.json("trade", "account")["trading_state"] == "halted"
    assert desk.json("audit", "verify")["ok"]


def _cid(rendered: str) -> str:
    """The client order id in the CLI's line ``Order N (<client order id>): ...``."""
    return rendered.split("(", 1)[1].split(")", 1)[0]


@pytest.mark.slow
def test_a_halt_through_the_api_stops_a_strategy_run_from_the_cli(desk: Desk) -> None:
    """An admin halts through the REST API (a real server on the desk's ledger) while a live
    strategy run started from the CLI is between cycles: its next cycle sends nothing."""
    import httpx

    from tests.system.test_serve_api import _free_port, _wait_ready
    from workbench.ops import users
    from workbench.runtime import Runtime

    password = "a long enough password 1"
    with Runtime.from_settings() as rt:  # the desk's WB_HOME, so the server's ledger
        users.add(rt, "root", password, role="admin", actor="test")
    desk.venue.clock(to=MID_SESSION)
    runner = desk.spawn(*REBALANCE, "--cycles", "2")
    port = _free_port()
    server = desk.spawn("serve", "api", "--port", str(port))
    url = f"http://127.0.0.1:{port}"
    _wait_ready(url)
    wait_for(lambda: len(desk.decisions(1)) == 1, "the first cycle", process=runner)
    with httpx.Client(base_url=f"{url}/api/v1", timeout=60) as api:
        login = api.post("/auth/login", json={"username": "root", "password": password})
        api.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        halted = api.post("/trading/halt", json={"reason": "system test through the API"})
        assert halted.status_code == 200, halted.text
        first = halted.json()[0]  # the configured account's change comes first
        assert (first["state"], first["actor"]) == ("halted", "api:root")

        desk.venue.clock(to=NEXT_PRE_OPEN)  # the runner wakes for its second cycle
        _, err = runner.communicate(timeout=180)
        assert runner.returncode == 0, err
        second = desk.decisions(1)[1]
        assert second["skipped"] == "trading is halted: nothing sent"
        assert second["submitted"] == []
        assert {s["state"] for s in api.get("/trading/state").json()} == {"halted"}
        chain = api.get("/audit/records", params={"kind": "trading_state"}).json()["records"]
        assert {r["actor"] for r in chain} == {"api:root"}
    server.send_signal(signal.SIGTERM)
    _, err = server.communicate(timeout=30)
    assert server.returncode == 0, err
    desk.assert_books_agree()
