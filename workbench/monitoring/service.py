"""Monitoring as one running thing: the pipeline on the bus, the rule engine behind it, the
dispatcher sending what it raises, and a ticker that checks stale data and values the books for
the portfolio rules. ``ops.monitor`` builds one from the runtime; tests build one directly.

Market data reaches it through the bus: a ``MarketStream`` (run here on its own thread and event
loop) or a lake replay (``replay``) publish quotes and bars there.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from workbench.adapters.ports import MarketStream
from workbench.core import topics
from workbench.core.clock import Clock, LiveClock
from workbench.core.events import EventBus
from workbench.ledger import Ledger
from workbench.monitoring.book import BookView, HistoricalBookVaR, value_books
from workbench.monitoring.channels import Channel
from workbench.monitoring.delivery import Dispatcher
from workbench.monitoring.engine import RuleEngine
from workbench.monitoring.metrics import MonitorMetrics
from workbench.monitoring.pipeline import QuotePipeline
from workbench.monitoring.store import MonitorStore

if TYPE_CHECKING:
    from workbench.monitoring.replay import ReplayStep

__all__ = ["MonitorService"]

_log = logging.getLogger(__name__)


class MonitorService:
    def __init__(
        self,
        ledger: Ledger,
        channels: Mapping[str, Channel],
        *,
        bus: EventBus | None = None,
        clock: Clock | None = None,
        metrics: MonitorMetrics | None = None,
        max_age_seconds: float | None = None,
        capacity: int = 1_000_000,
        tick_seconds: float = 5.0,
        channel_timeout: float = 10.0,
        var: HistoricalBookVaR | None = None,
    ) -> None:
        self.ledger, self.bus = ledger, bus if bus is not None else EventBus()
        self.clock = clock or LiveClock()
        self.metrics = metrics or MonitorMetrics()
        self.store = MonitorStore(ledger)
        self.channels = dict(channels)
        self.dispatcher = Dispatcher(
            self.store,
            self.channels,
            clock=self.clock,
            timeout=channel_timeout,
            metrics=self.metrics,
        )
        self._rules_version = self.store.rules_version()
        self.engine = RuleEngine(
            self.store.rules(enabled_only=True),
            self.store,
            clock=self.clock,
            bus=self.bus,
            metrics=self.metrics,
            on_alert=lambda _: self.dispatcher.wake(),
        )
        self.pipeline = QuotePipeline(
            self.engine,
            clock=self.clock,
            capacity=capacity,
            max_age_seconds=max_age_seconds,
            metrics=self.metrics,
        )
        self.tick_seconds = tick_seconds
        #: values each book's VaR for var_limit rules (None: those rules never see a VaR)
        self.var = var
        self.day_start_equity: dict[str, float] = {}
        self._day: object = None
        self._book = BookView([], [])
        self._stop = threading.Event()
        self._ticking = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._detach_metrics: list[object] = []
        self._stream: tuple[MarketStream, asyncio.AbstractEventLoop] | None = None

    def start(self, *, dispatch: bool = True) -> MonitorService:
        self.pipeline.attach(self.bus).start()
        self._detach_metrics.append(self.metrics.attach(self.bus))
        if dispatch:
            self.dispatcher.start()
        ticker = threading.Thread(target=self._tick_loop, name="wb-monitor-tick", daemon=True)
        ticker.start()
        self._threads.append(ticker)
        return self

    def _tick_loop(self) -> None:
        while not self._stop.wait(self.tick_seconds):
            try:
                self.tick()
            except Exception:
                _log.exception("a monitoring tick failed; the next one will try again")

    def tick(self, now: datetime | None = None) -> BookView:
        """Check stale data and value the books through the portfolio rules, now."""
        with self._ticking:  # the ticker thread and the live view both tick
            return self._tick(now or self.clock.now())

    def _tick(self, now: datetime) -> BookView:
        self.reload_rules()
        self.engine.check_stale(self.pipeline.cache, now)
        if now.date() != self._day:
            self._day, self.day_start_equity = now.date(), {}
        self._book = value_books(
            self.ledger,
            self.pipeline.cache,
            now=now,
            day_start_equity=self.day_start_equity,
            var=self.var,
        )
        for snapshot in self._book.snapshots:
            self.day_start_equity.setdefault(snapshot.account, snapshot.equity)
            self.engine.on_snapshot(snapshot)
        return self._book

    def reload_rules(self) -> bool:
        """Pick up rules added, changed or removed by another process (``workbench monitor
        rules add`` while ``watch`` runs); each tick asks. True when the rules changed."""
        version = self.store.rules_version()
        if version == self._rules_version:
            return False
        self._rules_version = version
        self.engine.reload(self.store.rules(enabled_only=True))
        _log.info("monitoring rules reloaded: %d enabled", len(self.engine.rules))
        return True

    @property
    def book(self) -> BookView:
        return self._book

    @property
    def stream(self) -> MarketStream | None:
        """The market stream ``run_stream`` runs, if any."""
        return None if self._stream is None else self._stream[0]

    # -- market data ---------------------------------------------------------------------------
    def run_stream(self, stream: MarketStream, *, symbols: Iterable[str]) -> None:
        """Run ``stream`` (quotes, trades and bars of ``symbols``) on its own thread and loop."""
        symbols = list(symbols)
        stream.subscribe(quotes=symbols, trades=symbols, bars=symbols)
        loop = asyncio.new_event_loop()
        self._stream = (stream, loop)

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(stream.run())
            except Exception:
                _log.exception("the market stream stopped")
            finally:
                loop.run_until_complete(loop.shutdown_default_executor())
                loop.close()

        thread = threading.Thread(target=run, name="wb-monitor-stream", daemon=True)
        thread.start()
        self._threads.append(thread)

    def replay(self, steps: Iterable[ReplayStep], *, pace_seconds: float = 0.0) -> int:
        """Publish a lake replay on the bus, step by step (``pace_seconds`` apart); returns
        the number of quotes published. Stops early when the service stops."""
        published = 0
        for step in steps:
            if self._stop.is_set():
                break
            self.pipeline.submit(step.quotes)
            for bar in step.bars:
                self.bus.publish(topics.BAR, bar)
            published += len(step.quotes)
            if pace_seconds and self._stop.wait(pace_seconds):
                break
        return published

    def stop(self) -> None:
        self._stop.set()
        if self._stream is not None:
            stream, loop = self._stream
            if not loop.is_closed():
                try:
                    # a MarketStream stops from any thread or loop: this one waits here
                    asyncio.run(stream.stop())
                except Exception:
                    _log.exception("stopping the market stream failed")
        for thread in self._threads:
            thread.join(timeout=10)
        self.pipeline.stop()
        self.dispatcher.stop()
        for detach in self._detach_metrics:
            if callable(detach):
                detach()

    def __enter__(self) -> MonitorService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
