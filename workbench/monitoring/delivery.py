"""Delivering alerts: the queue is the ledger (``NotificationRow``), the dispatcher sends what is
due on one small thread pool per channel, so a channel that hangs or is down never delays the
others, and never the trading thread that raised the alert.

A failed attempt is recorded (attempts, last_error) and retried with exponential backoff until
``max_attempts``; a ``Fatal`` answer (bad credentials, a 4xx) gives up at once. Given-up
deliveries stay in the ledger as ``failed``: the failure is itself visible.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import timedelta

from workbench.core.clock import Clock, LiveClock
from workbench.core.errors import Fatal
from workbench.monitoring.channels import Channel
from workbench.monitoring.metrics import MonitorMetrics
from workbench.monitoring.store import DeliveryJob, MonitorStore

__all__ = ["DispatchResult", "Dispatcher"]

_log = logging.getLogger(__name__)


@dataclass
class DispatchResult:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, int]:
        return {"sent": len(self.sent), "retrying": len(self.retrying), "failed": len(self.failed)}


class Dispatcher:
    def __init__(
        self,
        store: MonitorStore,
        channels: Mapping[str, Channel],
        *,
        clock: Clock | None = None,
        timeout: float = 10.0,
        max_attempts: int = 5,
        backoff: float = 2.0,
        max_backoff: float = 600.0,
        metrics: MonitorMetrics | None = None,
    ) -> None:
        self.store, self.channels = store, dict(channels)
        self.clock = clock or LiveClock()
        self.timeout, self.max_attempts = timeout, max_attempts
        self.backoff, self.max_backoff = backoff, max_backoff
        self.metrics = metrics
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def dispatch_due(self, *, wait_for_all: bool = True) -> DispatchResult:
        """Claim every delivery due now and send each on its channel's pool; with
        ``wait_for_all`` return once all have finished (each bounded by the timeout)."""
        now = self.clock.now()
        lease = timedelta(seconds=self.timeout * 2 + 5)
        result = DispatchResult()
        futures: list[Future[None]] = []
        while True:
            jobs = self.store.claim_due(now=now, lease=lease, limit=200)
            for job in jobs:
                futures.append(self._pool(job.channel).submit(self._deliver, job, result))
            if len(jobs) < 200:
                break
        if wait_for_all:
            wait(futures)
        return result

    def _pool(self, channel: str) -> ThreadPoolExecutor:
        with self._lock:
            pool = self._pools.get(channel)
            if pool is None:
                pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix=f"wb-notify-{channel}")
                self._pools[channel] = pool
            return pool

    def _deliver(self, job: DeliveryJob, result: DispatchResult) -> None:
        try:
            self._send(job, result)
        except Exception:
            # recording the outcome failed (the ledger is down): the claim expires and the
            # delivery is tried again, so say so rather than lose it silently on a pool thread
            _log.exception(
                "alert %s to %s: could not record the attempt", job.alert.id, job.channel
            )

    def _send(self, job: DeliveryJob, result: DispatchResult) -> None:
        channel = self.channels.get(job.channel)
        try:
            if channel is None:
                raise Fatal(f"channel {job.channel!r} is not configured here")
            channel.send(job.alert, timeout=self.timeout)
        except Exception as error:
            self._failed(job, error, result)
        else:
            self.store.delivered(job.id, at=self.clock.now())
            result.sent.append(job.id)
            self._count(job.channel, "sent")

    def _failed(self, job: DeliveryJob, error: Exception, result: DispatchResult) -> None:
        attempts = job.attempts + 1
        message = getattr(error, "message", None) or f"{type(error).__name__}: {error}"
        give_up = isinstance(error, Fatal) or attempts >= self.max_attempts
        now = self.clock.now()
        retry_at = None
        if not give_up:
            delay = min(self.max_backoff, self.backoff * 2 ** (attempts - 1))
            retry_at = now + timedelta(seconds=delay)
        self.store.attempt_failed(job.id, at=now, error=message, retry_at=retry_at)
        (result.failed if give_up else result.retrying).append(job.id)
        self._count(job.channel, "failed" if give_up else "retrying")
        _log.warning(
            "alert %s to %s: attempt %d failed (%s)%s",
            job.alert.id,
            job.channel,
            attempts,
            message,
            "; giving up" if give_up else "",
        )

    def _count(self, channel: str, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.deliveries.labels(channel=channel, outcome=outcome).inc()

    # -- in the background ---------------------------------------------------------------------
    def wake(self) -> None:
        """Look for due deliveries now (the engine calls it after raising an alert)."""
        self._wake.set()

    def start(self, poll_seconds: float = 1.0) -> Dispatcher:
        if self._thread is not None:
            return self
        self._stop.clear()

        def loop() -> None:
            while not self._stop.is_set():
                try:
                    self.dispatch_due(wait_for_all=False)
                except Exception:
                    _log.exception("dispatching alerts failed; trying again")
                self._wake.wait(poll_seconds)
                self._wake.clear()

        self._thread = threading.Thread(target=loop, name="wb-dispatcher", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout * 2 + 5)
            self._thread = None
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.shutdown(wait=True)

    def __enter__(self) -> Dispatcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
