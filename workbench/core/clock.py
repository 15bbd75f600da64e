"""Clocks. Engines ask a clock for "now" instead of the system: one engine serves replay and live.

``LiveClock`` reads the system time. ``ReplayClock`` stands where it is told and moves only when
moved: the embedded default puts it at the last session in the lake, and a replayed session steps
it bar by bar. ``TestClock`` is the same thing under the name tests read best.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol

from workbench.core.errors import DataError

__all__ = ["Clock", "LiveClock", "ReplayClock", "TestClock"]


class Clock(Protocol):
    def now(self) -> datetime: ...


class LiveClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ReplayClock:
    def __init__(self, start: datetime) -> None:
        self._now = _require_utc(start)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        moment = _require_utc(moment)
        with self._lock:
            if moment < self._now:
                raise DataError(
                    f"a replay clock only moves forward: {moment.isoformat()} is before "
                    f"{self._now.isoformat()}"
                )
            self._now = moment

    def advance(self, step: timedelta) -> datetime:
        if step < timedelta(0):
            raise DataError(f"a replay clock only moves forward, not by {step}")
        with self._lock:
            self._now += step
            return self._now


TestClock = ReplayClock


def _require_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise DataError(f"clock times must be timezone-aware, got naive {moment.isoformat()}")
    return moment.astimezone(UTC)
