"""The TTL cache a process keeps of verified credentials: entries expire, ``clear`` wins races."""

from __future__ import annotations

import pytest

from workbench.core.ttl_cache import TtlCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_lives_its_seconds_and_no_longer() -> None:
    clock = Clock()
    cache: TtlCache[str] = TtlCache(5, clock=clock)
    cache.put("k", "v")
    clock.now += 4.9
    assert cache.get("k") == "v"
    clock.now += 0.1
    assert cache.get("k") is None
    assert len(cache) == 0


def test_a_value_read_before_a_clear_is_not_stored_after_it() -> None:
    cache: TtlCache[str] = TtlCache(5, clock=Clock())
    generation = cache.generation  # a reader starts, then a revocation clears the cache
    cache.clear()
    cache.put("k", "stale", generation=generation)
    assert cache.get("k") is None
    cache.put("k", "fresh", generation=cache.generation)
    assert cache.get("k") == "fresh"


def test_zero_seconds_remembers_nothing_and_capacity_bounds_it() -> None:
    off: TtlCache[int] = TtlCache(0)
    off.put("k", 1)
    assert off.get("k") is None
    clock = Clock()
    small: TtlCache[int] = TtlCache(5, capacity=4, clock=clock)
    for n in range(10):
        small.put(n, n)
        clock.now += 0.1
    assert len(small) <= 4 and small.get(9) == 9
    with pytest.raises(ValueError, match="seconds"):
        TtlCache(-1)
