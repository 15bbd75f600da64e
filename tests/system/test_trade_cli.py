"""``workbench trade`` and ``workbench audit`` as a user runs them: real processes on a real
home with the bundled sample, the paper book kept between commands, and an audit chain that
catches a record edited in the database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

pytestmark = [pytest.mark.system, pytest.mark.requirement("EXE-09")]

WORKBENCH = str(Path(sys.executable).with_name("workbench"))


def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [WORKBENCH, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=dict(os.environ),
        check=False,
    )


def run_json(*args: str) -> Any:
    result = run(*args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_trading_by_hand_on_the_paper_book(home: Path) -> None:
    preview = run_json("trade", "preview", "AAPL", "--side", "buy", "--qty", "10")
    assert preview["approved"] is True
    sent = run_json("trade", "submit", "AAPL", "--side", "buy", "--qty", "10")
    order = sent["order"]
    assert order["status"] == "filled" and order["filled_qty"] == "10"
    [position] = run_json("trade", "positions")
    assert position["symbol"] == "AAPL" and position["qty"] == "10"
    account = run_json("trade", "account")
    assert Decimal(account["cash"]) == Decimal(account["broker_cash"])
    assert account["trading_state"] == "active"
    assert run_json("trade", "reconcile")["ok"] is True
    orders = run_json("trade", "orders", "--status", "closed")
    assert [o["client_order_id"] for o in orders] == [order["client_order_id"]]
    [fill] = run_json("trade", "fills")
    assert fill["qty"] == "10" and fill["client_order_id"] == order["client_order_id"]


def test_a_refused_order_exits_1_and_says_which_rule(home: Path) -> None:
    result = run("trade", "submit", "AAPL", "--side", "buy", "--qty", "100000", "--json")
    assert result.returncode == 1
    body = json.loads(result.stdout)
    assert body["order"]["status"] == "rejected"
    assert body["risk"]["rule"] == "max_order_notional"
    assert "exceeds max_order_notional" in body["order"]["reason"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--side", "hold", "--qty", "1"], "side must be one of buy, sell, got 'hold'"),
        (["--side", "buy", "--qty", "-5"], "qty must be a positive number, got '-5'"),
        (["--side", "buy"], "an order needs exactly one of qty and notional"),
        (["--side", "buy", "--qty", "1", "--type", "limit"], "a limit order needs a limit price"),
    ],
)
def test_bad_orders_are_one_line_errors(home: Path, args: list[str], message: str) -> None:
    result = run("trade", "submit", "AAPL", *args)
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {message}"
    assert "Traceback" not in result.stderr


def test_cancel_of_an_unknown_order_names_it(home: Path) -> None:
    result = run("trade", "cancel", "no-such-order")
    assert result.returncode == 1
    assert "no order 'no-such-order' in the ledger" in result.stderr


def test_audit_verify_catches_a_record_edited_in_the_database(home: Path) -> None:
    run_json("trade", "submit", "MSFT", "--side", "buy", "--qty", "3")
    verified = run_json("audit", "verify")
    assert verified["ok"] is True and verified["records"] > 5
    shown = run_json("audit", "show", "--kind", "order.intent")
    assert shown[0]["payload"]["symbol"] == "MSFT"
    engine = sa.create_engine(f"sqlite:///{home / 'ledger.db'}")
    with engine.begin() as connection:
        seq = connection.execute(
            sa.text("SELECT seq FROM audit_records WHERE kind = 'order.intent'")
        ).scalar_one()
        connection.execute(
            sa.text("UPDATE audit_records SET payload = :payload WHERE seq = :seq"),
            {"payload": json.dumps({**shown[0]["payload"], "qty": "300"}), "seq": seq},
        )
    engine.dispose()
    result = run("audit", "verify", "--json")
    assert result.returncode == 1
    body = json.loads(result.stdout)
    assert body["ok"] is False and body["first_bad_seq"] == seq
    assert body["problem"] == f"record {seq} was changed after it was written"


def test_halt_then_resume_through_the_cli(home: Path) -> None:
    halted, *_ = run_json("trade", "halt", "--reason", "drill")
    assert halted["state"] == "halted" and halted["previous"] == "active"
    refused = run("trade", "submit", "AAPL", "--side", "sell", "--qty", "1", "--json")
    assert refused.returncode == 1
    assert json.loads(refused.stdout)["risk"]["rule"] == "trading_state"
    assert run_json("trade", "resume")[0]["state"] == "active"
    records = run_json("audit", "show", "--kind", "trading_state")
    assert [r["payload"]["state"] for r in records] == ["active", "halted"]
