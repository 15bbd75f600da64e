"""A paper-trading session traded through the real engine: risk gate -> OMS -> paper broker
(the exchange's matching engine on a replay clock over the bundled sample) -> ledger.

One paper account funded with $100,000 and a ``runs`` row of kind ``paper`` naming its target
weights; market orders for four symbols at the open of 2017-10-02, half the XOM sold on
2017-12-01, an AAPL buy the risk gate refuses (over a 40 % position limit), a MSFT limit order
that rests below the market and is canceled, and two alerts raised through the monitoring
store (one resolved). The tests take every figure they expect from what the ledger holds
afterwards (``PaperSession.fills`` is read back from it), never from this script's arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import ROUND_DOWN, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from workbench.adapters.paper import PaperBroker, PaperConfig
from workbench.execution import order_manager_for
from workbench.ledger import FillRow, OrderEventRow, OrderRow, RunRow
from workbench.model import AlertSeverity, OrderRequest, OrderSide, OrderType
from workbench.monitoring.rules import RuleSpec
from workbench.monitoring.store import AlertRequest, MonitorStore

NEW_YORK = ZoneInfo("America/New_York")
INITIAL_CASH = Decimal("100000")
TARGETS = {"AAPL": 0.3, "MSFT": 0.3, "JNJ": 0.2, "XOM": 0.2}
OPEN_DAY = date(2017, 10, 2)
TRIM_DAY = date(2017, 12, 1)
CANCEL_DAY = date(2018, 1, 10)
#: the session's last day: its reports stop here, though the lake goes on
RUN_END = date(2018, 1, 31)
#: the position limit the session trades under; the AAPL top-up on TRIM_DAY breaks it
POSITION_LIMIT = 0.4
ACTOR = "paper-session"


@dataclass
class PaperSession:
    run_id: int
    account: str
    #: (filled_at, symbol, side, qty, price, fee), as the ledger booked them
    fills: list[tuple[datetime, str, str, float, float, float]] = field(default_factory=list)
    #: order id -> arrival price each order recorded (absent: the report falls back)
    arrival: dict[int, float] = field(default_factory=dict)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), NEW_YORK).astimezone(UTC)


def _open(lake: Any, symbol: str, day: date) -> Decimal:
    return Decimal(str(float(lake.bars(symbol, day, day)["open"].iloc[0])))


def write_paper_session(rt: Any) -> PaperSession:
    """Trade the session on ``rt`` (its settings must carry ``POSITION_LIMIT``, see
    ``session_settings``) and return what the ledger recorded."""
    paper = PaperBroker.from_lake(rt.data, PaperConfig(start=OPEN_DAY, cash=INITIAL_CASH))
    oms = order_manager_for(rt, paper, account="paper")
    run_id = _record_run(rt)

    def send(symbol: str, side: OrderSide, qty: Decimal, **order: Any) -> Any:
        request = OrderRequest(symbol=symbol, side=side, qty=qty, **order)
        return oms.submit(request, actor=ACTOR, strategy="equal_weight", run_id=run_id)

    def play_to(moment: datetime) -> None:
        paper.move_to(moment)
        oms.process_events(actor=ACTOR)

    play_to(_at(OPEN_DAY, 9, 29))
    for symbol, weight in TARGETS.items():
        budget = INITIAL_CASH * Decimal(str(weight)) * Decimal("0.98")
        send(
            symbol,
            OrderSide.BUY,
            (budget / _open(rt.data, symbol, OPEN_DAY)).quantize(1, ROUND_DOWN),
        )
    play_to(_at(OPEN_DAY, 10))

    play_to(_at(TRIM_DAY, 9, 29))
    held = {p.symbol: p.qty for p in paper.positions()}
    send("XOM", OrderSide.SELL, (held["XOM"] / 2).quantize(1, ROUND_DOWN))
    refused = send("AAPL", OrderSide.BUY, Decimal(300))
    assert refused.order.status == "rejected", refused.order
    play_to(_at(TRIM_DAY, 10))

    play_to(_at(CANCEL_DAY, 9, 29))
    resting = send(
        "MSFT", OrderSide.BUY, Decimal(10), type=OrderType.LIMIT, limit_price=Decimal(80)
    )
    play_to(_at(CANCEL_DAY, 10))
    oms.cancel(str(resting.order.id), actor=ACTOR)

    _raise_alerts(rt)
    return _read_back(rt, run_id)


def session_settings() -> dict[str, Any]:
    """The settings overrides the session trades under."""
    return {"risk": {"limits": {"max_position_weight": POSITION_LIMIT}}}


def _record_run(rt: Any) -> int:
    with rt.ledger.session() as session:
        run = RunRow(
            kind="paper",
            strategy="equal_weight",
            params={"targets": TARGETS, "start": str(OPEN_DAY), "end": str(RUN_END)},
            symbols=sorted(TARGETS),
            status="succeeded",
            started_at=_at(OPEN_DAY, 9, 30),
            finished_at=_at(RUN_END, 16),
            metrics={},
        )
        session.add(run)
        session.flush()
        return int(run.id)


def _raise_alerts(rt: Any) -> None:
    store = MonitorStore(rt.ledger)
    moves = store.add_rule(
        RuleSpec(
            name="xom-move",
            kind="percent_move",
            scope="XOM",
            params={"percent": 2, "window_seconds": 86400},
            owner=ACTOR,
        )
    )
    drawdown = store.add_rule(
        RuleSpec(
            name="paper-drawdown",
            kind="drawdown",
            scope="paper",
            params={"max_drawdown": 0.1},
            owner=ACTOR,
            severity=AlertSeverity.CRITICAL,
        )
    )
    fell, near = store.raise_alerts(
        [
            AlertRequest(
                moves,
                "XOM fell 2.1% in one session",
                "xom-move:XOM",
                _at(date(2017, 11, 2), 16),
                {},
                "XOM",
            ),
            AlertRequest(
                drawdown,
                "paper account drawdown at 85% of its 10% limit",
                "paper-drawdown:paper",
                _at(date(2018, 2, 5), 16),
                {},
                "paper",
            ),
        ]
    )
    assert fell is not None and near is not None
    store.resolve(fell.id, by="analyst", at=_at(date(2017, 11, 3), 10))


def _read_back(rt: Any, run_id: int) -> PaperSession:
    result = PaperSession(run_id=run_id, account="paper")
    with rt.ledger.session(read_only=True) as session:
        rows = session.execute(
            sa.select(FillRow)
            .join(OrderRow)
            .where(OrderRow.run_id == run_id)
            .order_by(FillRow.filled_at, FillRow.order_id, FillRow.id)
        ).scalars()
        for fill in rows:
            result.fills.append(
                (
                    fill.filled_at.replace(tzinfo=UTC)
                    if fill.filled_at.tzinfo is None
                    else fill.filled_at,
                    fill.symbol,
                    str(getattr(fill.side, "value", fill.side)),
                    float(fill.qty),
                    float(fill.price),
                    float(fill.fee),
                )
            )
        for event in session.scalars(
            sa.select(OrderEventRow).join(OrderRow).where(OrderRow.run_id == run_id)
        ):
            arrival = (event.payload or {}).get("arrival_price")
            if arrival is not None:
                result.arrival[event.order_id] = float(arrival)
    return result
