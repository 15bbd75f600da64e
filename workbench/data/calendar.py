"""The exchange calendar (exchange-calendars), loaded once per process on first use.

Loading XNYS takes about a second, so nothing imports exchange_calendars at module level.
"""

from __future__ import annotations

import warnings
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["NEW_YORK", "calendar", "session_days", "sessions_between"]

NEW_YORK = "America/New_York"
_FIRST_SESSION = "1990-01-02"


@lru_cache(maxsize=4)
def calendar(name: str = "XNYS") -> Any:
    import exchange_calendars as xcals

    last = (pd.Timestamp.today() + pd.Timedelta(days=366)).strftime("%Y-%m-%d")
    with warnings.catch_warnings():
        # exchange-calendars 4.13 reads Series.values of a tz-aware series while it builds a
        # calendar, which pandas 3.1 deprecates (Pandas4Warning, raised with stacklevel=1 so
        # no module filter can name its origin). Silenced here, where it happens, only.
        warnings.filterwarnings("ignore", message="Series.values returning an ndarray")
        return xcals.get_calendar(name, start=_FIRST_SESSION, end=last)


@lru_cache(maxsize=4)
def session_days(name: str = "XNYS") -> npt.NDArray[np.int64]:
    """Every session of the calendar as days since 1970-01-01, ascending (read-only)."""
    sessions = pd.DatetimeIndex(calendar(name).sessions)
    days = sessions.to_numpy().astype("datetime64[D]").astype(np.int64)
    days.flags.writeable = False
    return days


def sessions_between(first: date, last: date, name: str = "XNYS") -> pd.DatetimeIndex:
    """Trading sessions from ``first`` to ``last`` inclusive, as tz-naive dates."""
    cal = calendar(name)
    first_ts = max(pd.Timestamp(first), cal.first_session)
    last_ts = min(pd.Timestamp(last), cal.last_session)
    if first_ts > last_ts:
        return pd.DatetimeIndex([])
    return pd.DatetimeIndex(cal.sessions_in_range(first_ts, last_ts))
