"""A monotonic clock a test moves by hand: for code that takes ``clock: Callable[[], float]``
(rate-limit buckets, kept answers) and must be tested across time without sleeping."""

from __future__ import annotations

__all__ = ["HandClock"]


class HandClock:
    """Reads ``now`` (seconds, 100.0 at first); a test moves it: ``clock.now += 0.5``."""

    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
