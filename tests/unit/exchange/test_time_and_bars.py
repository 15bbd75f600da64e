"""The calendar, the replay clock and the bar feed: when things are known."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from workbench.core.errors import DataError
from workbench.data.lake import Lake
from workbench.data.sample import read_sample
from workbench.exchange.clock import MAX_SPEED, ExchangeClock
from workbench.exchange.feed import FrameBarFeed, LakeBarFeed, timeframe_delta
from workbench.exchange.sessions import NEW_YORK, ExchangeCalendar


def _ny(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NEW_YORK).astimezone(UTC)


def test_the_calendar_knows_holidays_early_closes_and_extended_hours(
    calendar: ExchangeCalendar,
) -> None:
    assert calendar.session_on(date(2017, 7, 4)) is None
    early = calendar.session_on(date(2017, 11, 24))
    assert early is not None
    assert early.close == _ny(date(2017, 11, 24), 13)
    assert early.after_hours_end == _ny(date(2017, 11, 24), 17)
    assert early.premarket == _ny(date(2017, 11, 24), 4)
    saturday = _ny(date(2017, 1, 7), 12)
    after = calendar.session_at_or_after(saturday)
    assert after is not None and after.date == date(2017, 1, 9)
    assert not calendar.is_open(saturday)
    assert calendar.next_open(saturday) == _ny(date(2017, 1, 9), 9, 30)
    assert calendar.previous_close(saturday) == _ny(date(2017, 1, 6), 16)


def test_the_replay_clock_runs_at_its_speed_and_only_forward() -> None:
    wall = [0.0]
    start = datetime(2017, 1, 3, 14, 29, tzinfo=UTC)
    clock = ExchangeClock(start, speed=60, wall=lambda: wall[0])
    wall[0] = 2.0
    assert clock.now() == start + timedelta(minutes=2)
    clock.advance(timedelta(hours=1))
    assert clock.now() == start + timedelta(hours=1, minutes=2)
    clock.set_speed(0)
    wall[0] = 100.0
    assert clock.now() == start + timedelta(hours=1, minutes=2)
    with pytest.raises(DataError, match="forward"):
        clock.set(start)


def test_the_replay_clock_stops_at_its_end_whatever_the_speed_or_the_wait() -> None:
    wall = [0.0]
    start = datetime(2017, 1, 3, 14, 29, tzinfo=UTC)
    end = datetime(2027, 12, 3, 23, tzinfo=UTC)
    clock = ExchangeClock(start, speed=MAX_SPEED, wall=lambda: wall[0], end=end)
    wall[0] = 1e12  # thirty thousand years of running: far past datetime's range
    assert clock.now() == end
    with pytest.raises(DataError, match="end of the exchange's calendar"):
        clock.advance(timedelta(seconds=1))
    with pytest.raises(DataError, match="end of the exchange's calendar"):
        clock.set(datetime(9999, 12, 31, tzinfo=UTC))
    assert clock.now() == end


@pytest.mark.parametrize("speed", [-1.0, MAX_SPEED * 2, 1e308, float("inf"), float("nan")])
def test_the_replay_clock_refuses_a_speed_out_of_range(speed: float) -> None:
    start = datetime(2017, 1, 3, 14, 29, tzinfo=UTC)
    with pytest.raises(DataError, match="speed must be between 0 and"):
        ExchangeClock(start, speed=speed)
    clock = ExchangeClock(start)
    with pytest.raises(DataError, match="speed must be between 0 and"):
        clock.set_speed(speed)
    assert clock.speed == 0
    with pytest.raises(DataError, match="calendar"):
        ExchangeClock(start, end=start).advance(timedelta(weeks=99999999))


def test_daily_bars_open_at_the_bell_and_complete_at_the_close(calendar: ExchangeCalendar) -> None:
    rows = read_sample("bars_1d").query("symbol == 'AAPL'").sort_values("timestamp")
    feed = FrameBarFeed(lambda symbol: rows, calendar, "1d")
    jan3 = date(2017, 1, 3)
    (slot,) = feed.slots("AAPL", _ny(jan3, 9), _ny(jan3, 12))
    assert (slot.opens_at, slot.closes_at) == (_ny(jan3, 9, 30), _ny(jan3, 16))
    before = feed.last_trade("AAPL", _ny(jan3, 9))
    during = feed.last_trade("AAPL", _ny(jan3, 12))
    after = feed.last_trade("AAPL", _ny(jan3, 16))
    assert before is not None and during is not None and after is not None
    assert (str(before.price), str(during.price), str(after.price)) == ("115.82", "115.8", "116.15")
    assert feed.last_trade("AAPL", datetime(2000, 1, 1, tzinfo=UTC)) is None


def test_minute_bars_outside_the_session_are_extended_hours(calendar: ExchangeCalendar) -> None:
    rows = read_sample("bars_1m").query("symbol == 'AAPL'").sort_values("timestamp")
    feed = FrameBarFeed(lambda symbol: rows, calendar, "1m")
    day = date(2023, 5, 25)
    slots = feed.slots("AAPL", _ny(day, 9, 28), _ny(day, 9, 31))
    # 09:28 (closes in the window), 09:29, 09:30 and 09:31 (opens in it)
    assert [s.regular for s in slots] == [False, False, True, True]
    assert slots[1].closes_at - slots[1].opens_at == timedelta(minutes=1)


def test_unknown_symbols_have_no_bars_and_timeframes_are_checked(
    calendar: ExchangeCalendar,
) -> None:
    def missing(symbol: str) -> None:
        raise DataError(f"unknown symbol {symbol}")

    feed = FrameBarFeed(missing, calendar, "1d")
    assert (
        feed.slots("ZZZZ", datetime(2017, 1, 1, tzinfo=UTC), datetime(2018, 1, 1, tzinfo=UTC)) == []
    )
    assert timeframe_delta("30m") == timedelta(minutes=30)
    with pytest.raises(DataError, match="timeframe"):
        timeframe_delta("1x")


@pytest.mark.parametrize("timeframe", ["1d", "1m"])
def test_the_lake_feed_reads_arrow_tables_into_the_same_bars_as_frames(
    tmp_path: Path, calendar: ExchangeCalendar, timeframe: str
) -> None:
    lake = Lake(tmp_path / "lake")
    rows = read_sample(f"bars_{timeframe}").query("symbol in ('AAPL', 'TSLA', 'SPY')")
    lake.ingest(rows, f"bars_{timeframe}", policy="drop")
    symbol = "AAPL"
    from_frames = FrameBarFeed(lambda s: lake.bars(s, timeframe=timeframe), calendar, timeframe)
    from_tables = LakeBarFeed(lake, calendar, timeframe)
    span = datetime(1990, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC)
    expected = from_frames.slots(symbol, *span)
    assert expected  # the comparison is over real bars
    assert from_tables.slots(symbol, *span) == expected
    assert all(s.bar.timestamp.tzinfo == UTC for s in from_tables.slots(symbol, *span))
    assert lake.bars_table(symbol, timeframe=timeframe).num_rows == len(
        lake.bars(symbol, timeframe=timeframe)
    )
    empty = lake.bars_table(symbol, start="2029-01-01", timeframe=timeframe)
    assert (empty.num_rows, empty.column_names[:2]) == (0, ["timestamp", "open"])
