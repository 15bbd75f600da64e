"""Several ``workbench trade`` processes on one home at once, and trading state that outlives a
process: real subprocesses on the paper book, with the ledger on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from workbench.adapters.paper import PaperBroker, PaperConfig
from workbench.data import Lake

pytestmark = [pytest.mark.system, pytest.mark.requirement("EXE-07")]

WORKBENCH = str(Path(sys.executable).with_name("workbench"))
SYMBOLS = ("AAPL", "MSFT", "NVDA", "AMZN", "JPM")
#: a paper book started here has some 45 sessions of the sample ahead of it
EARLY_START = date(2017, 12, 1)


def _env(ledger_url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "WB_LEDGER_URL": ledger_url, **extra}


def _spawn(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [WORKBENCH, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _all_at_once(env: dict[str, str], commands: list[list[str]]) -> list[tuple[int, str, str]]:
    processes = [_spawn(env, *command) for command in commands]
    finished = []
    for process in processes:
        out, err = process.communicate(timeout=900)
        finished.append((process.returncode, out, err))
    return finished


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [WORKBENCH, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def _json(env: dict[str, str], *args: str) -> Any:
    result = _run(env, *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _book(home: Path) -> PaperBroker:
    return PaperBroker.open(Lake(home / "lake"), home / "paper" / "book.db")


@pytest.mark.slow
def test_twenty_submitters_at_once_leave_the_ledger_equal_to_the_paper_book(
    home: Path, ledger_url: str
) -> None:
    # an early start leaves sessions ahead for every submitter's print of the clock
    _book_at(home, EARLY_START).close()
    env = _env(ledger_url)
    commands = [
        ["trade", "submit", SYMBOLS[i % len(SYMBOLS)], "--side", "buy", "--qty", "1", "--json"]
        for i in range(20)
    ]
    for code, _out, err in _all_at_once(env, commands):
        assert code == 0, err
        assert "Traceback" not in err

    report = _json(env, "trade", "reconcile")
    assert report["differences"] == []
    assert report["ok"] is True and report["trading_state"] == "active"
    orders = _json(env, "trade", "orders", "--limit", "100")
    assert Counter(o["status"] for o in orders) == {"filled": 20}
    held = {p["symbol"]: Decimal(p["qty"]) for p in _json(env, "trade", "positions")}
    assert held == dict.fromkeys(SYMBOLS, Decimal(4))
    account = _json(env, "trade", "account")
    book = _book(home)
    try:
        assert {p.symbol: p.qty for p in book.positions()} == held
        assert Decimal(account["cash"]) == book.account().cash == Decimal(account["broker_cash"])
        assert len(book.orders("all")) == 20
    finally:
        book.close()


def _book_at(home: Path, start: date) -> PaperBroker:
    return PaperBroker.open(
        Lake(home / "lake"), home / "paper" / "book.db", PaperConfig(start=start)
    )


def test_a_client_order_id_sent_again_answers_already_submitted(
    home: Path, ledger_url: str
) -> None:
    env = _env(ledger_url)
    args = ["trade", "submit", "AAPL", "--side", "buy", "--qty", "1", "--client-order-id", "dup-1"]
    first = _run(env, *args, "--json")
    assert first.returncode == 0, first.stderr
    order = json.loads(first.stdout)["order"]

    again = _run(env, *args, "--json")
    assert again.returncode == 0, again.stderr
    body = json.loads(again.stdout)
    assert body["already_submitted"] is True and body["risk"] is None
    assert body["order"]["id"] == order["id"]
    assert body["message"] == (
        f"already submitted: client order id dup-1 is order {order['id']}, "
        f"{body['order']['status']}; nothing new was sent"
    )
    shown = _run(env, *args)
    assert shown.returncode == 0
    assert f"already submitted: client order id dup-1 is order {order['id']}" in shown.stdout
    assert len(_json(env, "trade", "orders")) == 1


def test_one_client_order_id_from_four_processes_at_once_is_one_order(
    home: Path, ledger_url: str
) -> None:
    env = _env(ledger_url)
    args = ["trade", "submit", "MSFT", "--side", "buy", "--qty", "2"]
    results = _all_at_once(env, [[*args, "--client-order-id", "race-1", "--json"]] * 4)
    for code, _out, err in results:
        assert code == 0, err
        assert "Traceback" not in err and "IntegrityError" not in err
    answers = [json.loads(out) for _code, out, _err in results]
    assert sorted(a["already_submitted"] for a in answers) == [False, True, True, True]
    assert len({a["order"]["id"] for a in answers}) == 1
    [stored] = _json(env, "trade", "orders")
    assert stored["client_order_id"] == "race-1"
    book = _book(home)
    try:
        assert [o.client_order_id for o in book.orders("all")] == ["race-1"]
    finally:
        book.close()
    assert _json(env, "trade", "reconcile")["ok"] is True


def test_an_unknown_strategy_is_refused_and_a_registered_one_is_taken(home: Path) -> None:
    env = dict(os.environ)
    refused = _run(
        env, "trade", "submit", "AAPL", "--side", "buy", "--qty", "1", "--strategy", "nope"
    )
    assert refused.returncode == 1
    message = refused.stderr.strip()
    assert message.startswith("error: unknown strategy 'nope': known are ")
    assert "sma_crossover" in message and "`workbench strategy list`" in message
    assert "Traceback" not in refused.stderr
    assert _json(env, "trade", "orders") == []
    taken = _json(
        env, "trade", "submit", "AAPL", "--side", "buy", "--qty", "1", "--strategy", "sma_crossover"
    )
    assert taken["order"]["strategy"] == "sma_crossover"


def test_a_new_process_counts_the_daily_loss_from_the_days_opening_equity(
    home: Path, ledger_url: str
) -> None:
    """The first process opens the day at 100,000; its fill costs the spread and slippage (a
    few dollars). A second process must count that loss, not start the day afresh."""
    env = _env(ledger_url, WB_RISK__LIMITS__DAILY_LOSS_LIMIT="1")
    first = _json(env, "trade", "submit", "AAPL", "--side", "buy", "--qty", "100")
    assert first["order"]["status"] == "filled"
    engine = sa.create_engine(ledger_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT day, equity FROM day_openings")).all()
    finally:
        engine.dispose()
    assert [(str(day), Decimal(str(equity))) for day, equity in rows] == [
        ("2018-02-07", Decimal(100_000))
    ]

    second = _run(env, "trade", "submit", "MSFT", "--side", "buy", "--qty", "1", "--json")
    assert second.returncode == 1, second.stderr
    body = json.loads(second.stdout)
    assert body["risk"]["rule"] == "daily_loss_limit"
    assert (
        "day loss" in body["order"]["reason"]
        and "has reached daily_loss_limit" in (body["order"]["reason"])
    )
    # reducing the position is still allowed
    sold = _json(env, "trade", "submit", "AAPL", "--side", "sell", "--qty", "10")
    assert sold["order"]["status"] != "rejected"
