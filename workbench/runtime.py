"""The composition root: ``Runtime.from_settings()`` builds every store, engine and venue part
once.

Nothing in the workbench is a module-level singleton; faces hold a runtime and pass it to
``workbench.ops``. Parts are built on first use, so a command that only reads settings never
opens the ledger, and one that only reads the lake never imports SQLAlchemy.

Venue choice lives here and nowhere above the adapters: ``WB_BROKER`` names the venue whose
broker the OMS trades through, ``WB_DATA__SOURCE`` the one history and live market data come
from, and everything else asks the ports (``workbench.adapters``) what differs between them.

One runtime serves any number of threads at once (a long-lived API, MCP or dashboard process
holds one): each part is built once, under a lock, however many threads ask for it first.
``settings``, ``clock``, ``bus``, ``data`` (the lake reads through a DuckDB cursor per
query), ``ledger`` (a session per call), ``historical_source`` and ``venue`` are shared as
they are. ``broker`` and ``oms`` are shared too and take one caller at a time: every call
through the OMS, and through the broker it wraps, holds the runtime's trading lock, so orders
and the events they cause are booked in order. ``market_stream()``, ``live_broker()`` and
``replay_broker()`` build a new part for each caller, who closes it.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from workbench.core.clock import Clock, LiveClock
from workbench.core.config import Settings, load_settings
from workbench.core.events import EventBus
from workbench.core.outputs import private_folder

if TYPE_CHECKING:
    from workbench.adapters import Broker, MarketStream, ReplayBroker, Venue
    from workbench.adapters.paper.venue import PaperVenue
    from workbench.core.ttl_cache import TtlCache
    from workbench.data import Lake, LakeBarWriter
    from workbench.data.sources import HistoricalSource
    from workbench.execution import OrderManager
    from workbench.gateway.relay import EventRelay
    from workbench.ledger import Ledger
    from workbench.monitoring.metrics import MonitorMetrics
    from workbench.ops.jobs import JobRunner

__all__ = ["Runtime"]

T = TypeVar("T")


class _Part(Generic[T]):
    """A part built on first use, once: the build runs under the runtime's lock, and a thread
    that waited for it finds the part already there (``functools.cached_property`` would build
    it twice when two threads ask at once)."""

    def __init__(self, build: Callable[[Runtime], T]) -> None:
        self._build = build
        self.__doc__ = build.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, runtime: None, owner: type) -> _Part[T]: ...

    @overload
    def __get__(self, runtime: Runtime, owner: type) -> T: ...

    def __get__(self, runtime: Runtime | None, owner: type) -> _Part[T] | T:
        if runtime is None:
            return self
        parts = runtime.__dict__
        if self._name not in parts:
            with runtime._building:
                if self._name not in parts:
                    parts[self._name] = self._build(runtime)
        value: T = parts[self._name]
        return value


@dataclass
class Runtime:
    settings: Settings
    clock: Clock = field(default_factory=LiveClock)
    bus: EventBus = field(default_factory=EventBus)
    _building: threading.RLock = field(
        default_factory=threading.RLock, init=False, repr=False, compare=False
    )
    #: held around every call through the shared OMS and broker (one caller at a time)
    trading_lock: threading.RLock = field(
        default_factory=threading.RLock, init=False, repr=False, compare=False
    )
    #: names this runtime's events on Redis, so an API instance skips its own when they return
    instance_id: str = field(default_factory=lambda: uuid.uuid4().hex, init=False, compare=False)
    #: publishes the bus's channel topics to Redis when ``WB_REDIS_URL`` is set (else None)
    relay: EventRelay | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # every process that writes the ledger (the API, a CLI order, a live run, the monitor)
        # tells the other API instances through Redis; the relay's thread starts on first event
        if self.settings.redis_url is not None:
            from workbench.gateway.relay import EventRelay

            self.relay = EventRelay(
                self.settings.redis_url.get_secret_value(),
                self.settings.redis_prefix,
                self.instance_id,
            )
            self.relay.attach(self.bus)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **overrides: Any) -> Runtime:
        return cls(settings=settings if settings is not None else load_settings(**overrides))

    @_Part
    def data(self) -> Lake:
        """The market-data lake at ``WB_DATA__LAKE_URL`` (default ``<home>/lake``, created on
        first write)."""
        from workbench.data import Lake

        return Lake(
            self.settings.lake_location,
            policy=self.settings.data.validation_policy,
            jump_threshold=self.settings.data.jump_threshold,
            calendar=self.settings.data.calendar,
        )

    @_Part
    def ledger(self) -> Ledger:
        """The SQL ledger at ``WB_LEDGER_URL`` (default ``<home>/ledger.db``), migrated to head."""
        from workbench.ledger import Ledger

        private_folder(self.settings.home, tighten=False)
        ledger = Ledger.from_url(self.settings.ledger_dsn)
        ledger.upgrade()
        return ledger

    @_Part
    def credentials(self) -> TtlCache[Any]:
        """What ``ops.auth`` last verified of each credential, kept
        ``api.credential_cache_seconds`` (the ops that revoke, disable or demote clear it)."""
        from workbench.core.ttl_cache import TtlCache

        return TtlCache(self.settings.api.credential_cache_seconds)

    @_Part
    def metrics(self) -> MonitorMetrics:
        """This process's Prometheus figures (the API's ``/metrics``), counting the bus's order,
        fill, reject and reconciliation events from the moment they are first asked for."""
        from workbench.monitoring.metrics import MonitorMetrics

        metrics = MonitorMetrics()
        metrics.attach(self.bus)
        return metrics

    @_Part
    def jobs(self) -> JobRunner:
        """Where jobs run (``WB_JOBS__...``): a Dask client, started on the first job and
        stopped (its running jobs marked interrupted) when the runtime closes."""
        from workbench.ops.jobs import JobRunner

        return JobRunner(self)

    # -- venues ----------------------------------------------------------------------------
    @_Part
    def venue(self) -> Venue:
        """The venue ``WB_BROKER`` names (``paper`` by default)."""
        return self._open_venue(self.settings.broker)

    @_Part
    def source_venue(self) -> Venue:
        """The venue ``WB_DATA__SOURCE`` names: where history and live market data come from."""
        if self.settings.data.source == self.settings.broker:
            return self.venue
        return self._open_venue(self.settings.data.source)

    @_Part
    def broker(self) -> Broker:
        """The configured venue's broker: the paper book under ``<home>/paper`` (kept across
        processes), or Alpaca (``WB_ALPACA_URL`` says where; the local exchange in tests)."""
        from workbench.execution.serial import SerialBroker

        return SerialBroker(self.venue.broker(), self.trading_lock)

    @_Part
    def oms(self) -> OrderManager:
        """The order manager over the configured broker; its ledger account is named after
        the venue (``paper`` or ``alpaca``)."""
        from workbench.execution import order_manager_for

        return order_manager_for(
            self, self.broker, account=self.account_name, lock=self.trading_lock
        )

    @property
    def account_name(self) -> str:
        """The ledger account one-shot commands and live runs trade: the venue's name."""
        return self.venue.name

    @_Part
    def historical_source(self) -> HistoricalSource:
        """Where ``data fetch`` gets what the lake lacks (``WB_DATA__SOURCE``)."""
        return self.source_venue.historical_source()

    def market_stream(self, *, bars_to: LakeBarWriter | None = None) -> MarketStream:
        """A new live market stream from ``WB_DATA__SOURCE`` onto this runtime's bus."""
        return self.source_venue.market_stream(self.bus, bars_to=bars_to)

    def live_broker(self) -> Broker | None:
        """A broker of its own for a long-running loop when the venue has one (the caller
        closes it), else None: the shared ``broker`` serves the loop."""
        return self.venue.live_broker()

    def replay_broker(self, path: Path, *, start: date) -> ReplayBroker:
        """A paper book of its own in ``path`` for a replayed run, its clock before ``start``'s
        open (reopened where it stood when the file exists); the caller closes it."""
        return self._replays.replay_broker(path, start=start)

    def last_replay_session(self) -> date:
        """The last session a replayed run can trade: the lake's last full session."""
        return self._replays.last_session()

    @_Part
    def _replays(self) -> PaperVenue:
        # replayed runs trade a paper book whichever venue WB_BROKER names
        from workbench.adapters.paper.venue import PaperVenue

        return PaperVenue(self.settings, lambda: self.data)

    def _open_venue(self, name: str) -> Venue:
        from workbench.adapters import open_venue

        return open_venue(name, self._with_stored_keys(name), lambda: self.data)

    def _with_stored_keys(self, venue: str) -> Settings:
        """The settings, with ``venue``'s keys opened from the ledger when the environment gives
        none (``workbench secrets set-broker``): keys in the environment always win."""
        keys: Any = getattr(self.settings, venue, None)
        if getattr(keys, "has_keys", True):
            return self.settings
        from functools import partial

        from pydantic import SecretStr

        from workbench.core.sealing import sealer_for
        from workbench.ledger import open_credentials

        stored = open_credentials(self.ledger, venue, partial(sealer_for, self.settings))
        if stored is None:
            return self.settings
        api_key, secret_key = stored
        opened = keys.model_copy(
            update={"api_key": SecretStr(api_key), "secret_key": SecretStr(secret_key)}
        )
        return self.settings.model_copy(update={venue: opened})

    # -- lifetime --------------------------------------------------------------------------
    def close(self) -> None:
        """Publish the events still queued for Redis (up to 2 s), stop the job runner, release
        the broker's session and the ledger's connections (idempotent)."""
        if self.relay is not None:
            self.relay.close()
        with self._building:
            parts = self.__dict__
            jobs = parts.pop("jobs", None)
        if jobs is not None:
            jobs.close()  # before the ledger goes: it marks its unfinished jobs
        with self._building:
            broker, ledger = parts.pop("broker", None), parts.pop("ledger", None)
            parts.pop("oms", None)
        if broker is not None:
            broker.close()
        if ledger is not None:
            ledger.dispose()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
