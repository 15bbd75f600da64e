"""Walk-forward windows, the rebalance schedule and the bars panel."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.core.errors import DataError, ValidationError
from workbench.strategy import Bars, rebalance_mask, walk_forward_windows


@pytest.mark.parametrize("anchored", [False, True])
@pytest.mark.parametrize(("n", "train", "test"), [(1259, 504, 126), (100, 30, 7), (50, 49, 1)])
def test_out_of_sample_parts_never_overlap(anchored: bool, n: int, train: int, test: int) -> None:
    windows = walk_forward_windows(n, train, test, anchored=anchored)
    tested: set[int] = set()
    for window in windows:
        span = set(range(window.test_start, window.test_stop))
        assert not span & tested  # no bar is out-of-sample twice
        tested |= span
        assert window.train_stop == window.test_start  # in-sample ends where the test starts
        assert window.train_start == (0 if anchored else window.test_start - train)
        assert window.test_stop - window.test_start <= test
    assert tested == set(range(train, n))  # every bar after the first train is tested once


def test_window_errors() -> None:
    with pytest.raises(ValidationError, match="cannot hold"):
        walk_forward_windows(100, 90, 20)
    with pytest.raises(ValidationError, match="at least"):
        walk_forward_windows(100, 1, 20)


def generated_daily(days: int, symbols: tuple[str, ...] = ("GEN0",)) -> Bars:
    index = pd.bdate_range("2030-01-01", periods=days, name="date")
    close = pd.DataFrame(
        np.linspace(100, 120, days)[:, None].repeat(len(symbols), axis=1),
        index=index,
        columns=list(symbols),
    )
    return Bars.from_close(close)


def test_rebalance_mask_marks_the_first_bar_of_each_period() -> None:
    bars = generated_daily(70)
    monthly = rebalance_mask(bars, "monthly")
    assert list(bars.index[monthly].strftime("%Y-%m-%d")) == [
        "2030-01-01",
        "2030-02-01",
        "2030-03-01",
        "2030-04-01",
    ]
    assert rebalance_mask(bars, "never").sum() == 1
    assert rebalance_mask(bars, "daily").all()
    assert rebalance_mask(bars, "weekly").sum() == 15
    with pytest.raises(ValidationError, match="rebalance must be one of"):
        rebalance_mask(bars, "hourly")


def test_the_first_decision_bar_rebalances_and_warm_up_bars_never_do() -> None:
    bars = generated_daily(70)
    first = int(bars.index.searchsorted(pd.Timestamp("2030-01-15")))
    monthly = rebalance_mask(bars, "monthly", first=first)
    assert list(bars.index[monthly].strftime("%Y-%m-%d")) == [
        "2030-01-15",
        "2030-02-01",
        "2030-03-01",
        "2030-04-01",
    ]
    never = rebalance_mask(bars, "never", first=first)
    assert list(np.flatnonzero(never)) == [first]
    assert not rebalance_mask(bars, "daily", first=first)[:first].any()
    assert not rebalance_mask(bars, "daily", first=len(bars)).any()


def test_bars_slicing_and_checks() -> None:
    bars = generated_daily(10, ("GEN0", "GEN1"))
    assert len(bars.upto(bars.index[3])) == 4
    assert len(bars.iloc(2, 5)) == 3
    assert bars.select(["GEN1"]).symbols == ["GEN1"]
    with pytest.raises(DataError, match="no bars for"):
        bars.select(["NOPE"])
    with pytest.raises(DataError, match="same times and symbols"):
        Bars(bars.open, bars.high, bars.low, bars.close.iloc[:5], bars.volume)
    with pytest.raises(DataError, match="no bars in that range"):
        Bars.from_long(pd.DataFrame())


def test_daily_bars_by_session() -> None:
    stamps = pd.DatetimeIndex(["2030-01-02 05:00", "2030-01-03 05:00"], tz="UTC")
    close = pd.DataFrame({"GEN0": [1.0, 2.0]}, index=stamps)
    daily = Bars.from_close(close).by_session()
    assert list(daily.index.strftime("%Y-%m-%d")) == ["2030-01-02", "2030-01-03"]
    assert daily.index.tz is None
