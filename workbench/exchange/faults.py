"""Fault injection: the failures a real venue has, on demand, to test clients against.

Set through ``POST /admin/faults`` (``DELETE`` clears them), all off by default:

* ``latency_ms``: every Trading/Market Data request waits this long before it is handled;
* ``error_rate``: this share of requests is answered ``500 {"code": 50010000, ...}``;
* ``rate_limit_burst``: the next N requests are answered ``429`` as if over the limit;
* ``fill_delay``: new orders may trade only this much simulated time after they arrive
  (``"5m"``, ``"1d"``), as a slow venue acknowledges late;
* ``drop_streams``: a one-shot action that closes every open stream connection now.

Injected errors happen before the request is handled, so a failed request never has a side
effect: alpaca-py retries a 429 (and a 504) and would otherwise create an order twice.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from datetime import timedelta

__all__ = ["Faults", "Injection"]


@dataclass(frozen=True, slots=True)
class Injection:
    """What to do with one request: wait ``delay`` seconds, then answer ``status`` (or pass)."""

    delay: float = 0.0
    status: int | None = None


@dataclass
class Faults:
    latency_ms: float = 0.0
    error_rate: float = 0.0
    rate_limit_burst: int = 0
    fill_delay: timedelta = timedelta(0)
    seed: int | None = None
    _random: random.Random = field(default_factory=random.Random, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def configure(
        self,
        *,
        latency_ms: float | None = None,
        error_rate: float | None = None,
        rate_limit_burst: int | None = None,
        fill_delay: timedelta | None = None,
        seed: int | None = None,
    ) -> None:
        with self._lock:
            if latency_ms is not None:
                self.latency_ms = latency_ms
            if error_rate is not None:
                self.error_rate = error_rate
            if rate_limit_burst is not None:
                self.rate_limit_burst = rate_limit_burst
            if fill_delay is not None:
                self.fill_delay = fill_delay
            if seed is not None:
                self.seed = seed
                self._random.seed(seed)

    def draw(self) -> Injection:
        """Decide the fate of one request (thread-safe; burst first, then the error share)."""
        with self._lock:
            delay = self.latency_ms / 1000
            if self.rate_limit_burst > 0:
                self.rate_limit_burst -= 1
                return Injection(delay, 429)
            if self.error_rate > 0 and self._random.random() < self.error_rate:
                return Injection(delay, 500)
            return Injection(delay)

    def to_dict(self) -> dict[str, object]:
        return {
            "latency_ms": self.latency_ms,
            "error_rate": self.error_rate,
            "rate_limit_burst": self.rate_limit_burst,
            "fill_delay_seconds": self.fill_delay.total_seconds(),
            "seed": self.seed,
        }
