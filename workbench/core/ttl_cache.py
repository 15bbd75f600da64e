"""A small thread-safe cache whose entries live ``seconds`` at most: what a long-lived process
may remember of the ledger for a moment (a verified credential) without asking it again.

Whoever changes what an entry stands for clears the cache in that process (``clear``), so the
change holds there at once; other processes see it when their entries expire, ``seconds`` at
most later. A reader takes ``generation`` before it reads the ledger and passes it to ``put``:
a value read before a ``clear`` that raced it is then not stored. ``seconds == 0`` remembers
nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["TtlCache"]

V = TypeVar("V")


class TtlCache(Generic[V]):
    def __init__(
        self,
        seconds: float,
        *,
        capacity: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if seconds < 0 or capacity < 1:
            raise ValueError("a cache needs seconds >= 0 and a capacity of at least 1")
        self.seconds, self.capacity, self._clock = seconds, capacity, clock
        self._entries: dict[Hashable, tuple[float, V]] = {}
        self._lock = threading.Lock()
        #: bumped by every ``clear``
        self.generation = 0

    def get(self, key: Hashable) -> V | None:
        """The value stored under ``key`` less than ``seconds`` ago, else None."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if self._clock() >= entry[0]:
            with self._lock:
                if self._entries.get(key) is entry:
                    del self._entries[key]
            return None
        return entry[1]

    def put(self, key: Hashable, value: V, *, generation: int | None = None) -> None:
        """Remember ``value``, unless the cache was cleared since ``generation`` was taken."""
        if self.seconds == 0:
            return
        now = self._clock()
        with self._lock:
            if generation is not None and generation != self.generation:
                return
            if len(self._entries) >= self.capacity and key not in self._entries:
                self._evict(now)
            self._entries[key] = (now + self.seconds, value)

    def clear(self) -> None:
        """Forget everything: called by whatever changes what the entries stand for."""
        with self._lock:
            self._entries.clear()
            self.generation += 1

    def __len__(self) -> int:
        return len(self._entries)

    def _evict(self, now: float) -> None:
        alive = {k: v for k, v in self._entries.items() if v[0] > now}
        if len(alive) >= self.capacity:  # all alive: drop the oldest half (insertion order)
            alive = dict(list(alive.items())[len(alive) // 2 :])
        self._entries = alive
