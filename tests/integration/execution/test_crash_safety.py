"""Crash safety with real processes: ``workbench`` killed with SIGKILL at each of the OMS's crash
points (intent committed and nothing sent; sent and not yet booked; in the middle of booking a
fill), then restarted against the same local exchange. Afterwards the exchange's order list and
the ledger hold the same orders, each exactly once, in the same state, with the same fills."""

from __future__ import annotations

import json
import signal
from decimal import Decimal

import pytest

from tests.integration.execution.conftest import REBALANCE, Desk

pytestmark = pytest.mark.requirement("EXE-03")

OPEN = "2017-01-03T14:35:00Z"  # five minutes after the first bell of the replay
CID = "crash-test-aapl-1"
SUBMIT = ("trade", "submit", "AAPL", "--side", "buy", "--qty", "5", "--client-order-id", CID)
KILLED = -signal.SIGKILL
RUN = (*REBALANCE, "--cycles", "1")


def _reconciled(desk: Desk, *, fills: int) -> dict[str, object]:
    report = desk.json("trade", "reconcile")
    assert report["ok"], report
    assert report["differences"] == []
    assert report["fills_applied"] == fills
    return dict(report)


@pytest.mark.parametrize("point", ["after_intent", "after_send"])
def test_a_submit_killed_before_its_answer_is_booked_goes_out_once(desk: Desk, point: str) -> None:
    killed = desk.cli(*SUBMIT, "--json", crash=point)
    assert killed.returncode == KILLED, killed.stderr
    books = desk.books()
    assert books.ledger == {CID: ("new", Decimal(0))}  # write-ahead: the intent came first
    assert set(books.exchange) == ({CID} if point == "after_send" else set())

    restarted = _reconciled(desk, fills=0)
    assert restarted["recovered"] == [CID]
    assert desk.assert_books_agree().ledger == {CID: ("accepted", Decimal(0))}

    desk.venue.clock(to=OPEN)
    _reconciled(desk, fills=1)
    assert desk.assert_books_agree().ledger == {CID: ("filled", Decimal(5))}


def test_a_process_killed_while_booking_a_fill_books_it_once_on_restart(desk: Desk) -> None:
    placed = desk.json(*SUBMIT)
    assert placed["order"]["status"] == "accepted"
    desk.venue.clock(to=OPEN)
    assert desk.books().exchange == {CID: ("filled", Decimal(5))}

    killed = desk.cli("trade", "reconcile", "--json", crash="mid_fill")
    assert killed.returncode == KILLED, killed.stderr
    books = desk.books()
    assert books.ledger == {CID: ("accepted", Decimal(0))}  # the fill's transaction died whole
    assert books.booked == {}

    _reconciled(desk, fills=1)
    assert desk.assert_books_agree().ledger == {CID: ("filled", Decimal(5))}
    _reconciled(desk, fills=0)  # and a second look books nothing more
    assert desk.assert_books_agree().booked == {CID: Decimal(5)}


@pytest.mark.postgres
def test_on_postgresql_a_send_and_a_fill_killed_half_way_are_settled_once(
    desk: Desk, postgres_url: str
) -> None:
    """The production store: a killed client's open transaction is rolled back by the server,
    and the same restart settles the order."""
    desk.env["WB_LEDGER_URL"] = postgres_url
    killed = desk.cli(*SUBMIT, "--json", crash="after_send")
    assert killed.returncode == KILLED, killed.stderr
    assert desk.books().ledger == {CID: ("new", Decimal(0))}
    desk.venue.clock(to=OPEN)
    killed = desk.cli("trade", "reconcile", "--json", crash="mid_fill")
    assert killed.returncode == KILLED, killed.stderr
    assert desk.books().booked == {}

    restarted = _reconciled(desk, fills=1)
    assert restarted["recovered"] == [CID]
    assert desk.assert_books_agree().ledger == {CID: ("filled", Decimal(5))}
    assert desk.json("audit", "verify")["ok"]


@pytest.mark.slow
def test_a_runner_killed_at_each_point_and_resumed_sends_every_order_once(desk: Desk) -> None:
    # killed with its first intent committed: nothing reached the exchange
    killed = desk.cli(*RUN, crash="after_intent")
    assert killed.returncode == KILLED, killed.stderr
    first = desk.books()
    assert len(first.ledger) == 1 and first.exchange == {}
    (cid,) = first.ledger
    assert cid.startswith("wb-rebalance-")  # derived from the run and the decision

    # resumed and killed again once the exchange had that order and before the ledger knew
    resume = (*RUN, "--run-id", "1")
    killed = desk.cli(*resume, crash="after_send")
    assert killed.returncode == KILLED, killed.stderr
    second = desk.books()
    assert set(second.exchange) == {cid} and second.ledger == {cid: ("new", Decimal(0))}

    # the open trades it; resumed again and killed while booking that fill
    desk.venue.clock(to=OPEN)
    killed = desk.cli(*resume, crash="mid_fill")
    assert killed.returncode == KILLED, killed.stderr
    assert desk.books().booked == {}

    # resumed for good: the fill is booked once and the step sends the other two orders once
    finished = desk.cli(*resume)
    assert finished.returncode == 0, finished.stderr
    assert json.loads(finished.stdout)["status"] == "succeeded"
    books = desk.assert_books_agree()
    assert len(books.ledger) == 3
    assert books.ledger[cid] == ("filled", books.exchange[cid][1])
    # the final step decided again on the same bar: the first order was not sent again
    last = desk.decisions(1)[-1]
    decided = {str(order["client_order_id"]) for order in last["orders"]}
    assert set(books.ledger) == decided | {cid}

    # sent mid-session, the other two trade at the session's close
    desk.venue.clock(to="close")
    _reconciled(desk, fills=2)
    books = desk.assert_books_agree()
    assert {status for status, _ in books.ledger.values()} == {"filled"}
    assert desk.json("audit", "verify")["ok"]
