"""What ``AlpacaBroker.events()`` has reported of each order, so that a change learnt twice
(from the trading stream and from polling) is reported once.

Both sources feed one log. Executions are counted by quantity: a fill is new only while it
takes the order's ``filled_qty`` past what was already reported, and it reports just the part
not yet reported (at the execution's own price when the stream saw that execution alone, at
the price the increase of the average implies otherwise). Other changes are reported once per
kind and order, and a stream update older than what is known (it was queued while a poll
looked) is dropped rather than reported out of order.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

from workbench.adapters.ports import BrokerEvent
from workbench.model import Fill, Order, OrderStatus

__all__ = ["Execution", "OrderEventLog"]

FILL_KINDS = frozenset({"fill", "partial_fill"})
#: an execution the stream reported: (execution id, qty, price)
Execution = tuple[str | None, Decimal, Decimal]


class OrderEventLog:
    def __init__(self) -> None:
        self._last: dict[str, Order] = {}  # order id -> the state last reported
        self._kinds: dict[str, set[str]] = {}
        self._pending: list[BrokerEvent] = []

    def __contains__(self, order_id: object) -> bool:
        return order_id in self._last

    def open_orders(self) -> Iterator[Order]:
        """The orders whose last reported state is not final (what a poll looks at)."""
        return (order for order in list(self._last.values()) if not order.status.is_terminal)

    def sighted(self, order: Order) -> None:
        """An order this broker placed or replaced: its first state, once."""
        if order.id not in self._last:
            self._report(BrokerEvent(str(order.status), order, order.updated_at))

    def streamed(
        self, kind: str, order: Order, at: datetime, execution: Execution | None = None
    ) -> None:
        before = self._last.get(order.id)
        if kind in FILL_KINDS:
            self._filled(kind, before, order, at, execution)
            return
        if kind in self._kinds.get(order.id, ()):
            return
        if before is not None and order.updated_at < before.updated_at:
            return  # older than what a poll already reported
        self._report(BrokerEvent(kind, order, at))

    def polled(self, now: Order) -> None:
        before = self._last.get(now.id)
        if before is None:
            self.sighted(now)
            return
        if now.filled_qty > before.filled_qty:
            kind = "fill" if now.status is OrderStatus.FILLED else "partial_fill"
            self._filled(kind, before, now, now.updated_at, None)
        elif now.status is not before.status and str(now.status) not in self._kinds[now.id]:
            self._report(BrokerEvent(str(now.status), now, now.updated_at))
        if now.filled_qty == self._last[now.id].filled_qty:  # no execution left unreported
            self._remember(now)  # the freshest look, even when it had nothing new to report

    def drain(self) -> list[BrokerEvent]:
        drained, self._pending = self._pending, []
        return drained

    def _filled(
        self,
        kind: str,
        before: Order | None,
        now: Order,
        at: datetime,
        execution: Execution | None,
    ) -> None:
        reported = before.filled_qty if before is not None else Decimal(0)
        added = now.filled_qty - reported
        if added <= 0:
            return  # a poll reported this execution already
        fill_id: str | None = None
        if execution is not None and execution[1] == added:
            fill_id, price = execution[0], execution[2]
        elif now.filled_avg_price is not None:
            spent = now.filled_qty * now.filled_avg_price
            if before is not None:
                spent -= before.filled_qty * (before.filled_avg_price or Decimal(0))
            price = spent / added
        else:
            return  # an execution without a price cannot be booked; the next look has it
        fill = Fill(
            order_id=now.id,
            symbol=now.symbol,
            side=now.request.side,
            qty=added,
            price=price,
            timestamp=at,
            fill_id=fill_id,
        )
        self._report(BrokerEvent(kind, now, at, fill))

    def _report(self, event: BrokerEvent) -> None:
        self._remember(event.order)
        self._kinds.setdefault(event.order.id, set()).add(event.kind)
        self._pending.append(event)

    def _remember(self, order: Order) -> None:
        before = self._last.get(order.id)
        if (
            before is None
            or order.filled_qty > before.filled_qty
            or (order.filled_qty == before.filled_qty and order.updated_at >= before.updated_at)
        ):
            self._last[order.id] = order
