"""A recorded paper-trading session, written straight into the ledger with its models.

Until ``workbench.ops.trade.paper_session`` lands this stands in for it: one paper account
funded with $100,000, a ``runs`` row of kind ``paper``, market orders for four symbols of the
bundled sample filled at that session's real open plus a 5 bp slippage, a partial exit, a
rejected and a canceled order (with reasons), the positions and cash movements those fills
imply, two alerts and audit records. Swap ``write_paper_session`` for the real session when it
exists: the tests read only what the ledger holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import ROUND_DOWN, Decimal
from zoneinfo import ZoneInfo

from workbench.data import Lake
from workbench.ledger import (
    AccountRow,
    AlertRow,
    CashMovementRow,
    FillRow,
    Ledger,
    OrderEventRow,
    OrderRow,
    PositionRow,
    RunRow,
    append_audit,
)
from workbench.model import (
    AlertSeverity,
    AlertState,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)

NEW_YORK = ZoneInfo("America/New_York")
INITIAL_CASH = Decimal("100000")
TARGETS = {"AAPL": 0.3, "MSFT": 0.3, "JNJ": 0.2, "XOM": 0.2}
SLIPPAGE = Decimal("0.0005")
FEE = Decimal("1.00")
OPEN_DAY = date(2017, 10, 2)
TRIM_DAY = date(2017, 12, 1)
#: the session's last day: its reports stop here, though the lake goes on
RUN_END = date(2018, 1, 31)


@dataclass
class PaperSession:
    run_id: int
    account: str
    fills: list[tuple[datetime, str, str, float, float, float]] = field(default_factory=list)
    #: order id -> arrival price each order recorded (absent: the report falls back)
    arrival: dict[int, float] = field(default_factory=dict)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), NEW_YORK).astimezone(UTC)


def _open(lake: Lake, symbol: str, day: date) -> Decimal:
    bars = lake.bars(symbol, day, day)
    return Decimal(str(float(bars["open"].iloc[0]))).quantize(Decimal("0.0001"))


def write_paper_session(ledger: Ledger, lake: Lake) -> PaperSession:
    with ledger.session() as session:
        account = AccountRow(name="paper", broker="paper", broker_account_id="PA-REPORT")
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
        session.add_all([account, run])
        session.flush()
        session.add(
            CashMovementRow(
                account_id=account.id,
                amount=INITIAL_CASH,
                kind="deposit",
                reference="initial",
                occurred_at=_at(OPEN_DAY, 8),
            )
        )
        result = PaperSession(run_id=run.id, account=account.name)
        book: dict[str, list[Decimal]] = {}  # symbol -> [qty, avg price, realised]
        number = 0

        def order(
            symbol: str,
            side: OrderSide,
            qty: Decimal,
            day: date,
            *,
            status: OrderStatus = OrderStatus.FILLED,
            reason: str | None = None,
            limit: Decimal | None = None,
            record_arrival: bool = True,
        ) -> None:
            nonlocal number
            number += 1
            sent = _at(day, 9, 31)
            arrival = _open(lake, symbol, day)
            row = OrderRow(
                account_id=account.id,
                client_order_id=f"report-{number}",
                broker_order_id=f"B-{number}",
                symbol=symbol,
                side=side,
                type=OrderType.LIMIT if limit is not None else OrderType.MARKET,
                time_in_force=TimeInForce.DAY,
                qty=qty,
                limit_price=limit,
                status=status,
                reason=reason,
                strategy="equal_weight",
                run_id=run.id,
                submitted_at=sent,
            )
            session.add(row)
            session.flush()
            payload = {"arrival_price": str(arrival)} if record_arrival else {}
            events = [("submitted", OrderStatus.SUBMITTED, payload)]
            if status is OrderStatus.REJECTED:
                events.append(("rejected", status, {"reason": reason}))
            elif status is OrderStatus.CANCELED:
                events += [("accepted", OrderStatus.ACCEPTED, {}), ("canceled", status, {})]
            else:
                events += [("accepted", OrderStatus.ACCEPTED, {}), ("fill", status, {})]
            for kind, state, body in events:
                session.add(
                    OrderEventRow(
                        order_id=row.id, kind=kind, status=state, payload=body, occurred_at=sent
                    )
                )
            append_audit(
                session,
                kind="order.submitted",
                actor="paper-session",
                payload={"order": row.client_order_id, "symbol": symbol, "qty": str(qty)},
                at=sent,
            )
            if record_arrival:
                result.arrival[row.id] = float(arrival)
            if status is not OrderStatus.FILLED:
                return
            sign = Decimal(1) if side is OrderSide.BUY else Decimal(-1)
            price = (arrival * (1 + sign * SLIPPAGE)).quantize(Decimal("0.0001"))
            filled = _at(day, 9, 32)
            fill = FillRow(
                order_id=row.id,
                broker_fill_id=f"F-{number}",
                symbol=symbol,
                side=side,
                qty=qty,
                price=price,
                fee=FEE,
                filled_at=filled,
            )
            row.filled_qty, row.filled_avg_price = qty, price
            session.add(fill)
            for kind, amount in (("trade", -sign * qty * price), ("fee", -FEE)):
                session.add(
                    CashMovementRow(
                        account_id=account.id,
                        amount=amount,
                        kind=kind,
                        reference=fill.broker_fill_id,
                        occurred_at=filled,
                    )
                )
            held = book.setdefault(symbol, [Decimal(0), Decimal(0), Decimal(0)])
            if side is OrderSide.BUY:
                held[1] = (held[0] * held[1] + qty * price) / (held[0] + qty)
                held[0] += qty
            else:
                held[2] += qty * (price - held[1])
                held[0] -= qty
            result.fills.append((filled, symbol, side.value, float(qty), float(price), float(FEE)))

        for symbol, weight in TARGETS.items():
            price = _open(lake, symbol, OPEN_DAY)
            qty = (INITIAL_CASH * Decimal(str(weight)) * Decimal("0.98") / price).quantize(
                Decimal(1), rounding=ROUND_DOWN
            )
            order(symbol, OrderSide.BUY, qty, OPEN_DAY, record_arrival=symbol != "JNJ")
        order("XOM", OrderSide.SELL, book["XOM"][0] / 2, TRIM_DAY)
        order(
            "AAPL",
            OrderSide.BUY,
            Decimal(300),
            TRIM_DAY,
            status=OrderStatus.REJECTED,
            reason="risk gate: AAPL would be 62% of equity, over the 40% position limit",
        )
        order(
            "MSFT",
            OrderSide.BUY,
            Decimal(10),
            date(2018, 1, 10),
            status=OrderStatus.CANCELED,
            reason="day order expired unfilled",
            limit=Decimal("80.00"),
        )
        for symbol, (qty, average, realised) in book.items():
            session.add(
                PositionRow(
                    account_id=account.id,
                    symbol=symbol,
                    qty=qty,
                    avg_entry_price=average.quantize(Decimal("0.0001")),
                    realized_pl=realised.quantize(Decimal("0.01")),
                    opened_at=_at(OPEN_DAY, 9, 32),
                )
            )
        session.add_all(
            [
                AlertRow(
                    severity=AlertSeverity.WARNING,
                    state=AlertState.RESOLVED,
                    message="XOM fell 2.1% in one session",
                    scope="XOM",
                    raised_at=_at(date(2017, 11, 2), 16),
                    resolved_at=_at(date(2017, 11, 3), 10),
                    resolved_by="analyst",
                ),
                AlertRow(
                    severity=AlertSeverity.CRITICAL,
                    state=AlertState.OPEN,
                    message="paper account drawdown at 85% of its 10% limit",
                    scope="paper",
                    raised_at=_at(date(2018, 2, 5), 16),
                ),
            ]
        )
    return result
