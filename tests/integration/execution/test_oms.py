"""The OMS on a real ledger (SQLite and PostgreSQL) and the real paper broker: the order's path
through gate, intent, broker and fills; retries; recovery; reconciliation; the kill switch."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.integration.exchange.conftest import sample_lake
from workbench.adapters.paper import PaperBroker, PaperConfig
from workbench.core import topics
from workbench.core.config import RiskLimits
from workbench.core.errors import Fatal, Retryable
from workbench.core.events import EventBus
from workbench.data import Lake
from workbench.execution import (
    OrderManager,
    RetryPolicy,
    reconcile,
    set_trading_state,
)
from workbench.ledger import (
    CashMovementRow,
    FillRow,
    Ledger,
    OrderEventRow,
    OrderRow,
    PositionRow,
    verify_audit_chain,
)
from workbench.model import OrderRequest, OrderSide, OrderStatus, TradingState
from workbench.testing import FlakyBroker

pytestmark = pytest.mark.requirement("EXE-01", "EXE-02", "EXE-05")

__all__ = ["sample_lake"]

OPEN_DAY = date(2017, 1, 3)


class Books:
    """One paper broker (possibly flaky), one ledger, one OMS, and what the bus saw."""

    def __init__(self, lake: Lake, url: str, limits: RiskLimits | None = None) -> None:
        self.paper = PaperBroker.from_lake(lake, PaperConfig(start=OPEN_DAY))
        self.broker = FlakyBroker(self.paper)
        self.ledger = Ledger.from_url(url)
        self.ledger.upgrade()
        self.bus = EventBus()
        self.seen: list[tuple[str, Any]] = []
        self.bus.subscribe("*", lambda topic, payload: self.seen.append((topic, payload)))
        self.limits = limits or RiskLimits(max_order_notional=Decimal(50_000))
        self.oms = self.manager()

    def manager(self, **options: Any) -> OrderManager:
        engine = self.paper.engine

        def prices(symbols: list[str]) -> dict[str, Decimal]:
            found = {s: engine.price(s) for s in symbols}
            return {s: p for s, p in found.items() if p is not None}

        return OrderManager(
            self.ledger,
            self.broker,
            account="paper-test",
            broker_name="paper",
            limits=lambda strategy: self.limits,
            prices=prices,
            now=self.paper.now,
            bus=self.bus,
            retry=RetryPolicy(attempts=3, first_delay=0.0),
            sleep=lambda seconds: None,
            **options,
        )

    def open_market(self) -> None:
        self.paper.advance(timedelta(minutes=2))
        self.oms.process_events()

    def rows(self, model: Any) -> list[Any]:
        with self.ledger.session(read_only=True) as session:
            return list(session.scalars(sa.select(model).order_by(model.id)))

    def topics(self) -> list[str]:
        return [topic for topic, _ in self.seen]


@pytest.fixture
def books(sample_lake: Path, ledger_url: str) -> Iterator[Books]:
    made = Books(Lake(sample_lake), ledger_url)
    yield made
    made.ledger.dispose()


def _buy(qty: int = 10, symbol: str = "AAPL", cid: str | None = None) -> OrderRequest:
    return OrderRequest(symbol=symbol, side=OrderSide.BUY, qty=Decimal(qty), client_order_id=cid)


def test_an_order_goes_gate_intent_broker_fill_and_books_it(books: Books) -> None:
    result = books.oms.submit(_buy(cid="o-1"), actor="tester", strategy="manual")
    assert result.decision is not None and result.decision.approved
    assert result.order.status == "accepted" and result.order.broker_order_id
    books.open_market()
    [order] = books.rows(OrderRow)
    assert order.status is OrderStatus.FILLED and order.filled_qty == 10
    events = [e.kind for e in books.rows(OrderEventRow)]
    assert events[:2] == ["intent", "accepted"] and events[-1] == "fill"
    [fill] = books.rows(FillRow)
    [position] = books.rows(PositionRow)
    assert position.qty == 10 and position.avg_entry_price == fill.price
    cash = sum(row.amount for row in books.rows(CashMovementRow))
    assert cash == books.paper.account().cash == Decimal(100_000) - 10 * fill.price
    assert reconcile(books.oms).ok
    with books.ledger.session(read_only=True) as session:
        audit = verify_audit_chain(session)
    assert audit.ok and audit.records >= 6
    assert {topics.RISK_DECISION, topics.ORDER} <= set(books.topics())


def test_a_rejected_order_is_kept_with_the_rule_and_never_sent(books: Books) -> None:
    result = books.oms.submit(_buy(qty=1000), actor="tester")
    assert result.order.status == "rejected"
    assert result.decision is not None and result.decision.rejection is not None
    assert result.decision.rejection.rule == "max_order_notional"
    assert "exceeds max_order_notional" in (result.order.reason or "")
    assert books.broker.submits == 0
    rejected = [p for t, p in books.seen if t == topics.ORDER_REJECTED]
    assert rejected[0]["rule"] == "max_order_notional"


def test_the_same_client_order_id_twice_sends_once(books: Books) -> None:
    first = books.oms.submit(_buy(cid="same"), actor="tester")
    again = books.oms.submit(_buy(cid="same"), actor="tester")
    assert again.order.id == first.order.id and again.decision is None
    assert books.broker.submits == 1
    assert len(books.paper.orders("all")) == 1


def test_retryable_errors_are_resent_with_the_same_id(books: Books) -> None:
    books.broker.fail_next_submits(Retryable("503"), Retryable("lost"), after_placing=True)
    result = books.oms.submit(_buy(cid="flaky"), actor="tester")
    assert result.order.status == "accepted"
    assert books.broker.submits == 3
    assert [o.client_order_id for o in books.paper.orders("all")] == ["flaky"]


def test_retries_that_run_out_leave_the_outcome_to_recovery(books: Books) -> None:
    books.broker.fail_next_submits(*[Retryable("down")] * 3, after_placing=True)
    result = books.oms.submit(_buy(cid="unknown"), actor="tester")
    assert result.order.status == "submitted"
    [settled] = books.oms.recover(actor="restart")
    assert settled.status == "accepted"
    assert len(books.paper.orders("all")) == 1


def test_a_fatal_refusal_ends_the_order_rejected_with_the_broker_reason(books: Books) -> None:
    books.broker.fail_next_submits(Fatal("insufficient buying power"))
    result = books.oms.submit(_buy(), actor="tester")
    assert result.order.status == "rejected"
    assert result.order.reason == "insufficient buying power"
    [payload] = [p for t, p in books.seen if t == topics.ORDER_REJECTED]
    assert payload["rule"] == "broker"


def test_recovery_sends_an_intent_the_broker_never_got(books: Books) -> None:
    books.broker.fail_next_submits(*[Retryable("down")] * 3)  # never placed
    books.oms.submit(_buy(cid="lost"), actor="tester")
    assert books.paper.orders("all") == []
    fresh = books.manager()  # a restarted process
    [settled] = fresh.recover(actor="restart")
    assert settled.status == "accepted"
    assert [o.client_order_id for o in books.paper.orders("all")] == ["lost"]


def test_recovery_drops_a_stale_intent(books: Books) -> None:
    books.broker.fail_next_submits(*[Retryable("down")] * 3)
    books.oms.submit(_buy(cid="stale"), actor="tester")
    books.paper.advance(timedelta(days=2))
    [settled] = books.manager(resend_within=timedelta(hours=1)).recover(actor="restart")
    assert settled.status == "rejected" and "went stale" in (settled.reason or "")
    assert books.paper.orders("all") == []


def test_fills_missed_while_down_are_booked_once_by_reconciliation(books: Books) -> None:
    books.oms.submit(_buy(cid="m-1"), actor="tester")
    books.broker.swallow_events()
    books.open_market()  # the fill happens; the stream drops it
    assert books.rows(FillRow) == []
    books.broker.swallow_events(False)
    report = reconcile(books.oms)
    assert report.ok and report.fills_applied == 1
    assert reconcile(books.oms).fills_applied == 0
    [position] = books.rows(PositionRow)
    assert position.qty == 10


def test_an_order_placed_elsewhere_is_adopted(books: Books) -> None:
    books.oms.account_id  # the ledger knows the account, not the order  # noqa: B018
    books.paper.submit(_buy(qty=3, symbol="MSFT", cid="by-hand-at-the-broker"))
    books.paper.advance(timedelta(minutes=2))
    report = reconcile(books.oms)
    assert report.adopted == ["by-hand-at-the-broker"] and report.ok
    [row] = books.rows(OrderRow)
    assert row.status is OrderStatus.FILLED and row.strategy is None


def test_an_unexplained_difference_reduces_until_acknowledged(books: Books) -> None:
    books.oms.submit(_buy(cid="d-1"), actor="tester")
    books.open_market()
    with books.ledger.session() as session:  # someone edits the book behind the OMS's back
        position = session.scalars(sa.select(PositionRow)).one()
        position.qty = Decimal(7)
    report = reconcile(books.oms)
    assert not report.ok
    assert report.differences[0].message == "position AAPL: ledger 7, broker 10"
    assert books.oms.trading_state() is TradingState.REDUCING
    assert any(t == topics.RECONCILIATION and not p["ok"] for t, p in books.seen)
    more = books.oms.submit(_buy(qty=1), actor="tester")
    assert more.order.status == "rejected"
    assert more.decision is not None and more.decision.rejection is not None
    assert more.decision.rejection.rule == "trading_state"
    set_trading_state(books.oms, TradingState.ACTIVE, actor="operator", reason="checked")
    assert books.oms.submit(_buy(qty=1), actor="tester").order.status == "accepted"


def test_halt_stops_everything_and_cancels_open_orders(books: Books) -> None:
    books.oms.submit(_buy(cid="h-1"), actor="tester")
    change = set_trading_state(
        books.oms, TradingState.HALTED, actor="admin", reason="drill", cancel_open=True
    )
    assert change.previous is TradingState.ACTIVE
    assert [view.status for view in change.canceled] == ["canceled"]
    sell = OrderRequest(symbol="AAPL", side=OrderSide.SELL, qty=Decimal(1))
    refused = books.oms.submit(sell, actor="tester")
    assert refused.order.status == "rejected"
    assert books.broker.submits == 1
    assert any(t == topics.TRADING_STATE and p["state"] == "halted" for t, p in books.seen)


def test_cancel_of_an_intent_that_never_reached_the_broker(books: Books) -> None:
    books.broker.fail_next_submits(*[Retryable("down")] * 3)
    view = books.oms.submit(_buy(cid="c-1"), actor="tester").order
    canceled = books.oms.cancel(view.client_order_id, actor="tester")
    assert canceled.status == "canceled"
    assert "before it reached the broker" in (canceled.reason or "")
