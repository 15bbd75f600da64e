"""``wait_until``: the value the condition produced, or a TimeoutError naming what was awaited."""

from __future__ import annotations

import itertools

import pytest

from workbench.testing import wait_until


def test_it_returns_the_first_truthy_value() -> None:
    calls = itertools.count(1)
    assert wait_until(lambda: max(0, next(calls) - 2), what="the third call", interval=0) == 1


def test_it_names_what_it_waited_for_when_time_runs_out() -> None:
    with pytest.raises(TimeoutError, match=r"timed out after 0.05 s waiting for the moon"):
        wait_until(lambda: None, what="the moon", timeout=0.05, interval=0.01)


def test_a_callable_what_tells_what_was_seen_by_then() -> None:
    seen: list[int] = []

    def look() -> bool:
        seen.append(len(seen))
        return False

    with pytest.raises(TimeoutError, match=r"waiting for 3 events; saw \d+ looks"):
        wait_until(look, what=lambda: f"3 events; saw {len(seen)} looks", timeout=0.05)
