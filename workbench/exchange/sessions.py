"""The exchange's trading sessions: XNYS from exchange_calendars, extended hours added.

One ``ExchangeCalendar`` answers the matching engine (``SessionCalendar``), ``/v2/clock`` and
``/v2/calendar``, so all three agree on holidays and early closes. Pre-market starts at 04:00
New York on the session date; after-hours end four hours after the close (20:00, or 17:00 after
a 13:00 early close), as Alpaca's calendar shows.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from workbench.exchange.matching.market import EXTENDED_AFTER_CLOSE, Session

__all__ = ["NEW_YORK", "ExchangeCalendar", "exchange_calendar"]

NEW_YORK = ZoneInfo("America/New_York")
_PREMARKET = time(4)


class ExchangeCalendar:
    def __init__(self, name: str = "XNYS") -> None:
        # from the calendar's cache file: opening the paper book needs neither pandas nor
        # exchange-calendars (see workbench.data.calendar)
        from workbench.data.calendar import session_times

        self.name = name
        self._dates, self._opens, self._closes = session_times(name)
        self._premarkets = [
            datetime.combine(day, _PREMARKET, tzinfo=NEW_YORK).astimezone(UTC)
            for day in self._dates
        ]
        self._ends = [close + EXTENDED_AFTER_CLOSE for close in self._closes]

    def _session(self, index: int) -> Session:
        return Session(
            date=self._dates[index],
            premarket=self._premarkets[index],
            open=self._opens[index],
            close=self._closes[index],
        )

    def _at(self, index: int) -> Session | None:
        return self._session(index) if 0 <= index < len(self._dates) else None

    # -- SessionCalendar -------------------------------------------------------------------
    def session_at_or_after(self, moment: datetime) -> Session | None:
        return self._at(bisect_right(self._ends, moment))

    def sessions_touching(self, after: datetime, until: datetime) -> list[Session]:
        found = []
        index = bisect_right(self._ends, after)
        while index < len(self._dates) and self._premarkets[index] <= until:
            found.append(self._session(index))
            index += 1
        return found

    def previous_close(self, moment: datetime) -> datetime | None:
        index = bisect_right(self._closes, moment) - 1
        return self._closes[index] if index >= 0 else None

    # -- clock and calendar ----------------------------------------------------------------
    def is_open(self, moment: datetime) -> bool:
        session = self.session_at_or_after(moment)
        return session is not None and session.is_regular(moment)

    def next_open(self, moment: datetime) -> datetime | None:
        index = bisect_right(self._opens, moment)
        return self._opens[index] if index < len(self._opens) else None

    def next_close(self, moment: datetime) -> datetime | None:
        index = bisect_right(self._closes, moment)
        return self._closes[index] if index < len(self._closes) else None

    def session_on_or_after(self, day: date) -> Session | None:
        return self._at(bisect_left(self._dates, day))

    def session_on(self, day: date) -> Session | None:
        found = self.session_on_or_after(day)
        return found if found is not None and found.date == day else None

    def between(self, first: date, last: date) -> list[Session]:
        start, stop = bisect_left(self._dates, first), bisect_right(self._dates, last)
        return [self._session(i) for i in range(start, stop)]

    @property
    def first_date(self) -> date:
        return self._dates[0]

    @property
    def last_date(self) -> date:
        return self._dates[-1]


@lru_cache(maxsize=2)
def exchange_calendar(name: str = "XNYS") -> ExchangeCalendar:
    """One calendar per process (building it reads about 9,500 sessions)."""
    return ExchangeCalendar(name)
