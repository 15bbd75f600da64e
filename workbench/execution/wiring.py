"""Building an order manager over a broker: its clock, its prices and its risk limits.

The paper broker brings its own replay clock and prices (the matching engine's last trade);
a broker reached through alpaca-py brings the venue's clock and latest trades. Limits come
from settings (``risk.limits``, overridden per strategy under ``risk.strategies``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from workbench.adapters.paper import PaperBroker
from workbench.adapters.ports import Broker
from workbench.core.clock import LiveClock
from workbench.core.config import Settings
from workbench.core.events import EventBus
from workbench.execution.oms import OrderManager
from workbench.ledger import Ledger

__all__ = ["Parts", "order_manager_for", "venue_clock_and_prices"]


class Parts(Protocol):
    """What building an order manager needs of the runtime."""

    @property
    def settings(self) -> Settings: ...

    @property
    def ledger(self) -> Ledger: ...

    @property
    def bus(self) -> EventBus: ...


def venue_clock_and_prices(
    broker: Broker, settings: Settings
) -> tuple[Callable[[], datetime], Callable[[list[str]], dict[str, Decimal]]]:
    if isinstance(broker, PaperBroker):
        engine = broker.engine

        def paper_prices(symbols: list[str]) -> dict[str, Decimal]:
            found = {symbol: engine.price(symbol) for symbol in symbols}
            return {symbol: price for symbol, price in found.items() if price is not None}

        return broker.now, paper_prices
    if settings.broker == "alpaca":
        from workbench.adapters.alpaca import AlpacaConfig
        from workbench.adapters.alpaca.venue import AlpacaVenue

        venue = AlpacaVenue(AlpacaConfig.from_settings(settings.alpaca))
        return venue.now, venue.last_prices
    clock = LiveClock()
    return clock.now, lambda symbols: {}


def order_manager_for(
    parts: Parts,
    broker: Broker,
    *,
    account: str,
    now: Callable[[], datetime] | None = None,
    **options: Any,
) -> OrderManager:
    clock, prices = venue_clock_and_prices(broker, parts.settings)
    return OrderManager(
        parts.ledger,
        broker,
        account=account,
        broker_name="paper" if isinstance(broker, PaperBroker) else "alpaca",
        limits=parts.settings.risk.for_strategy,
        prices=prices,
        now=now or clock,
        bus=parts.bus,
        **options,
    )
