"""The exchange's replay clock: simulated time that runs at a chosen speed or only when stepped.

``speed`` is simulated seconds per real second: 0 stands still (tests step it through
``POST /admin/clock``), 60 plays a minute a second. Stepping re-anchors the run, and time only
ever moves forward, so nothing the engine has processed can be un-happened.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from workbench.core.errors import DataError

__all__ = ["ExchangeClock"]


class ExchangeClock:
    def __init__(
        self, start: datetime, speed: float = 0.0, wall: Callable[[], float] = time.monotonic
    ) -> None:
        if start.tzinfo is None:
            raise DataError(f"the exchange clock needs a timezone-aware start, got {start}")
        if speed < 0:
            raise DataError(f"speed must not be negative, got {speed}")
        self._wall = wall
        self._lock = threading.Lock()
        self._anchor = start.astimezone(UTC)
        self._anchored_at = wall()
        self._speed = float(speed)

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> datetime:
        with self._lock:
            return self._now()

    def _now(self) -> datetime:
        if self._speed == 0:
            return self._anchor
        elapsed = (self._wall() - self._anchored_at) * self._speed
        return self._anchor + timedelta(seconds=elapsed)

    def advance(self, step: timedelta) -> datetime:
        if step < timedelta(0):
            raise DataError(f"the exchange clock only moves forward, not by {step}")
        with self._lock:
            return self._reanchor(self._now() + step)

    def set(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            raise DataError(f"clock times must be timezone-aware, got {moment.isoformat()}")
        with self._lock:
            current = self._now()
            if moment < current:
                raise DataError(
                    f"the exchange clock only moves forward: {moment.isoformat()} is before "
                    f"{current.isoformat()}"
                )
            return self._reanchor(moment.astimezone(UTC))

    def set_speed(self, speed: float) -> None:
        if speed < 0:
            raise DataError(f"speed must not be negative, got {speed}")
        with self._lock:
            self._reanchor(self._now())
            self._speed = float(speed)

    def _reanchor(self, moment: datetime) -> datetime:
        self._anchor, self._anchored_at = moment, self._wall()
        return moment
