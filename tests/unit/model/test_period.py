"""``validate_period``: the span of dates the workbench takes, and a range in order."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from workbench.core.errors import DataError
from workbench.model import validate_period


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(1800, 1, 1), date(2199, 12, 31)),
        (None, None),
        (date(2020, 1, 2), date(2020, 1, 2)),
        (datetime(2020, 1, 2, 15, tzinfo=UTC), None),
    ],
)
def test_dates_in_the_span_pass(start: date | None, end: date | None) -> None:
    validate_period(start, end)


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        (date(3000, 1, 1), None, "start 3000-01-01 is out of range"),
        (None, date(1, 1, 1), "end 0001-01-01 is out of range"),
        (date(1799, 12, 31), None, "dates run from 1800-01-01 to 2199-12-31"),
        (None, date(2262, 4, 12), "out of range"),
        (date(2020, 1, 3), date(2020, 1, 2), "start 2020-01-03 is after end 2020-01-02"),
    ],
)
def test_dates_outside_or_out_of_order_are_refused(
    start: date | None, end: date | None, words: str
) -> None:
    with pytest.raises(DataError, match=words):
        validate_period(start, end)


def test_the_caller_names_its_options() -> None:
    with pytest.raises(DataError, match="--from 2020-01-03 is after --to 2020-01-02"):
        validate_period(date(2020, 1, 3), date(2020, 1, 2), first="--from", last="--to")
