"""The composition root: ``Runtime.from_settings()`` builds every store and engine once.

Nothing in the workbench is a module-level singleton; faces hold a runtime and pass it to
``workbench.ops``. Parts are built on first use, so a command that only reads settings never
opens the ledger, and one that only reads the lake never imports SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from workbench.core.clock import Clock, LiveClock
from workbench.core.config import Settings, load_settings
from workbench.core.events import EventBus
from workbench.core.outputs import private_folder

if TYPE_CHECKING:
    from workbench.adapters import Broker
    from workbench.data import Lake
    from workbench.execution import OrderManager
    from workbench.ledger import Ledger

__all__ = ["Runtime"]


@dataclass
class Runtime:
    settings: Settings
    clock: Clock = field(default_factory=LiveClock)
    bus: EventBus = field(default_factory=EventBus)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **overrides: Any) -> Runtime:
        return cls(settings=settings if settings is not None else load_settings(**overrides))

    @cached_property
    def data(self) -> Lake:
        """The market-data lake under ``<home>/lake`` (created on first write)."""
        from workbench.data import Lake

        return Lake(
            self.settings.lake_dir,
            policy=self.settings.data.validation_policy,
            jump_threshold=self.settings.data.jump_threshold,
            calendar=self.settings.data.calendar,
        )

    @cached_property
    def ledger(self) -> Ledger:
        """The SQL ledger at ``WB_LEDGER_URL`` (default ``<home>/ledger.db``), migrated to head."""
        from workbench.ledger import Ledger

        private_folder(self.settings.home, tighten=False)
        ledger = Ledger.from_url(self.settings.ledger_dsn)
        ledger.upgrade()
        return ledger

    @cached_property
    def broker(self) -> Broker:
        """The configured broker (``WB_BROKER``): the paper book under ``<home>/paper`` (kept
        across processes), or Alpaca (``WB_ALPACA_URL`` says where; the local exchange in
        tests)."""
        if self.settings.broker == "paper":
            from workbench.adapters.paper import PaperBroker

            return PaperBroker.open(self.data, self.settings.home / "paper" / "book.db")
        from workbench.core.errors import ConfigError

        if not self.settings.alpaca.has_keys:
            raise ConfigError("WB_BROKER=alpaca needs WB_ALPACA__API_KEY and WB_ALPACA__SECRET_KEY")
        from workbench.adapters.alpaca import AlpacaBroker, AlpacaConfig

        return AlpacaBroker(AlpacaConfig.from_settings(self.settings.alpaca))

    @cached_property
    def oms(self) -> OrderManager:
        """The order manager over the configured broker; its ledger account is named after
        the broker (``paper`` or ``alpaca``)."""
        from workbench.execution import order_manager_for

        return order_manager_for(self, self.broker, account=self.settings.broker)

    def close(self) -> None:
        broker = self.__dict__.get("broker")
        if broker is not None and hasattr(broker, "close"):
            broker.close()
        if "ledger" in self.__dict__:
            self.ledger.dispose()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
