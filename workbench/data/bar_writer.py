"""Streamed minute bars into the lake's ``bars_1m``, in batches, from any venue's market stream.

One ingest per bar would write a Parquet partition per minute and symbol, so bars wait here
until ``batch_size`` of them are held or the oldest has waited ``flush_after_s``. An updated
bar of the same (symbol, minute) replaces the held one, and reaches the lake as an upsert (the
venue's late trades change a bar it already sent). A batch the lake refuses, or cannot store
(a full or read-only disk), is logged and counted, never retried, so the stream goes on.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import asdict
from datetime import datetime

import pandas as pd

from workbench.core.errors import ConfigError, DataError
from workbench.data.lake import Lake
from workbench.model import Bar

__all__ = ["LakeBarWriter"]

_log = logging.getLogger(__name__)
DATASET = "bars_1m"


class LakeBarWriter:
    def __init__(
        self,
        lake: Lake,
        *,
        batch_size: int = 500,
        flush_after_s: float = 5.0,
        source: str = "stream",
    ) -> None:
        if batch_size < 1 or flush_after_s <= 0:
            raise ConfigError(
                f"a bar batch needs batch_size >= 1 and flush_after_s > 0, got {batch_size} "
                f"and {flush_after_s}"
            )
        self.lake = lake
        self.batch_size = batch_size
        self.flush_after_s = flush_after_s
        self.source = source
        self.written = 0
        self.rejected = 0
        self._held: dict[tuple[str, datetime], Bar] = {}
        self._oldest: float | None = None
        self._lock = threading.Lock()
        self._flushing = threading.Lock()  # one ingest at a time, in arrival order

    def add(self, bar: Bar) -> bool:
        """Hold ``bar``; True when a batch is due (full, or its oldest bar waited long enough)."""
        with self._lock:
            self._held[(bar.symbol, bar.timestamp)] = bar
            if self._oldest is None:
                self._oldest = time.monotonic()
            return len(self._held) >= self.batch_size

    def due(self) -> bool:
        with self._lock:
            return self._oldest is not None and (
                time.monotonic() - self._oldest >= self.flush_after_s
            )

    @property
    def held(self) -> int:
        return len(self._held)

    def flush(self) -> int:
        """Write what is held (blocking: call it from a worker thread in async code); returns
        how many bars the lake took as new or replaced."""
        with self._flushing:
            with self._lock:
                bars, self._held, self._oldest = list(self._held.values()), {}, None
            if not bars:
                return 0
            frame = pd.DataFrame([asdict(bar) for bar in bars])
            frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
            try:
                report = self.lake.ingest(frame, DATASET, source=self.source, upsert=True)
            except (DataError, OSError) as error:
                self.rejected += len(bars)
                _log.error("the lake refused %d streamed bars: %s", len(bars), error)
                return 0
            self.written += report.written
            return report.written
