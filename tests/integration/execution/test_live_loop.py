"""The full daily loop on the local exchange through the Alpaca adapter, as an operator runs it:
``workbench trade run ... --broker alpaca --cycles 2`` as a real process, the exchange's clock
stepped to the next session while the runner waits, then reconciliation and the audit chain."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.integration.execution.conftest import REBALANCE, Desk, wait_for
from workbench.ledger import OrderEventRow, OrderRow

pytestmark = pytest.mark.requirement("EXE-06")

MID_SESSION = "2017-01-03T15:00:00Z"  # 10:00 New York, the first session of the replay
NEXT_PRE_OPEN = "2017-01-04T14:29:00Z"  # the minute before the next bell: the runner's wake-up


@pytest.mark.slow
def test_a_live_run_trades_two_sessions_and_the_books_agree(desk: Desk) -> None:
    desk.venue.clock(to=MID_SESSION)
    runner = desk.spawn(*REBALANCE, "--cycles", "2")
    wait_for(lambda: len(desk.decisions(1)) == 1, "the first cycle", process=runner)
    first = desk.decisions(1)[0]
    assert first["as_of"].startswith("2016-12-30")  # the last bar complete at 10:00 on Jan 3
    assert {o["symbol"] for o in first["orders"]} == {"AAPL", "MSFT", "JPM"}
    assert all(r["order"]["status"] == "accepted" for r in first["submitted"])

    desk.venue.clock(to=NEXT_PRE_OPEN)  # the first orders fill; the runner wakes
    out, err = runner.communicate(timeout=180)
    assert runner.returncode == 0, err
    summary = json.loads(out)
    assert (summary["status"], summary["kind"]) == ("succeeded", "live")
    second = desk.decisions(1)[1]
    assert second["as_of"].startswith("2017-01-03")
    # the second decision saw the first one's fills: a daily rebalance trims, it does not
    # buy the whole book again
    bought = {o["symbol"]: Decimal(o["qty"]) for o in first["orders"]}
    for order in second["orders"]:
        assert Decimal(order["qty"]) < bought[order["symbol"]] / 10, second

    desk.venue.clock(advance="10m")  # the second cycle's orders meet the open
    report = desk.json("trade", "reconcile")
    assert report["ok"] and report["trading_state"] == "active", report
    books = desk.assert_books_agree()
    assert len(books.ledger) == len(first["orders"]) + len(second["orders"])
    assert {status for status, _ in books.ledger.values()} == {"filled"}

    account = desk.json("trade", "account")
    assert Decimal(account["cash"]) == pytest.approx(Decimal(account["broker_cash"]))
    weights = Decimal(account["positions_value"]) / Decimal(account["equity"])
    assert Decimal("0.9") < weights < Decimal("1.01")  # fully invested, never levered
    verified = desk.json("audit", "verify")
    assert verified["ok"] and verified["records"] > 0


def _event_ids(
    desk: Desk, cids: set[str], *, status: str | None = None, kind: str | None = None
) -> list[int]:
    """Insertion order of the ledger's order events of ``cids`` with that status or kind."""
    query = sa.select(OrderEventRow.id).join(OrderRow).where(OrderRow.client_order_id.in_(cids))
    if status is not None:
        query = query.where(OrderEventRow.status == status)
    if kind is not None:
        query = query.where(OrderEventRow.kind == kind)
    ledger = desk.ledger()
    try:
        with ledger.session(read_only=True) as session:
            return sorted(session.scalars(query))
    finally:
        ledger.dispose()


def test_each_cycle_decides_on_the_next_bar_with_the_last_fills_booked(desk: Desk) -> None:
    """A cycle run at the pre-open waits for the next session (it does not decide again on the
    bar it just traded), and decides on a book that holds what the open filled."""
    desk.venue.clock(to=MID_SESSION)
    runner = desk.spawn(*REBALANCE, "--cycles", "3")
    wait_for(lambda: len(desk.decisions(1)) == 1, "the first cycle", process=runner)
    desk.venue.clock(to=NEXT_PRE_OPEN)
    wait_for(lambda: len(desk.decisions(1)) >= 2, "the second cycle", process=runner)
    desk.venue.clock(to="2017-01-05T14:29:00Z")  # cycle 2's orders meet the open of Jan 4
    _, err = runner.communicate(timeout=180)
    assert runner.returncode == 0, err
    steps = desk.decisions(1)
    assert [s["as_of"][:10] for s in steps] == ["2016-12-30", "2017-01-03", "2017-01-04"]

    second = {o["client_order_id"] for o in steps[1]["orders"]}
    third = {o["client_order_id"] for o in steps[2]["orders"]}
    assert second and third
    assert max(_event_ids(desk, second, status="filled")) < min(
        _event_ids(desk, third, kind="intent")
    )
    desk.venue.clock(advance="10m")
    assert desk.json("trade", "reconcile")["ok"]
    desk.assert_books_agree()


def test_a_later_command_sees_the_fills_the_exchange_made_since(desk: Desk) -> None:
    """Each command is a new process: one that reads orders or positions must ask the exchange
    about the ledger's open orders, not only about those it placed itself."""
    placed = desk.json("trade", "submit", "MSFT", "--side", "buy", "--qty", "4")
    cid = placed["order"]["client_order_id"]
    assert placed["order"]["status"] == "accepted"
    desk.venue.clock(to="2017-01-03T14:35:00Z")  # the order meets the open

    listed = {o["client_order_id"]: o for o in desk.json("trade", "orders")}
    assert (listed[cid]["status"], listed[cid]["filled_qty"]) == ("filled", "4")
    desk.assert_books_agree()


def test_a_live_run_on_the_exchange_has_its_parity_report(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three daily cycles in this process, the exchange's clock moved a day whenever the runner
    waits for the next bell; then the run against its backtest."""
    from workbench.ops import trade_runs
    from workbench.ops.parity import parity
    from workbench.runtime import Runtime

    for name, value in desk.env.items():
        if name.startswith("WB_"):
            monkeypatch.setenv(name, value)
    desk.venue.clock(to="2017-01-03T14:29:00Z")  # the minute before the first bell

    def wait_a_day(seconds: float) -> None:
        desk.venue.clock(advance="1d")

    with Runtime.from_settings() as rt:
        summary = trade_runs.live_run(
            rt,
            "momentum_rotation",
            ["AAPL", "MSFT", "JPM", "XOM", "WMT", "PG"],
            params={"top": 2, "lookback": 63, "skip": 5, "rebalance": "daily"},
            cycles=3,
            sleep=wait_a_day,
        )
        assert summary.status == "succeeded" and summary.kind == "live"
        assert [row[0] for row in summary.equity] == ["2016-12-30", "2017-01-03", "2017-01-04"]
        report = parity(rt, summary.run_id)
    assert report.sessions == 2  # the sessions traded on and closed before the last cycle
    assert report.signals_agree and report.signals_compared > 0
    both = [t for t in report.trades if t.paper_qty is not None and t.backtest_qty is not None]
    assert both and all(t.explanation for t in report.trades)
    assert abs(report.final_difference) / report.backtest_final < 0.01, report.explanations
