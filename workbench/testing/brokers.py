"""A broker wrapper that misbehaves on purpose, for tests of retries and recovery.

``FlakyBroker`` passes everything to a real broker (the paper broker, say) except what it was
told to break: the next submits raise given errors, before or after the real broker placed the
order (a lost acknowledgement), and events can be swallowed (a dropped stream).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from workbench.adapters.ports import Broker, BrokerEvent, OrderStatusFilter
from workbench.model import Account, Order, OrderRequest, Position, TimeInForce

__all__ = ["FlakyBroker"]


class FlakyBroker:
    def __init__(self, inner: Broker) -> None:
        self.inner = inner
        self.submits = 0
        self._failures: list[tuple[Exception, bool]] = []
        self._swallow_events = False

    def fail_next_submits(self, *errors: Exception, after_placing: bool = False) -> None:
        """Raise ``errors`` on the next submits, one each; ``after_placing`` lets the real
        broker place the order first, as when an acknowledgement is lost on the way back."""
        self._failures.extend((error, after_placing) for error in errors)

    def swallow_events(self, swallow: bool = True) -> None:
        self._swallow_events = swallow

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def account(self) -> Account:
        return self.inner.account()

    def positions(self) -> list[Position]:
        return self.inner.positions()

    def submit(self, request: OrderRequest) -> Order:
        self.submits += 1
        if self._failures:
            error, after_placing = self._failures.pop(0)
            if after_placing:
                self.inner.submit(request)
            raise error
        return self.inner.submit(request)

    def cancel(self, order_id: str) -> None:
        self.inner.cancel(order_id)

    def replace(
        self,
        order_id: str,
        *,
        qty: Decimal | None = None,
        time_in_force: TimeInForce | None = None,
        limit_price: Decimal | None = None,
        stop_price: Decimal | None = None,
        trail: Decimal | None = None,
        client_order_id: str | None = None,
    ) -> Order:
        return self.inner.replace(
            order_id,
            qty=qty,
            time_in_force=time_in_force,
            limit_price=limit_price,
            stop_price=stop_price,
            trail=trail,
            client_order_id=client_order_id,
        )

    def get_order(self, order_id: str) -> Order:
        return self.inner.get_order(order_id)

    def get_order_by_client_id(self, client_order_id: str) -> Order:
        return self.inner.get_order_by_client_id(client_order_id)

    def orders(
        self, status: OrderStatusFilter = "open", *, symbols: Sequence[str] | None = None
    ) -> list[Order]:
        return self.inner.orders(status, symbols=symbols)

    def events(self) -> list[BrokerEvent]:
        drained = self.inner.events()
        return [] if self._swallow_events else drained
