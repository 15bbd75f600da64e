"""``GET /v2/account/portfolio/history`` from the equity the engine records at each close.

Daily resolution only (``timeframe`` is answered as ``1D`` whatever was asked): the engine
values accounts at regular closes, and the last point is equity now. ``profit_loss`` is the
change since the first point's previous value (``base_value``), as Alpaca's ``no_reset``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from workbench.exchange.matching.book import EquityPoint
from workbench.exchange.matching.errors import InvalidOrder
from workbench.exchange.sessions import NEW_YORK

__all__ = ["portfolio_history"]

_PERIOD = re.compile(r"^(\d+)([DWMA])$")
_DAYS = {"D": 1, "W": 7, "M": 30, "A": 365}
#: nothing is recorded before the epoch: a longer period means everything (and cannot overflow)
_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)


def portfolio_history(
    points: list[EquityPoint],
    *,
    now: datetime,
    equity_now: Decimal,
    base: Decimal,
    period: str | None,
    timeframe: str | None,
    start: datetime | None,
    end: datetime | None,
    date_end: date | None,
) -> dict[str, Any]:
    upper = end or now
    if date_end is not None:
        upper = min(upper, datetime.combine(date_end, time(23, 59), tzinfo=NEW_YORK))
    lower = start or _lower(upper, period or "1M")
    series = [(p.timestamp, p.equity) for p in points if p.timestamp <= upper]
    if upper >= now and (not series or series[-1][0] < now):
        series.append((now, equity_now))
    before = [e for t, e in series if t < lower]
    base_value = before[-1] if before else base
    window = [(t, e) for t, e in series if lower <= t <= upper]
    return {
        "timestamp": [int(t.astimezone(UTC).timestamp()) for t, _ in window],
        "equity": [float(e) for _, e in window],
        "profit_loss": [float(e - base_value) for _, e in window],
        "profit_loss_pct": [
            float((e - base_value) / base_value) if base_value else 0.0 for _, e in window
        ],
        "base_value": float(base_value),
        "timeframe": "1D",
        "cashflow": {},
    }


def _lower(upper: datetime, period: str) -> datetime:
    match = _PERIOD.match(period.upper())
    if match is None:
        raise InvalidOrder(f"invalid period {period!r}: expected e.g. 1D, 1W, 3M, 1A")
    days = int(match.group(1)) * _DAYS[match.group(2)]
    if upper <= _EARLIEST or days >= (upper - _EARLIEST).days:
        return _EARLIEST
    return upper - timedelta(days=days)
