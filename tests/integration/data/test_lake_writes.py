"""Writes to a lake on disk: layout, idempotent merges, upserts and the validation policies."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from workbench.core.errors import ValidationError
from workbench.data import Lake
from workbench.data.sample import load_sample
from workbench.testing import generated_bars

pytestmark = pytest.mark.requirement("DAT-01", "PRF-13")


def partition_files(root: Path) -> dict[Path, int]:
    """Every file under the lake (locks included) with its modification time."""
    return {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


def daily(symbol: str = "GEN0", rows: int = 600, seed: int = 0) -> pd.DataFrame:
    """Generated daily bars on consecutive calendar days (gap warnings do not matter here)."""
    return generated_bars(1, rows, freq="1D", start="2021-06-01 04:00", seed=seed).assign(
        symbol=symbol
    )


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    return Lake(tmp_path / "lake")


def test_partitions_are_one_file_per_symbol_and_year(lake: Lake) -> None:
    report = lake.ingest(daily(), "bars_1d")
    assert report.new == 600
    assert report.partitions_written == 3  # 2021, 2022, 2023
    files = sorted(p.relative_to(lake.root) for p in lake.root.rglob("*.parquet"))
    assert [str(f) for f in files] == [
        f"bars_1d/symbol=GEN0/year={y}/part-0.parquet" for y in (2021, 2022, 2023)
    ]
    stored = pq.read_table(lake.root / files[0])
    assert stored.schema.names[0] == "timestamp"
    assert "symbol" not in stored.schema.names  # it lives in the path
    stamps = stored.column("timestamp").to_pandas()
    assert stamps.is_monotonic_increasing
    assert not list(lake.root.rglob("*.tmp"))


def test_a_second_load_of_the_sample_writes_nothing(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    first = load_sample(lake)
    before = partition_files(lake.root)
    second = load_sample(lake)
    assert [r.new for r in second] == [0, 0, 0, 0]
    assert [r.partitions_written for r in second] == [0, 0, 0, 0]
    assert [r.unchanged for r in second] == [r.new for r in first]
    assert partition_files(lake.root) == before


def test_new_rows_merge_into_existing_partitions(lake: Lake) -> None:
    frame = daily()
    lake.ingest(frame.iloc[:300], "bars_1d")
    report = lake.ingest(frame.iloc[250:], "bars_1d")
    assert (report.new, report.unchanged, report.conflicting) == (300, 50, 0)
    stored = lake.bars("GEN0")
    assert len(stored) == 600
    assert stored["close"].tolist() == pytest.approx(frame["close"].tolist())


def test_changed_values_are_kept_without_upsert_and_counted_as_conflicting(lake: Lake) -> None:
    frame = daily()
    lake.ingest(frame, "bars_1d")
    before = partition_files(lake.root)
    changed = frame.iloc[10:20].assign(
        close=lambda f: f["close"] * 1.01, high=lambda f: f["high"] * 1.02
    )
    report = lake.ingest(changed, "bars_1d")
    assert (report.new, report.replaced, report.conflicting, report.unchanged) == (0, 0, 10, 0)
    assert report.partitions_written == 0
    assert partition_files(lake.root) == before
    assert lake.bars("GEN0")["close"].tolist() == pytest.approx(frame["close"].tolist())


def test_upsert_replaces_only_the_rows_that_differ(lake: Lake) -> None:
    frame = daily()
    lake.ingest(frame, "bars_1d")
    batch = frame.iloc[:20].copy()
    batch.loc[batch.index[5:10], "close"] *= 1.01
    batch.loc[batch.index[5:10], "high"] *= 1.02
    extra = daily(rows=610).iloc[600:]
    report = lake.ingest(pd.concat([batch, extra]), "bars_1d", upsert=True)
    assert (report.new, report.replaced, report.unchanged, report.conflicting) == (10, 5, 15, 0)
    stored = lake.bars("GEN0")
    assert len(stored) == 610
    expected = pd.concat([batch, frame.iloc[20:], extra])["close"]
    assert stored["close"].tolist() == pytest.approx(expected.tolist())
    assert stored["timestamp"].is_monotonic_increasing


def test_optional_columns_survive_a_merge(lake: Lake) -> None:
    frame = daily(rows=10).assign(trade_count=np.arange(10) * 100, vwap=lambda f: f["close"])
    frame["trade_count"] = frame["trade_count"].astype("Int64")
    frame.loc[3, "trade_count"] = pd.NA
    lake.ingest(frame.iloc[:5], "bars_1d")
    lake.ingest(frame.iloc[5:].drop(columns=["vwap"]), "bars_1d")
    stored = lake.bars("GEN0")
    assert str(stored["trade_count"].dtype) == "Int64"
    assert stored["trade_count"].isna().tolist() == [False, False, False, True] + [False] * 6
    assert stored["trade_count"].iloc[9] == 900
    assert stored["vwap"].isna().sum() == 5
    report = lake.ingest(frame.iloc[:5], "bars_1d")
    assert report.unchanged == 5  # NA equals NA


def test_reject_writes_nothing(lake: Lake) -> None:
    frame = daily()
    frame.loc[599, "low"] = frame.loc[599, "high"] + 1
    with pytest.raises(ValidationError) as caught:
        lake.ingest(frame, "bars_1d")
    assert caught.value.report.count("ohlc") == 1
    assert not list(lake.root.rglob("*.parquet"))
    assert lake.is_empty()


def test_drop_writes_the_good_rows(lake: Lake) -> None:
    frame = daily()
    frame.loc[[3, 400], "volume"] = -1.0
    report = lake.ingest(frame, "bars_1d", policy="drop")
    assert report.new == 598
    assert report.quality.rows_rejected == 2
    assert report.quality.count("negative") == 2
    assert len(lake.bars("GEN0")) == 598


def test_warn_writes_every_storable_row(lake: Lake) -> None:
    frame = daily()
    frame.loc[3, "low"] = frame.loc[3, "high"] + 1
    frame.loc[4, "close"] = np.nan
    report = lake.ingest(frame, "bars_1d", policy="warn")
    assert report.new == 599
    assert report.quality.count("ohlc") == 1
    stored = lake.bars("GEN0")
    assert (stored["low"] > stored["high"]).sum() == 1


def test_symbols_with_a_slash_get_their_own_partition(lake: Lake) -> None:
    lake.ingest(daily("BTC/USD", rows=5), "bars_1d")
    lake.ingest(daily("BTC", rows=3), "bars_1d")
    assert lake.symbols() == ["BTC", "BTC/USD"]
    assert len(lake.bars("BTC/USD")) == 5
    assert set(lake.bars(["BTC", "BTC/USD"])["symbol"]) == {"BTC", "BTC/USD"}
    assert lake.latest()["symbol"].tolist() == ["BTC", "BTC/USD"]


def test_progress_is_reported_per_partition(lake: Lake) -> None:
    calls: list[tuple[int, int, str]] = []
    lake.ingest(
        daily(), "bars_1d", progress=lambda done, total, label: calls.append((done, total, label))
    )
    assert [c[:2] for c in calls] == [(1, 3), (2, 3), (3, 3)]
    assert {c[2] for c in calls} == {f"bars_1d GEN0 {y}" for y in (2021, 2022, 2023)}


def test_minute_bars_of_several_symbols(lake: Lake) -> None:
    frame = generated_bars(symbols=3, rows=5_000, start="2023-12-28 13:30")
    report = lake.ingest(frame, "bars_1m")
    assert report.new == 15_000
    assert report.partitions_written == 6  # three symbols across 2023 and 2024
    back = lake.bars(["GEN0", "GEN1", "GEN2"], timeframe="1m")
    expected = frame.sort_values(["symbol", "timestamp"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(back[expected.columns], expected, check_dtype=False)
