"""Checks run by the model's constructors. A bad value fails where it is made, with its name."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from workbench.core.errors import DataError

# Upper-case tickers with an optional class suffix (BRK.B) and index tickers (^GSPC).
SYMBOL_PATTERN = re.compile(r"^\^?[A-Z][A-Z0-9]{0,9}([./-][A-Z0-9]{1,4})?$")


def symbol(value: str) -> str:
    if not isinstance(value, str) or not SYMBOL_PATTERN.match(value):
        raise DataError(
            f"invalid symbol {value!r}: expected upper-case letters and digits, "
            "optionally a class suffix such as BRK.B or an index prefix such as ^GSPC"
        )
    return value


#: The span of dates the workbench reads, stores and trades: wide enough for any market history,
#: narrow enough that every date fits a nanosecond timestamp (1677-09-21 to 2262-04-11).
EARLIEST_DATE = date(1800, 1, 1)
LATEST_DATE = date(2199, 12, 31)


def period(
    start: date | None, end: date | None, *, first: str = "start", last: str = "end"
) -> None:
    """``start`` and ``end`` (either may be open) lie in the supported span, in order;
    ``first`` and ``last`` name them as the caller's user typed them (``--from``...)."""
    for name, day in ((first, start), (last, end)):
        if day is not None and not EARLIEST_DATE <= _day(day) <= LATEST_DATE:
            raise DataError(
                f"{name} {day.isoformat()} is out of range: dates run from "
                f"{EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}"
            )
    if start is not None and end is not None and _day(start) > _day(end):
        raise DataError(
            f"{first} {start.isoformat()} is after {last} {end.isoformat()}: "
            "a range runs from its first day to its last"
        )


def _day(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def utc(name: str, value: datetime) -> datetime:
    if not isinstance(value, datetime):
        raise DataError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() != timedelta(0):
        raise DataError(f"{name} must be timezone-aware UTC, got {value.isoformat()}")
    return value


def decimal(name: str, value: Decimal | int | str) -> Decimal:
    if isinstance(value, float):
        # floats carry binary noise that a broker will not accept; make the caller choose
        raise DataError(f"{name} must be a Decimal, int or str, not float ({value!r})")
    try:
        result = value if isinstance(value, Decimal) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise DataError(f"{name} is not a number: {value!r}") from None
    if not result.is_finite():
        raise DataError(f"{name} must be finite, got {value!r}")
    return result


def positive(name: str, value: Decimal) -> Decimal:
    if value <= 0:
        raise DataError(f"{name} must be positive, got {value}")
    return value


def non_negative(name: str, value: float | Decimal | int) -> None:
    if value < 0:
        raise DataError(f"{name} must not be negative, got {value}")
