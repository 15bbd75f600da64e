"""Every pre-trade risk control (docs/risk.md) met through the OMS of a runtime whose broker is
the Alpaca adapter on the local exchange (a real socket), the ledger on PostgreSQL: a refused
order never reaches the venue, the ledger keeps it ``rejected`` with the rule and a reason a
person can read, the audit chain holds its intent, the gate's decision and the refusal, and the
chain verifies at the end.

The gate's arithmetic per rule is unit-tested (tests/unit/execution/risk); one refusal through
the paper broker is in tests/integration/execution/test_oms.py; the assistant's per-day counts
across processes and approval through the CLI are in tests/integration/execution/
test_actor_limits.py, and through the API in tests/integration/api/test_approvals.py. Not here:
``daily_loss_limit`` (a day's loss cannot be made on a replay clock standing at one bar) and
``price_known`` (every symbol the exchange lists has a price), both unit-tested.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.integration.exchange.conftest import sample_lake
from tests.integration.flows import Floor, open_floor, postgres_database
from workbench.execution import SubmitResult
from workbench.model import OrderRequest, OrderSide, OrderType
from workbench.ops import approvals, audit, trade
from workbench.runtime import Runtime

__all__ = ["sample_lake"]

pytestmark = [pytest.mark.postgres, pytest.mark.requirement("RSK-01", "RSK-02", "RSK-03")]

IN_SESSION = "2017-01-03T15:00:00Z"  # 10:00 New York on the replay's first session
AFTER_THE_CLOSE = "2017-01-03T21:30:00Z"
#: development's own settings switch these off (docs/risk.md, settings)
STRICT = {"market_hours": "regular", "allow_short": False}


@pytest.fixture(scope="module")
def floor(
    sample_lake: Path, postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Floor]:
    for url in postgres_database(postgres_server_url):
        for floor in open_floor(sample_lake, tmp_path_factory.mktemp("risk"), ledger_url=url):
            floor.venue.clock(to=IN_SESSION)
            yield floor


@pytest.fixture
def runtimes(floor: Floor) -> Iterator[Any]:
    """Runtimes on the module's floor, each with the risk settings it is given."""
    made: list[Runtime] = []

    def build(limits: dict[str, Any] | None = None, **risk: Any) -> Runtime:
        made.append(floor.runtime(risk={"limits": STRICT | (limits or {}), **risk}))
        made[-1].ledger.upgrade()
        return made[-1]

    yield build
    for rt in made:
        rt.close()


def _order(cid: str, symbol: str = "MSFT", qty: int = 10, **fields: Any) -> OrderRequest:
    side = fields.pop("side", OrderSide.BUY)
    return OrderRequest(symbol=symbol, side=side, qty=Decimal(qty), client_order_id=cid, **fields)


#: client order ids refused in this process: under pytest-xdist a worker runs only some of the
#: module's tests, each worker with its own floor (module-scoped), so the chain test counts these
REFUSED: list[str] = []


def _assert_refused(floor: Floor, rt: Runtime, result: SubmitResult, rule: str, says: str) -> None:
    """Refused by ``rule`` with a reason that says ``says``; never at the venue; on the chain."""
    cid = result.order.client_order_id
    REFUSED.append(cid)
    assert result.order.status == "rejected", result.order
    assert result.decision is not None and result.decision.rejection is not None
    assert result.decision.rejection.rule == rule
    assert says in (result.order.reason or ""), result.order.reason
    assert cid not in floor.exchange_orders()
    trail = [r for r in audit.records(rt, kind="order", limit=500) if _names(r, cid)]
    decision = [r["payload"] for r in audit.records(rt, kind="risk.decision") if _names(r, cid)]
    refusal = [r["payload"] for r in trail if r["payload"].get("event") == "rejected"]
    assert {r["kind"] for r in trail} == {"order.intent", "order.event"}
    assert len(decision) == 1 and decision[0]["approved"] is False
    assert len(refusal) == 1 and refusal[0]["rule"] == rule
    assert refusal[0]["reason"] == result.order.reason


def _names(record: dict[str, Any], cid: str) -> bool:
    payload = record["payload"]
    return cid in (payload.get("order"), payload.get("client_order_id"))


@dataclass(frozen=True)
class Case:
    rule: str
    says: str
    limits: dict[str, Any] = field(default_factory=dict)
    order: dict[str, Any] = field(default_factory=dict)


CASES = [
    Case("restricted_symbol", "restricted symbol", {"restricted_symbols": ["MSFT"]}),
    Case(
        "price_band",
        "beyond price_band",
        {"price_band": 0.05},
        {"type": OrderType.LIMIT, "limit_price": Decimal(40)},
    ),
    Case("short_sale", "short", {}, {"side": OrderSide.SELL, "symbol": "JNJ"}),
    Case("max_order_notional", "exceeds max_order_notional", {"max_order_notional": 100}),
    Case("max_position_notional", "max_position_notional", {"max_position_notional": 100}),
    Case("max_position_weight", "max_position_weight", {"max_position_weight": 0.001}),
    Case("max_gross_exposure", "max_gross_exposure", {"max_gross_exposure": 100}),
    Case("max_leverage", "max_leverage", {"max_leverage": 0.001}),
    Case(
        "buying_power",
        "buying power",
        {"max_order_notional": None, "max_position_weight": None, "max_leverage": None},
        {"symbol": "AAPL", "qty": 10_000},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.rule)
def test_each_limit_refuses_before_the_venue(floor: Floor, runtimes: Any, case: Case) -> None:
    rt = runtimes(case.limits)
    request = _order(f"risk-{case.rule}", **case.order)
    assert not trade.preview(rt, request).approved  # the preview says so before a submit
    _assert_refused(floor, rt, trade.submit(rt, request, actor="cli:ops"), case.rule, case.says)


def test_the_order_rate_lets_the_first_order_out_and_refuses_the_next(
    floor: Floor, runtimes: Any
) -> None:
    rt = runtimes({"max_orders_per_minute": 1})
    sent = trade.submit(rt, _order("risk-rate-1", qty=1), actor="cli:ops")
    assert sent.order.status != "rejected" and "risk-rate-1" in floor.exchange_orders()
    refused = trade.submit(rt, _order("risk-rate-2", qty=1), actor="cli:ops")
    _assert_refused(floor, rt, refused, "max_orders_per_minute", "max_orders_per_minute 1")


def test_the_kill_switch_halts_then_reducing_lets_only_reductions_out(
    floor: Floor, runtimes: Any
) -> None:
    rt = runtimes()
    trade.halt(rt, actor="cli:ops", reason="drill")
    halted = trade.submit(rt, _order("risk-halted", qty=1), actor="cli:ops")
    _assert_refused(floor, rt, halted, "trading_state", "halted")
    trade.reduce(rt, actor="cli:ops", reason="drill")
    adding = trade.submit(rt, _order("risk-reducing", qty=1), actor="cli:ops")
    _assert_refused(floor, rt, adding, "trading_state", "reducing")
    trade.resume(rt, actor="cli:ops", reason="drill over")
    states = [r["payload"] for r in audit.records(rt, kind="trading_state", limit=50)]
    assert [s["state"] for s in reversed(states)][-3:] == ["halted", "reducing", "active"]


def test_an_assistants_own_limits_and_approval_mode(floor: Floor, runtimes: Any) -> None:
    limited = {"mcp": {"allowed_symbols": ["MSFT"], "max_order_notional": 100}}
    rt = runtimes(actors=limited)
    elsewhere = trade.submit(rt, _order("risk-mcp-symbol", "AAPL", 1), actor="mcp:assistant")
    _assert_refused(floor, rt, elsewhere, "actor_allowed_symbols", "AAPL")
    too_big = trade.submit(rt, _order("risk-mcp-notional"), actor="mcp:assistant")
    _assert_refused(floor, rt, too_big, "actor_max_order_notional", "max_order_notional")

    rt = runtimes(actors={"mcp": {"require_approval": True}})
    held = trade.submit(rt, _order("risk-mcp-held", qty=1), actor="mcp:assistant")
    assert held.order.status == "pending_approval" and held.held
    assert "risk-mcp-held" not in floor.exchange_orders()
    ended = approvals.reject(rt, "risk-mcp-held", actor="cli:trader", reason="not today")
    assert ended.status == "rejected" and "not today" in (ended.reason or "")
    assert "risk-mcp-held" not in floor.exchange_orders()
    events = [
        r["payload"]["event"]
        for r in reversed(audit.records(rt, kind="order.event", limit=500))
        if _names(r, "risk-mcp-held")
    ]
    assert events == ["intent", "held", "approval_rejected"]


def test_after_the_close_an_order_waits_for_the_next_session(floor: Floor, runtimes: Any) -> None:
    # before the bell of a session day an order passes: Alpaca queues it for the open
    floor.venue.clock(to=AFTER_THE_CLOSE)
    rt = runtimes()
    result = trade.submit(rt, _order("risk-hours"), actor="cli:ops")
    _assert_refused(floor, rt, result, "market_hours", "regular session is closed")


def test_the_audit_chain_verifies_after_every_refusal(floor: Floor, runtimes: Any) -> None:
    restricted = CASES[0]
    rt = runtimes(restricted.limits)  # one refusal of its own, whichever tests ran before
    refused = trade.submit(rt, _order("risk-chain"), actor="cli:ops")
    _assert_refused(floor, rt, refused, restricted.rule, restricted.says)
    verified = audit.verify(rt)
    refusals = [
        r["payload"]
        for r in audit.records(rt, kind="order.event", limit=500)
        if r["payload"]["event"] == "rejected"
    ]
    assert verified.ok, verified
    assert sorted(str(r.get("order") or r.get("client_order_id")) for r in refusals) == sorted(
        REFUSED
    )
