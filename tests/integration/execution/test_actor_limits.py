"""Limits on an AI assistant's orders (``risk.actors.mcp``) and orders held for a trader's
approval, on a real ledger (SQLite and PostgreSQL) and the real paper broker: the day's counts
come from the ledger, so a second order manager over the same ledger (another process) sees
them; a ``cli:`` actor's same order meets none of them; a held order reaches the broker only
once a trader approves it, and the gate checks it again then."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.integration.execution.test_oms import Books, _buy
from workbench.core.config import ActorLimits, RiskSettings
from workbench.core.errors import NotFound, PermissionDenied, RiskRejected, ValidationError
from workbench.data import Lake
from workbench.execution import OrderManager, set_trading_state
from workbench.ledger import AuditRecordRow, OrderEventRow, OrderRow, verify_audit_chain
from workbench.model import OrderStatus, TradingState

pytestmark = pytest.mark.requirement("RSK-03")


class Desk:
    """``Books`` whose order managers limit ``mcp:`` actors as ``limits`` say."""

    def __init__(self, books: Books) -> None:
        self.books = books
        self.actors = RiskSettings(actors={"mcp": ActorLimits()})

    def configure(self, **limits: Any) -> OrderManager:
        self.actors = RiskSettings(actors={"mcp": ActorLimits(**limits)})
        self.books.oms = self.manager()
        return self.books.oms

    def manager(self) -> OrderManager:
        """Another order manager over the same ledger and broker: another process's view."""
        return self.books.manager(actors=self.actors.for_actor)

    def price(self) -> Decimal:
        price = self.books.paper.engine.price("AAPL")
        assert price is not None
        return price

    def status(self, order_id: int) -> OrderStatus:
        [row] = [r for r in self.books.rows(OrderRow) if r.id == order_id]
        return OrderStatus(row.status)

    def at_broker(self, client_order_id: str) -> bool:
        try:
            self.books.paper.get_order_by_client_id(client_order_id)
        except NotFound:
            return False
        return True


@pytest.fixture
def desk(sample_lake: Path, ledger_url: str) -> Iterator[Desk]:
    books = Books(Lake(sample_lake), ledger_url)
    yield Desk(books)
    books.ledger.dispose()


def test_orders_per_day_count_across_processes_and_a_cli_actor_is_not_limited(
    desk: Desk,
) -> None:
    first = desk.configure(max_orders_per_day=2)
    assert first.submit(_buy(1, cid="a-1"), actor="mcp:alice").order.status == "accepted"
    other = desk.manager()  # another process: nothing in memory, the ledger counts
    assert other.submit(_buy(1, cid="a-2"), actor="mcp:bob").order.status == "accepted"
    refused = other.submit(_buy(1, cid="a-3"), actor="mcp:alice")
    assert refused.order.status == "rejected"
    assert refused.decision is not None and refused.decision.rejection is not None
    rejection = refused.decision.rejection
    assert rejection.rule == "actor_max_orders_per_day"
    assert (rejection.value, rejection.limit, rejection.excess) == (3, 2, 1)
    assert refused.order.reason == rejection.message
    # the preview of the next one says the same, and writes nothing
    preview = first.preview(_buy(1), actor="mcp:carol")
    assert preview.rejection is not None and preview.rejection.rule == rejection.rule
    # the same order by a person at the CLI: no actor rule at all
    by_hand = first.submit(_buy(1, cid="c-1"), actor="cli:alice")
    assert by_hand.order.status == "accepted"
    assert by_hand.decision is not None
    assert not any(c.rule.startswith("actor_") for c in by_hand.decision.checks)
    # a refused order took nothing from the day: still 2 placed
    again = first.preview(_buy(1), actor="mcp:alice")
    check = again.check_for("actor_max_orders_per_day")
    assert check is not None and check.value == 3


def test_notional_per_day_adds_up_two_submits_and_per_order_notional_caps_each(
    desk: Desk,
) -> None:
    price = desk.price()
    oms = desk.configure(max_notional_per_day=price * 15, max_order_notional=price * 12)
    first = oms.submit(_buy(10, cid="n-1"), actor="mcp:alice")
    assert first.order.status == "accepted"
    [row] = desk.books.rows(OrderRow)
    assert row.actor == "mcp:alice" and row.measured_notional == price * 10
    assert row.placed_at == desk.books.paper.now()
    second = oms.submit(_buy(10, cid="n-2"), actor="mcp:alice")
    assert second.decision is not None and second.decision.rejection is not None
    rejection = second.decision.rejection
    assert rejection.rule == "actor_max_notional_per_day"
    assert rejection.value == price * 20 and rejection.excess == price * 5
    too_big = oms.submit(_buy(13, cid="n-3"), actor="mcp:alice")
    assert too_big.decision is not None and too_big.decision.rejection is not None
    assert too_big.decision.rejection.rule == "actor_max_order_notional"
    assert not desk.at_broker("n-2") and not desk.at_broker("n-3")
    assert oms.submit(_buy(10, cid="n-4"), actor="cli:alice").order.status == "accepted"


def test_symbols_outside_the_allowed_list_never_reach_the_broker(desk: Desk) -> None:
    oms = desk.configure(allowed_symbols=["MSFT"])
    refused = oms.submit(_buy(1, cid="s-1"), actor="mcp:alice")
    assert refused.decision is not None and refused.decision.rejection is not None
    assert refused.decision.rejection.rule == "actor_allowed_symbols"
    assert not desk.at_broker("s-1")
    assert oms.submit(_buy(1, symbol="MSFT", cid="s-2"), actor="mcp:alice").accepted


def test_a_held_order_waits_unsent_then_is_approved_sent_and_filled(desk: Desk) -> None:
    oms = desk.configure(require_approval=True, max_orders_per_day=1)
    result = oms.submit(_buy(5, cid="h-1"), actor="mcp:alice")
    assert result.held and result.order.status == "pending_approval"
    assert result.message is not None and "held for approval" in result.message
    assert not desk.at_broker("h-1")
    # a restart's recovery and the open orders leave it alone
    assert desk.manager().recover() == [] and oms.open_orders() == []
    assert not desk.at_broker("h-1")
    [held] = oms.held_orders()
    assert held.order.client_order_id == "h-1" and held.requested_by == "mcp:alice"
    assert held.expires_at > desk.books.paper.now()
    # an assistant decides nothing, whoever it is
    with pytest.raises(PermissionDenied, match="may not approve or reject"):
        oms.approve("h-1", actor="mcp:bob")
    # approving checks the gate again without counting the held order twice
    approved = desk.manager().approve("h-1", actor="api:trader")
    assert approved.decision is not None and approved.decision.approved
    check = approved.decision.check_for("actor_max_orders_per_day")
    assert check is not None and check.value == 1
    assert approved.order.status == "accepted" and desk.at_broker("h-1")
    desk.books.open_market()
    assert desk.status(approved.order.id) is OrderStatus.FILLED
    kinds = [e.kind for e in desk.books.rows(OrderEventRow)]
    assert kinds[:4] == ["intent", "held", "approved", "accepted"]
    with pytest.raises(ValidationError, match="is filled, not pending approval"):
        oms.approve("h-1", actor="api:trader")
    with desk.books.ledger.session(read_only=True) as session:
        assert verify_audit_chain(session).ok
        approvals = [
            r.actor
            for r in desk.books.rows(AuditRecordRow)
            if r.kind == "order.event" and r.payload.get("event") == "approved"
        ]
    assert approvals == ["api:trader"]


def test_a_rejected_held_order_ends_rejected_with_the_traders_reason(desk: Desk) -> None:
    oms = desk.configure(require_approval=True)
    held = oms.submit(_buy(5, cid="r-1"), actor="mcp:alice").order
    with pytest.raises(ValidationError, match="needs a reason"):
        oms.reject_held("r-1", actor="cli:trader", reason="  ")
    view = oms.reject_held(str(held.id), actor="cli:trader", reason="not today")
    assert view.status == "rejected" and view.reason == "rejected by cli:trader: not today"
    assert not desk.at_broker("r-1") and oms.held_orders() == []
    with pytest.raises(ValidationError, match="is rejected"):
        oms.approve("r-1", actor="cli:trader")


def test_approval_while_halted_is_refused_and_the_order_stays_held(desk: Desk) -> None:
    oms = desk.configure(require_approval=True)
    held = oms.submit(_buy(5, cid="t-1"), actor="mcp:alice").order
    set_trading_state(oms, TradingState.HALTED, actor="admin", reason="drill")
    with pytest.raises(RiskRejected, match="trading is halted") as refused:
        oms.approve("t-1", actor="api:trader")
    assert refused.value.details["rule"] == "trading_state"
    assert desk.status(held.id) is OrderStatus.PENDING_APPROVAL and not desk.at_broker("t-1")
    assert "approval_refused" in [e.kind for e in desk.books.rows(OrderEventRow)]
    set_trading_state(oms, TradingState.ACTIVE, actor="admin", reason="over")
    assert oms.approve("t-1", actor="api:trader").order.status == "accepted"


def test_a_held_order_expires_unsent_and_can_be_canceled(desk: Desk) -> None:
    oms = desk.configure(require_approval=True, approval_ttl_minutes=1, max_orders_per_day=5)
    late = oms.submit(_buy(5, cid="x-1"), actor="mcp:alice").order
    canceled = oms.submit(_buy(5, cid="x-2"), actor="mcp:alice").order
    assert oms.cancel("x-2", actor="cli:trader").status == "canceled"
    desk.books.paper.advance(timedelta(minutes=2))
    assert oms.held_orders() == []
    assert desk.status(late.id) is OrderStatus.EXPIRED
    with pytest.raises(ValidationError, match="is expired"):
        oms.approve("x-1", actor="api:trader")
    assert not desk.at_broker("x-1") and not desk.at_broker("x-2")
    assert desk.status(canceled.id) is OrderStatus.CANCELED
    # ended unsent, neither takes anything from the assistant's day
    check = oms.preview(_buy(1), actor="mcp:alice").check_for("actor_max_orders_per_day")
    assert check is not None and check.value == 1


def test_the_days_count_is_taken_again_under_the_ledgers_lock(desk: Desk) -> None:
    oms = desk.configure(max_orders_per_day=1)
    scope = desk.actors.for_actor("mcp:alice")
    stale = oms.context.build("AAPL", actor=scope)  # then another process places one
    assert stale.actor_orders_today == 0
    assert desk.manager().submit(_buy(1, cid="p-1"), actor="mcp:bob").accepted
    with desk.books.ledger.session() as session:
        fresh = oms.context.recount(session, stale, scope)
    assert (fresh.actor_orders_today, fresh.actor_notional_today) == (1, desk.price())
    assert not oms.gate(None, scope).check(_buy(1), fresh).approved
    assert oms.gate(None, scope).check(_buy(1), stale).approved
