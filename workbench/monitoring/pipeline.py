"""The real-time pipeline: quotes in (from the bus, one at a time or in batches, or handed over
as columns), validation, the latest-price cache, incremental indicators and rule evaluation,
alerts out.

Work is done in batches: whatever has arrived since the last pass is processed as one
``QuoteBatch``. When consumers fall behind and more than ``capacity`` quotes wait, the waiting
quotes collapse to the newest per symbol (the drops are counted): memory stays bounded and a
rule sees the latest price, which is what a late alert should be about.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from workbench.core import topics
from workbench.core.clock import Clock, LiveClock
from workbench.core.events import EventBus
from workbench.model import Bar, Quote, Trade
from workbench.monitoring.cache import LatestPrices
from workbench.monitoring.engine import RuleEngine
from workbench.monitoring.metrics import MonitorMetrics
from workbench.monitoring.quotes import QuoteBatch, to_nanos
from workbench.monitoring.store import AlertRecord
from workbench.monitoring.validation import QuoteValidator
from workbench.monitoring.watchers import EVENT_KINDS

__all__ = ["PipelineStats", "QuotePipeline"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PipelineStats:
    received: int
    processed: int
    accepted: int
    dropped_invalid: dict[str, int]
    dropped_backpressure: int
    pending: int
    batches: int
    alerts: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "processed": self.processed,
            "accepted": self.accepted,
            "dropped_invalid": self.dropped_invalid,
            "dropped_backpressure": self.dropped_backpressure,
            "pending": self.pending,
            "batches": self.batches,
            "alerts": self.alerts,
        }


class QuotePipeline:
    def __init__(
        self,
        engine: RuleEngine,
        *,
        clock: Clock | None = None,
        max_age_seconds: float | None = None,
        capacity: int = 1_000_000,
        metrics: MonitorMetrics | None = None,
    ) -> None:
        self.engine, self.metrics = engine, metrics
        self.index = engine.index
        self.clock = clock or LiveClock()
        self.cache = LatestPrices(self.index)
        max_age = None if max_age_seconds is None else int(max_age_seconds * 1e9)
        self.validator = QuoteValidator(max_age)
        self.capacity = capacity
        self._pending: list[QuoteBatch] = []
        self._pending_quotes: list[Quote] = []
        self._pending_count = 0
        self._first_arrival = 0
        self._lock = threading.Lock()
        self._ready = threading.Condition(self._lock)
        self._busy = False
        self._processing = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.received = self.processed = self.batches = self.alerts = 0
        self.dropped_backpressure = 0
        self._unsubscribe: list[Callable[[], None]] = []

    # -- input ---------------------------------------------------------------------------------
    def submit(self, batch: QuoteBatch) -> None:
        """Queue a columnar batch (the fast path); ``arrived_ns`` is stamped now if unset."""
        if len(batch) == 0:
            return
        if not batch.arrived_ns:
            batch = QuoteBatch(
                batch.symbol,
                batch.ts,
                batch.bid,
                batch.ask,
                batch.bid_size,
                batch.ask_size,
                time.perf_counter_ns(),
            )
        with self._ready:
            self._pending.append(batch)
            self._enqueued(len(batch), batch.arrived_ns)

    def submit_quotes(self, quotes: Sequence[Quote]) -> None:
        """Queue ``model.Quote`` objects (a stream's messages); converted in the worker."""
        if not quotes:
            return
        arrived = time.perf_counter_ns()
        with self._ready:
            self._pending_quotes.extend(quotes)
            self._enqueued(len(quotes), arrived)

    def _enqueued(self, count: int, arrived_ns: int) -> None:
        self.received += count
        self._pending_count += count
        if not self._first_arrival:
            self._first_arrival = arrived_ns
        if self._pending_count > self.capacity:
            self._coalesce()
        self._ready.notify_all()

    def _coalesce(self) -> None:
        waiting = self._take_pending()
        kept = waiting.latest_per_symbol()
        self.dropped_backpressure += len(waiting) - len(kept)
        if self.metrics is not None:
            self.metrics.quotes.labels(outcome="dropped_backpressure").inc(len(waiting) - len(kept))
        self._pending, self._pending_count = [kept], len(kept)

    def _take_pending(self) -> QuoteBatch:
        batches = self._pending
        if self._pending_quotes:
            batches = [*batches, QuoteBatch.from_quotes(self._pending_quotes, self.index)]
        batch = QuoteBatch.concat(batches)
        batch = QuoteBatch(
            batch.symbol,
            batch.ts,
            batch.bid,
            batch.ask,
            batch.bid_size,
            batch.ask_size,
            self._first_arrival or batch.arrived_ns,
        )
        self._pending, self._pending_quotes, self._pending_count = [], [], 0
        self._first_arrival = 0
        return batch

    # -- processing ----------------------------------------------------------------------------
    def process(self, batch: QuoteBatch) -> list[AlertRecord]:
        """Validate, cache and evaluate one batch now, in this thread (one batch at a time:
        validation judges order against what the batch before left in the cache)."""
        with self._processing:
            return self._process(batch)

    def _process(self, batch: QuoteBatch) -> list[AlertRecord]:
        began = time.perf_counter()
        self.cache.ensure(len(self.index))
        now = self.clock.now()
        valid = self.validator.validate(batch, self.cache.ts, to_nanos(now))
        self.cache.update(valid)
        raised = self.engine.on_batch(valid)
        self.processed += len(batch)
        self.batches += 1
        self.alerts += len(raised)
        if self.metrics is not None:
            self._measure(batch, valid, now, time.perf_counter() - began)
        return raised

    def _measure(self, batch: QuoteBatch, valid: QuoteBatch, now: Any, seconds: float) -> None:
        metrics = self.metrics
        assert metrics is not None
        metrics.batches.inc()
        metrics.quotes.labels(outcome="accepted").inc(len(valid))
        metrics.quotes.labels(outcome="dropped_invalid").inc(len(batch) - len(valid))
        if seconds > 0:
            metrics.throughput.set(len(batch) / seconds)
        if len(valid):
            metrics.quote_lag.set((to_nanos(now) - int(valid.ts.max())) / 1e9)

    def drain(self) -> list[AlertRecord]:
        """Process everything queued so far, in this thread (tests, replays, the CLI)."""
        with self._ready:
            if not self._pending and not self._pending_quotes:
                return []
            batch = self._take_pending()
        return self.process(batch)

    def on_bar(self, bar: Bar) -> list[AlertRecord]:
        self.cache.set_price(bar.symbol, bar.close, bar.timestamp)
        raised = self.engine.on_bar(bar)
        self.alerts += len(raised)
        return raised

    def on_trade(self, trade: Trade) -> None:
        self.cache.set_price(trade.symbol, trade.price, trade.timestamp)

    # -- on the bus, in the background ----------------------------------------------------------
    def attach(self, bus: EventBus) -> QuotePipeline:
        """Take quotes, trades and bars from ``bus`` (quotes are queued for the worker; bars
        and events are evaluated in the publisher's thread, they are few)."""
        subscriptions: dict[str, Callable[[str, Any], None]] = {
            topics.QUOTE: lambda _, quote: self.submit_quotes([quote]),
            topics.QUOTES: lambda _, quotes: self.submit_quotes(quotes),
            topics.TRADE: lambda _, trade: self.on_trade(trade),
            topics.BAR: self._on_bar_event,
        }
        # every event topic, not only today's rules' ones: rules may be reloaded while running
        for topic in {t for kinds in EVENT_KINDS.values() for t in kinds}:
            subscriptions[topic] = self._on_event
        self._unsubscribe += [bus.subscribe(t, h) for t, h in subscriptions.items()]
        return self

    def _on_bar_event(self, topic: str, bar: Bar) -> None:
        self.on_bar(bar)

    def _on_event(self, topic: str, payload: Any) -> None:
        self.alerts += len(self.engine.on_event(topic, payload))

    def start(self) -> QuotePipeline:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="wb-pipeline", daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._ready:
                while not (self._pending or self._pending_quotes) and not self._stop.is_set():
                    self._ready.wait(0.5)
                if self._stop.is_set():
                    return
                batch = self._take_pending()
                self._busy = True
            try:
                self.process(batch)
            except Exception:
                _log.exception("the quote pipeline failed on a batch of %d quotes", len(batch))
            finally:
                with self._ready:
                    self._busy = False
                    self._ready.notify_all()

    def idle(self, timeout: float = 10.0) -> bool:
        """Wait until nothing is queued or in process; False if ``timeout`` passed first."""
        deadline = time.monotonic() + timeout
        with self._ready:
            while self._pending or self._pending_quotes or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._ready.wait(left)
        return True

    def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        self._stop.set()
        with self._ready:
            self._ready.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def stats(self) -> PipelineStats:
        counts = self.validator.counts
        return PipelineStats(
            received=self.received,
            processed=self.processed,
            accepted=counts.accepted,
            dropped_invalid={
                k: v for k, v in counts.to_dict().items() if k not in {"accepted", "dropped"}
            },
            dropped_backpressure=self.dropped_backpressure,
            pending=self._pending_count,
            batches=self.batches,
            alerts=self.alerts,
        )
