"""Bars to coarser bars."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.core.errors import DataError
from workbench.data.resample import resample_bars

pytestmark = pytest.mark.requirement("DAT-06")


def minute_bars(stamps: list[str], **columns: list[float]) -> pd.DataFrame:
    count = len(stamps)
    frame = pd.DataFrame(
        {
            "symbol": "AAPL",
            "timestamp": pd.to_datetime(stamps, utc=True),
            "open": columns.get("open", [10.0] * count),
            "high": columns.get("high", [12.0] * count),
            "low": columns.get("low", [9.0] * count),
            "close": columns.get("close", [11.0] * count),
            "volume": columns.get("volume", [100.0] * count),
        }
    )
    if "vwap" in columns:
        frame["vwap"] = columns["vwap"]
    return frame


def test_daily_bars_group_by_new_york_session_and_are_stamped_at_midnight_new_york() -> None:
    bars = minute_bars(
        # 25 May 2023 in New York: pre-market, regular, and 21:00 (01:00 UTC on the 26th)
        [
            "2023-05-25 12:00",
            "2023-05-25 13:30",
            "2023-05-26 01:00",
            # 26 May 2023 in New York
            "2023-05-26 13:30",
        ],
        open=[1.0, 2.0, 3.0, 4.0],
        high=[5.0, 9.0, 6.0, 8.0],
        low=[0.5, 0.9, 0.7, 3.0],
        close=[2.0, 3.0, 4.0, 5.0],
        volume=[10.0, 20.0, 30.0, 40.0],
    )
    daily = resample_bars(bars.iloc[::-1], "1d")  # row order must not matter
    assert daily["timestamp"].tolist() == [
        pd.Timestamp("2023-05-25 04:00", tz="UTC"),
        pd.Timestamp("2023-05-26 04:00", tz="UTC"),
    ]
    first = daily.iloc[0]
    assert (first["open"], first["high"], first["low"], first["close"]) == (1.0, 9.0, 0.5, 4.0)
    assert first["volume"] == 60.0
    assert daily.iloc[1]["close"] == 5.0


def test_vwap_is_volume_weighted() -> None:
    bars = minute_bars(
        ["2023-05-25 13:30", "2023-05-25 13:31"],
        close=[10.0, 20.0],
        high=[20.0, 20.0],
        volume=[300.0, 100.0],
    )
    daily = resample_bars(bars, "1d")
    assert daily["vwap"].iloc[0] == pytest.approx((10 * 300 + 20 * 100) / 400)


def test_vwap_weights_the_bars_own_vwap_where_they_have_one() -> None:
    bars = minute_bars(
        ["2023-05-25 13:30", "2023-05-25 13:31"],
        close=[10.0, 20.0],
        high=[20.0, 20.0],
        volume=[300.0, 100.0],
        vwap=[10.5, np.nan],
    )
    daily = resample_bars(bars, "1d")
    assert daily["vwap"].iloc[0] == pytest.approx((10.5 * 300 + 20 * 100) / 400)


def test_vwap_of_a_bucket_without_volume_is_missing() -> None:
    bars = minute_bars(["2023-05-25 13:30"], volume=[0.0])
    assert np.isnan(resample_bars(bars, "1d")["vwap"].iloc[0])


def test_intraday_buckets_on_the_clock() -> None:
    stamps = [f"2023-05-25 13:{m:02d}" for m in range(30, 40)]
    bars = minute_bars(
        stamps, close=[float(i) for i in range(10)], high=[20.0] * 10, low=[0.0] * 10
    )
    five = resample_bars(bars, "5m")
    assert five["timestamp"].dt.strftime("%H:%M").tolist() == ["13:30", "13:35"]
    assert five["close"].tolist() == [4.0, 9.0]
    assert five["volume"].tolist() == [500.0, 500.0]


def test_symbols_are_kept_apart() -> None:
    bars = pd.concat(
        [
            minute_bars(["2023-05-25 13:30"]),
            minute_bars(["2023-05-25 13:30"]).assign(symbol="MSFT", close=99.0, high=99.0),
        ]
    )
    daily = resample_bars(bars, "1d")
    assert daily.set_index("symbol")["close"].to_dict() == {"AAPL": 11.0, "MSFT": 99.0}


def test_an_unknown_target_is_refused() -> None:
    with pytest.raises(DataError, match="cannot resample to '1w'"):
        resample_bars(minute_bars(["2023-05-25 13:30"]), "1w")


def test_trade_counts_add_up_and_stay_missing_where_unknown() -> None:
    bars = minute_bars(["2023-05-25 13:30", "2023-05-25 13:31", "2023-05-26 13:30"])
    bars["trade_count"] = pd.array([5, 7, pd.NA], dtype="Int64")
    daily = resample_bars(bars, "1d")
    assert daily["trade_count"].tolist()[0] == 12
    assert daily["trade_count"].isna().tolist() == [False, True]
