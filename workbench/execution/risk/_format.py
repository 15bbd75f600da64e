"""How numbers read in the gate's messages: money with thousands separators and cents,
fractions as percentages, leverage as a multiple, quantities as given.

A value just over its limit must not read the same as the limit ("10,000.00 exceeds
10,000.00"), so ``places`` finds the fewest decimal places that tell them apart.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

Shown = Callable[[Decimal, int], str]

_MOST_PLACES = 12
_CENT = Decimal("0.01")


def money(amount: Decimal, places: int = 2) -> str:
    return f"{amount:,.{places}f}"


def percent(fraction: Decimal, places: int = 2) -> str:
    return _trimmed(f"{fraction * 100:.{places}f}") + "%"


def multiple(ratio: Decimal, places: int = 2) -> str:
    return _trimmed(f"{ratio:.{places}f}") + "x"


def price_text(price: Decimal) -> str:
    """A price with its own digits (a sub-penny price keeps them), at least cents."""
    if price == price.quantize(_CENT):
        return money(price)
    exponent = price.normalize().as_tuple().exponent
    return money(price, -exponent if isinstance(exponent, int) else 2)


def quantity(qty: Decimal) -> str:
    return f"{qty.normalize():f}"


def places(shown: Shown, value: Decimal, limit: Decimal) -> int:
    """The decimal places at which ``value`` and ``limit`` read differently (2 at least)."""
    count = 2
    while value != limit and count < _MOST_PLACES and shown(value, count) == shown(limit, count):
        count += 1
    return count


def side_by_side(shown: Shown, value: Decimal, limit: Decimal) -> tuple[str, str, int]:
    """``value`` and ``limit`` as text that tells them apart, and the decimal places used."""
    value_text, limit_text = shown(value, 2), shown(limit, 2)
    if value_text != limit_text or value == limit:
        return value_text, limit_text, 2
    digits = places(shown, value, limit)
    return shown(value, digits), shown(limit, digits), digits


def _trimmed(number: str) -> str:
    return number.rstrip("0").rstrip(".") if "." in number else number
