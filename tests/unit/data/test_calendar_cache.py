"""The session table is kept in a cache file and is exactly exchange-calendars' schedule."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pandas as pd
import pytest

from workbench.data import calendar as cal


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cal.session_times.cache_clear()
    yield tmp_path / "workbench" / "calendars"
    cal.session_times.cache_clear()


def test_the_sessions_are_the_calendars_and_are_kept_in_a_file(cache_home: Path) -> None:
    days, opens, closes = cal.session_times()
    schedule = cal.calendar().schedule
    assert days == list(pd.DatetimeIndex(schedule.index).date)
    assert opens == list(schedule["open"].dt.tz_convert(UTC).dt.to_pydatetime())
    assert closes == list(schedule["close"].dt.tz_convert(UTC).dt.to_pydatetime())
    assert all(moment.tzinfo == UTC for moment in opens[:3] + closes[-3:])
    (kept,) = cache_home.iterdir()
    assert kept.name.startswith("XNYS-") and kept.suffix == ".json"
    cal.session_times.cache_clear()
    assert cal.session_times() == (days, opens, closes)  # read back from the file


def test_a_damaged_cache_file_is_made_again(cache_home: Path) -> None:
    expected = cal.session_times()
    (kept,) = cache_home.iterdir()
    kept.write_text("{not json")
    cal.session_times.cache_clear()
    assert cal.session_times() == expected
    assert kept.read_text().startswith('{"key"')


def test_an_unwritable_cache_only_costs_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # a file where a folder should be
    cal.session_times.cache_clear()
    try:
        days, _, _ = cal.session_times()
    finally:
        cal.session_times.cache_clear()
    assert len(days) > 9000
