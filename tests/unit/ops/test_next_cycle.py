"""When a live run's next cycle runs, counted from the start of the cycle before it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from workbench.exchange.sessions import exchange_calendar
from workbench.ops.trade_runs import next_cycle_at


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("decided_at", "next_at"),
    [
        # mid-session: its orders meet the next bell; the cycle after runs the minute before it
        ("2017-01-03T15:00:00", "2017-01-04T14:29:00"),
        # a cycle that began at the pre-open minute traded that morning's bell: the next one
        ("2017-01-04T14:29:00", "2017-01-05T14:29:00"),
        # a second before the pre-open: that morning is still to come, however long the cycle
        # takes (a wait counted from its end, at 14:29:00.1, slept through the whole session)
        ("2017-01-04T14:28:59", "2017-01-04T14:29:00"),
        # Friday's cycle: Monday's pre-open
        ("2017-01-06T15:00:00", "2017-01-09T14:29:00"),
    ],
)
def test_a_daily_run_wakes_at_the_pre_open_of_the_next_untraded_session(
    decided_at: str, next_at: str
) -> None:
    assert next_cycle_at(_utc(decided_at), "1d", exchange_calendar()) == _utc(next_at)


def test_a_minute_run_wakes_at_the_next_minute() -> None:
    decided_at = _utc("2017-01-04T15:00:30.250000")
    assert next_cycle_at(decided_at, "1m", exchange_calendar()) == _utc("2017-01-04T15:01:00")
