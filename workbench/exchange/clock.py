"""The exchange's replay clock: simulated time that runs at a chosen speed or only when stepped.

``speed`` is simulated seconds per real second: 0 stands still (tests step it through
``POST /admin/clock``), 60 plays a minute a second, at most ``MAX_SPEED``. Stepping re-anchors
the run, and time only ever moves forward, so nothing the engine has processed can be
un-happened. The clock never passes ``end`` (the calendar's last session): a running clock stops
there, and a step beyond it is refused, so no speed or step can carry it out of the range every
route can answer for.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from workbench.core.errors import DataError

__all__ = ["MAX_SPEED", "ExchangeClock", "check_speed"]

#: simulated seconds per real second: about eleven and a half days a second
MAX_SPEED = 1_000_000.0


class ExchangeClock:
    def __init__(
        self,
        start: datetime,
        speed: float = 0.0,
        wall: Callable[[], float] = time.monotonic,
        end: datetime | None = None,
    ) -> None:
        if start.tzinfo is None:
            raise DataError(f"the exchange clock needs a timezone-aware start, got {start}")
        check_speed(speed)
        self._wall = wall
        self._lock = threading.Lock()
        self.end = (end or datetime.max.replace(tzinfo=UTC)).astimezone(UTC)
        self._anchor = min(start.astimezone(UTC), self.end)
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
        if elapsed >= (self.end - self._anchor).total_seconds():
            return self.end
        return self._anchor + timedelta(seconds=elapsed)

    def advance(self, step: timedelta) -> datetime:
        if step < timedelta(0):
            raise DataError(f"the exchange clock only moves forward, not by {step}")
        with self._lock:
            current = self._now()
            if step > self.end - current:
                raise DataError(
                    f"advancing by {step} would pass the end of the exchange's calendar "
                    f"({self.end.isoformat()}); the clock stands at {current.isoformat()}"
                )
            return self._reanchor(current + step)

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
            if moment > self.end:
                raise DataError(
                    f"{moment.isoformat()} is past the end of the exchange's calendar "
                    f"({self.end.isoformat()})"
                )
            return self._reanchor(moment.astimezone(UTC))

    def set_speed(self, speed: float) -> None:
        check_speed(speed)
        with self._lock:
            self._reanchor(self._now())
            self._speed = float(speed)

    def _reanchor(self, moment: datetime) -> datetime:
        self._anchor, self._anchored_at = moment, self._wall()
        return moment


def check_speed(speed: float) -> None:
    if not math.isfinite(speed) or not 0 <= speed <= MAX_SPEED:
        raise DataError(
            f"speed must be between 0 and {MAX_SPEED:,.0f} simulated seconds a second, got {speed}"
        )
