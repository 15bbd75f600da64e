"""Checks run by the model's constructors. A bad value fails where it is made, with its name."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
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
