"""What the engine needs to know about the market, as protocols: sessions, bars, assets.

The engine never reads files or sockets. It asks a ``SessionCalendar`` when the market opens and
closes and a ``BarFeed`` for bars; the exchange feeds both from exchange_calendars (XNYS) and the
Parquet lake (``workbench.exchange.sessions``, ``workbench.exchange.feed``), and the paper broker
may feed them from anything else.

Price model, in one place so every caller agrees:

* The *last trade* at an instant is the open of the bar under way, or else the close of the
  last completed bar. Nothing later than the instant is ever used (no look-ahead).
* Quotes are derived from the last trade: ``bid = last - half``, ``ask = last + half`` with
  ``half = max(last * spread_bps / 20000, half a tick)``, rounded outwards to the tick. The
  lake has no quotes, so every quote the exchange shows is this model, not market data.
* Ticks are $0.01 at or above $1 and $0.0001 below (Alpaca's equity increments).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Protocol

from workbench.model import Bar

__all__ = [
    "AssetInfo",
    "BarFeed",
    "BarSlot",
    "DerivedQuote",
    "PricePoint",
    "Session",
    "SessionCalendar",
    "round_price",
    "tick_size",
    "to_decimal",
]

_CENT = Decimal("0.01")
_SUBPENNY = Decimal("0.0001")
#: The extended sessions around the regular one (Alpaca: 04:00-09:30 and 16:00-20:00 ET).
EXTENDED_AFTER_CLOSE = timedelta(hours=4)


@dataclass(frozen=True, slots=True)
class Session:
    """One trading day. Times are UTC; ``premarket`` is 04:00 New York on the session date."""

    date: date
    premarket: datetime
    open: datetime
    close: datetime

    @property
    def after_hours_end(self) -> datetime:
        # 20:00 ET on a full day, 17:00 ET after a 13:00 early close (Alpaca's calendar)
        return self.close + EXTENDED_AFTER_CLOSE

    def is_regular(self, moment: datetime) -> bool:
        return self.open <= moment < self.close

    def is_extended(self, moment: datetime) -> bool:
        return self.premarket <= moment < self.after_hours_end


class SessionCalendar(Protocol):
    def session_at_or_after(self, moment: datetime) -> Session | None:
        """The session under way at ``moment`` (extended hours included), else the next one."""

    def sessions_touching(self, after: datetime, until: datetime) -> Sequence[Session]:
        """Sessions with a boundary (premarket, open, close, after-hours end) in (after, until]."""

    def previous_close(self, moment: datetime) -> datetime | None:
        """The last regular close at or before ``moment``."""


@dataclass(frozen=True, slots=True)
class BarSlot:
    """A bar and the instants it becomes known: its open at ``opens_at``, the rest at
    ``closes_at``. ``regular`` says whether it lies inside the regular session."""

    bar: Bar
    opens_at: datetime
    closes_at: datetime
    regular: bool


@dataclass(frozen=True, slots=True)
class PricePoint:
    price: Decimal
    timestamp: datetime
    size: Decimal


class BarFeed(Protocol):
    def slots(self, symbol: str, after: datetime, until: datetime) -> Sequence[BarSlot]:
        """Bars with ``opens_at`` or ``closes_at`` in (after, until], by ``opens_at``."""

    def last_trade(self, symbol: str, at: datetime) -> PricePoint | None:
        """The last price known at ``at`` (see the module docstring), or None before any bar."""


@dataclass(frozen=True, slots=True)
class AssetInfo:
    symbol: str
    id: str
    name: str = ""
    asset_class: str = "us_equity"
    exchange: str = ""
    tradable: bool = True
    marginable: bool = True
    shortable: bool = True
    easy_to_borrow: bool = True
    fractionable: bool = True


@dataclass(frozen=True, slots=True)
class DerivedQuote:
    """A derived two-sided quote (see the module docstring for the spread model)."""

    bid: Decimal
    ask: Decimal
    timestamp: datetime

    @classmethod
    def around(cls, last: PricePoint, spread_bps: Decimal) -> DerivedQuote:
        tick = tick_size(last.price)
        half = max(last.price * spread_bps / Decimal(20000), tick / 2)
        bid = round_price(last.price - half, up=False)
        ask = round_price(last.price + half, up=True)
        if ask <= bid:
            ask = bid + tick
        return cls(bid=max(bid, Decimal(0)), ask=ask, timestamp=last.timestamp)


def tick_size(price: Decimal) -> Decimal:
    return _CENT if price >= 1 else _SUBPENNY


def round_price(price: Decimal, *, up: bool) -> Decimal:
    """Round to the tick, up or down: fills round against the trader, never in their favour."""
    return price.quantize(tick_size(price), rounding=ROUND_CEILING if up else ROUND_FLOOR)


def to_decimal(value: float) -> Decimal:
    """A float price from the lake as the Decimal it was written as (``repr`` round-trips)."""
    return Decimal(repr(float(value)))
