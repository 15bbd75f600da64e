"""``LakeBarWriter`` on a real lake in a temporary folder: batches, corrected bars, refusals.
The bars are made up for the test (prices near AAPL's of 2023-05-25)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from workbench.core.errors import ConfigError
from workbench.data import Lake, LakeBarWriter
from workbench.model import Bar

pytestmark = pytest.mark.requirement("DAT-01")

OPEN = datetime(2023, 5, 25, 13, 30, tzinfo=UTC)


def _generated_bar(minute: int, close: float = 172.5, symbol: str = "AAPL") -> Bar:
    return Bar(
        symbol=symbol,
        timestamp=OPEN + timedelta(minutes=minute),
        open=172.0,
        high=max(173.0, close),
        low=min(171.5, close),
        close=close,
        volume=1000.0,
        trade_count=12,
    )


def test_a_batch_is_due_when_full_and_lands_on_flush(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    writer = LakeBarWriter(lake, batch_size=3, flush_after_s=3600)
    assert [writer.add(_generated_bar(m)) for m in range(3)] == [False, False, True]
    assert not writer.due()
    assert writer.flush() == 3 and writer.held == 0
    assert writer.flush() == 0
    landed = lake.bars("AAPL", timeframe="1m")
    assert landed["timestamp"].tolist() == [OPEN + timedelta(minutes=m) for m in range(3)]
    assert landed["trade_count"].tolist() == [12, 12, 12]


def test_a_corrected_bar_replaces_the_held_one_and_the_stored_one(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    writer = LakeBarWriter(lake, batch_size=10, flush_after_s=3600)
    writer.add(_generated_bar(0, close=172.5))
    writer.add(_generated_bar(0, close=172.6))
    assert writer.held == 1
    writer.flush()
    writer.add(_generated_bar(0, close=172.7))  # a late correction of a stored bar
    writer.flush()
    assert lake.bars("AAPL", timeframe="1m")["close"].tolist() == [172.7]
    assert writer.written == 2


def test_a_waiting_bar_makes_a_batch_due(tmp_path: Path) -> None:
    writer = LakeBarWriter(Lake(tmp_path / "lake"), batch_size=10, flush_after_s=0.01)
    assert not writer.due()
    writer.add(_generated_bar(0))
    deadline = datetime.now(UTC) + timedelta(seconds=5)
    while not writer.due():
        assert datetime.now(UTC) < deadline
    assert writer.flush() == 1


def test_a_batch_the_lake_cannot_store_is_counted_and_dropped(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the lake's folder should be")
    writer = LakeBarWriter(Lake(blocked), batch_size=10, flush_after_s=3600)
    writer.add(_generated_bar(0))
    writer.add(_generated_bar(1))
    assert writer.flush() == 0
    assert (writer.rejected, writer.written, writer.held) == (2, 0, 0)


@pytest.mark.parametrize(("size", "after"), [(0, 1.0), (10, 0.0)])
def test_batches_need_a_size_and_a_wait(tmp_path: Path, size: int, after: float) -> None:
    with pytest.raises(ConfigError, match="batch_size >= 1 and flush_after_s > 0"):
        LakeBarWriter(Lake(tmp_path / "lake"), batch_size=size, flush_after_s=after)
