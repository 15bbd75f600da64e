"""The exchange calendar (exchange-calendars), loaded once per process on first use.

Loading XNYS takes about a second, so nothing imports exchange_calendars (nor pandas) at module
level. ``session_times`` (each session's date, open and close) is what the matching engine and
the paper book need; it is kept in a small file under ``~/.cache/workbench/calendars`` (or
``$XDG_CACHE_HOME``), named after the calendar, its span and the exchange-calendars version, so
a command that opens the paper book loads neither exchange-calendars nor pandas for it. The
span ends a year after today, so the file is remade once a day.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from bisect import bisect_left, bisect_right
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

__all__ = [
    "NEW_YORK",
    "SessionTimes",
    "calendar",
    "session_count",
    "session_days",
    "session_times",
    "sessions_between",
]

NEW_YORK = "America/New_York"
_FIRST_SESSION = "1990-01-02"
#: each session's date, regular open and regular close (both UTC), in order
SessionTimes = tuple[list[date], list[datetime], list[datetime]]


def _last_session_bound() -> str:
    return (date.today() + timedelta(days=366)).isoformat()


@lru_cache(maxsize=4)
def calendar(name: str = "XNYS") -> Any:
    import exchange_calendars as xcals

    last = _last_session_bound()
    with warnings.catch_warnings():
        # exchange-calendars 4.13 reads Series.values of a tz-aware series while it builds a
        # calendar, which pandas 3.1 deprecates (Pandas4Warning, raised with stacklevel=1 so
        # no module filter can name its origin). Silenced here, where it happens, only.
        warnings.filterwarnings("ignore", message="Series.values returning an ndarray")
        return xcals.get_calendar(name, start=_FIRST_SESSION, end=last)


@lru_cache(maxsize=4)
def session_days(name: str = "XNYS") -> npt.NDArray[np.int64]:
    """Every session of the calendar as days since 1970-01-01, ascending (read-only)."""
    import numpy as np

    epoch = date(1970, 1, 1).toordinal()
    days = np.array([day.toordinal() - epoch for day in session_times(name)[0]], dtype=np.int64)
    days.flags.writeable = False
    return days


def session_count(first: date, last: date, name: str = "XNYS") -> int:
    """How many trading sessions from ``first`` to ``last`` inclusive (no pandas)."""
    days = session_times(name)[0]
    return max(0, bisect_right(days, last) - bisect_left(days, first))


def sessions_between(first: date, last: date, name: str = "XNYS") -> pd.DatetimeIndex:
    """Trading sessions from ``first`` to ``last`` inclusive, as tz-naive dates."""
    import pandas as pd

    days = session_times(name)[0]
    start = bisect_left(days, pd.Timestamp(first).date())
    stop = bisect_right(days, pd.Timestamp(last).date())
    return pd.DatetimeIndex(days[start:stop], dtype="datetime64[ns]")


@lru_cache(maxsize=4)
def session_times(name: str = "XNYS") -> SessionTimes:
    """Each session's date, open and close (UTC), from the cache file or, made once, from
    exchange-calendars."""
    key = f"{name}-{_FIRST_SESSION}-{_last_session_bound()}-{version('exchange-calendars')}"
    path = _cache_dir() / f"{key}.json"
    try:
        stored = json.loads(path.read_text())
    except (OSError, ValueError):
        stored = None
    if not isinstance(stored, dict) or stored.get("key") != key:
        stored = {"key": key, **_session_seconds(name)}
        _write_quietly(path, json.dumps(stored))
    days = [date.fromordinal(n) for n in stored["days"]]
    opens = [datetime.fromtimestamp(s, UTC) for s in stored["opens"]]
    closes = [datetime.fromtimestamp(s, UTC) for s in stored["closes"]]
    return days, opens, closes


def _session_seconds(name: str) -> dict[str, list[int]]:
    import pandas as pd

    schedule = calendar(name).schedule
    utc = {c: schedule[c].dt.tz_convert(UTC) for c in ("open", "close")}
    epoch = pd.Timestamp(0, tz=UTC)
    return {
        "days": [d.toordinal() for d in pd.DatetimeIndex(schedule.index).date],
        "opens": [int(s) for s in (utc["open"] - epoch) // pd.Timedelta(seconds=1)],
        "closes": [int(s) for s in (utc["close"] - epoch) // pd.Timedelta(seconds=1)],
    }


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "workbench" / "calendars"


def _write_quietly(path: Path, text: str) -> None:
    """Write beside, then rename (readers see all or nothing); a cache that cannot be written
    is only slower next time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False) as file:
            file.write(text)
    except OSError:
        return
    try:
        os.replace(file.name, path)
    except OSError:
        Path(file.name).unlink(missing_ok=True)
