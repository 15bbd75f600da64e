"""One caller at a time through an order manager and its broker that several threads share.

A long-lived process (the API, MCP, a dashboard kernel) holds one runtime, and so one OMS over
one broker, for every request. Neither is built for two callers at once: the paper book's
matching engine is single-threaded, the risk gate checks an order against the book as it
stands (two orders checked at once could each pass a limit they break together), and a fill
booked by one thread while another books the same order's snapshot could be counted twice.
``SerialOrderManager`` and ``SerialBroker`` hold one re-entrant lock around each of their
calls, the same lock for both, so a request that goes from the OMS to the broker and back
never waits on itself, and callers that use the broker directly (an account read, a replay's
``next_print``) queue with the rest.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from workbench.adapters.ports import Broker, BrokerEvent, OrderStatusFilter
from workbench.execution.oms import OrderManager
from workbench.execution.views import OrderView
from workbench.model import Account, Order, OrderRequest, Position, TimeInForce

__all__ = ["SerialBroker", "SerialOrderManager"]


class SerialBroker:
    """``inner`` behind ``lock``; what the port does not name (a replay's ``move_to``,
    ``next_print``) is passed on, under the lock too, so ``isinstance(..., ReplayBroker)``
    answers for the broker inside."""

    def __init__(self, inner: Broker, lock: threading.RLock) -> None:
        self.inner = inner
        self.lock = lock

    def __getattr__(self, name: str) -> Any:
        found = getattr(self.inner, name)
        if not callable(found):
            return found
        lock = self.lock

        @functools.wraps(found)
        def locked(*args: Any, **kwargs: Any) -> Any:
            with lock:
                return found(*args, **kwargs)

        return locked

    @property
    def venue(self) -> str:
        return self.inner.venue

    def now(self) -> datetime:
        with self.lock:
            return self.inner.now()

    def last_prices(self, symbols: Sequence[str]) -> dict[str, Decimal]:
        with self.lock:
            return self.inner.last_prices(symbols)

    def account(self) -> Account:
        with self.lock:
            return self.inner.account()

    def positions(self) -> list[Position]:
        with self.lock:
            return self.inner.positions()

    def submit(self, request: OrderRequest) -> Order:
        with self.lock:
            return self.inner.submit(request)

    def cancel(self, order_id: str) -> None:
        with self.lock:
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
        with self.lock:
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
        with self.lock:
            return self.inner.get_order(order_id)

    def get_order_by_client_id(self, client_order_id: str) -> Order:
        with self.lock:
            return self.inner.get_order_by_client_id(client_order_id)

    def orders(
        self, status: OrderStatusFilter = "open", *, symbols: Sequence[str] | None = None
    ) -> list[Order]:
        with self.lock:
            return self.inner.orders(status, symbols=symbols)

    def events(self) -> list[BrokerEvent]:
        with self.lock:
            return self.inner.events()

    def close(self) -> None:
        with self.lock:
            self.inner.close()


def _serial(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def locked(self: SerialOrderManager, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            return method(self, *args, **kwargs)

    return locked


class SerialOrderManager(OrderManager):
    """An ``OrderManager`` whose every entry point holds ``lock`` (pass the broker's)."""

    def __init__(self, *args: Any, lock: threading.RLock, **kwargs: Any) -> None:
        self.lock = lock
        super().__init__(*args, **kwargs)

    @property
    def account_id(self) -> int:
        linked = self._account_id
        if linked is not None:
            # linked once, it never changes: read without the lock, for callers ask inside a
            # ledger session. Waiting on the lock there held a pooled connection while the
            # lock's holder waited for one: under load the pool ran dry, and after 30 s the
            # holder's request failed (500), a lock-order inversion.
            return linked
        with self.lock:  # two first callers must not link (and open) the account twice
            return super().account_id

    gate = _serial(OrderManager.gate)
    preview = _serial(OrderManager.preview)
    submit = _serial(OrderManager.submit)
    process_events = _serial(OrderManager.process_events)
    apply_snapshot = _serial(OrderManager.apply_snapshot)
    cancel = _serial(OrderManager.cancel)
    cancel_open = _serial(OrderManager.cancel_open)
    recover = _serial(OrderManager.recover)
    resend = _serial(OrderManager.resend)
    reject = _serial(OrderManager.reject)
    held_orders = _serial(OrderManager.held_orders)
    approve = _serial(OrderManager.approve)
    reject_held = _serial(OrderManager.reject_held)

    def open_orders(self) -> list[OrderView]:
        with self.lock:
            return super().open_orders()
