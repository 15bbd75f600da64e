"""Building an order manager over a broker: its clock, its prices and its risk limits.

The broker brings the venue's clock and last prices (``Broker.now``, ``last_prices``: a
replay's clock and the matching engine's last trade, or the venue's clock and latest trades),
whichever venue it is. Limits come from settings (``risk.limits``, overridden per strategy
under ``risk.strategies``; ``risk.actors`` for the orders of one kind of actor). With
``lock``, the manager and every call through it take one caller at a time
(``execution.serial``: a runtime that several threads share).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from workbench.adapters.ports import Broker
from workbench.core.config import Settings
from workbench.core.events import EventBus
from workbench.execution.oms import OrderManager
from workbench.execution.serial import SerialOrderManager
from workbench.ledger import Ledger

__all__ = ["Parts", "order_manager_for"]


class Parts(Protocol):
    """What building an order manager needs of the runtime."""

    @property
    def settings(self) -> Settings: ...

    @property
    def ledger(self) -> Ledger: ...

    @property
    def bus(self) -> EventBus: ...


def order_manager_for(
    parts: Parts,
    broker: Broker,
    *,
    account: str,
    now: Callable[[], datetime] | None = None,
    lock: threading.RLock | None = None,
    **options: Any,
) -> OrderManager:
    if lock is not None:
        options["lock"] = lock
    manager = OrderManager if lock is None else SerialOrderManager
    return manager(
        parts.ledger,
        broker,
        account=account,
        broker_name=broker.venue,
        limits=parts.settings.risk.for_strategy,
        actors=parts.settings.risk.for_actor,
        prices=lambda symbols: broker.last_prices(symbols),
        now=now or broker.now,
        bus=parts.bus,
        **options,
    )
