"""The bundled real data, ingested into a lake on disk and read back."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from workbench.core.errors import DataError, NotFound
from workbench.data import Lake
from workbench.data.sample import SAMPLE_DATASETS, load_sample, read_sample, symbol_table
from workbench.model import to_plain

pytestmark = pytest.mark.requirement("DAT-03")

SHARED_DATA = Path(__file__).resolve().parents[4] / "shared" / "data"
TOP60_CSV = SHARED_DATA / "daily" / "sp500_5yr_top60_ohlcv.csv"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Lake, list]]:
    lake = Lake(tmp_path_factory.mktemp("sample") / "lake")
    reports = load_sample(lake)
    yield lake, reports
    lake.close()


@pytest.fixture(scope="module")
def lake(loaded: tuple[Lake, list]) -> Lake:
    return loaded[0]


def source_row(symbol: str, day: str) -> dict[str, str]:
    """The row of the published CSV (not the bundled copy) for one symbol and date."""
    if not TOP60_CSV.exists():
        pytest.skip(f"the source CSV is not at {TOP60_CSV}")
    with TOP60_CSV.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Name"] == symbol and row["date"] == day:
                return row
    raise AssertionError(f"{symbol} {day} is not in {TOP60_CSV}")


def top60() -> list[str]:
    table = symbol_table()
    return sorted(
        table.loc[table["asset_class"] == "us_equity", "symbol"].drop(
            index=table.index[table["symbol"] == "SPY"], errors="ignore"
        )
    )


def test_every_dataset_is_loaded_with_its_row_count(loaded: tuple[Lake, list]) -> None:
    lake, reports = loaded
    written = {r.dataset: r.new for r in reports}
    assert list(written) == list(SAMPLE_DATASETS)
    # 75,540 (60 stocks) + 2 x 5,031 (^GSPC, ^IXIC) + 2,519 + 92 (SPY) - 2 SPY rows dropped
    assert written["bars_1d"] == 88_211
    assert written == {"bars_1d": 88_211, "bars_30m": 7_110, "bars_5m": 5_359, "bars_1m": 6_253}
    for dataset in SAMPLE_DATASETS:
        count = lake.sql(f"select count(*) as n from lake('{dataset}')")["n"].iloc[0]
        assert count == written[dataset]


def test_the_two_bad_spy_rows_are_dropped_and_reported(loaded: tuple[Lake, list]) -> None:
    lake, reports = loaded
    daily = reports[0].quality
    assert daily.policy == "drop"
    assert daily.rows_in == 88_213
    assert daily.rows_rejected == 2
    assert daily.count("ohlc") == 2
    spy = lake.bars("SPY", "2015-03-01", "2015-03-31")
    days = set(spy["timestamp"].dt.tz_convert("America/New_York").dt.date)
    assert date(2015, 3, 5) not in days
    assert date(2015, 3, 30) not in days
    assert date(2015, 3, 6) in days


def test_the_top_60_panel_is_complete(lake: Lake) -> None:
    symbols = top60()
    assert len(symbols) == 60
    bars = lake.bars(symbols)
    assert len(bars) == 75_540
    assert bars.groupby("symbol").size().eq(1259).all()
    prices = lake.prices(symbols)
    assert prices.shape == (1259, 60)
    assert not prices.isna().any().any()


@pytest.mark.parametrize("day", ["2017-08-01", "2014-06-09", "2014-06-06", "2013-02-08"])
def test_values_match_the_published_csv(lake: Lake, day: str) -> None:
    published = source_row("AAPL", day)
    bar = lake.bars("AAPL", day, day)
    assert len(bar) == 1
    row = bar.iloc[0]
    assert row["timestamp"] == pd.Timestamp(day, tz="America/New_York").tz_convert("UTC")
    for column in ("open", "high", "low", "close", "volume"):
        assert row[column] == float(published[column]), column


def test_known_values(lake: Lake) -> None:
    assert lake.bars("AAPL", "2017-08-01", "2017-08-01")["close"].iloc[0] == 158.59
    # the first day after the 7:1 split: no break in the split-adjusted series
    around = lake.bars("AAPL", "2014-06-06", "2014-06-09")["close"].tolist()
    assert around == [92.2242, 93.7]


def test_reads_return_utc_timestamps_sorted_by_symbol_and_time(lake: Lake) -> None:
    bars = lake.bars(["MSFT", "AAPL"], date(2018, 1, 2), date(2018, 1, 5))
    assert bars["symbol"].tolist() == ["AAPL"] * 4 + ["MSFT"] * 4
    assert str(bars["timestamp"].dtype) == "datetime64[us, UTC]"
    assert bars.groupby("symbol")["timestamp"].apply(lambda s: s.is_monotonic_increasing).all()
    assert list(bars.columns) == [
        "symbol",
        "timestamp",
        "open",
        "high",
        "low",
        "close",
        "volume",
        "trade_count",
        "vwap",
    ]


def test_date_bounds_are_inclusive_new_york_dates(lake: Lake) -> None:
    year = lake.bars("AAPL", "2017-01-01", "2017-12-31")
    assert len(year) == 251
    assert year["timestamp"].iloc[0] == pd.Timestamp("2017-01-03", tz="America/New_York")
    assert year["timestamp"].iloc[-1] == pd.Timestamp("2017-12-29", tz="America/New_York")


def test_latest_bar_of_the_60_stocks(lake: Lake) -> None:
    latest = lake.latest(top60())
    assert len(latest) == 60
    assert set(latest["timestamp"]) == {pd.Timestamp("2018-02-07", tz="America/New_York")}
    aapl = latest.set_index("symbol").loc["AAPL"]
    assert aapl["close"] == float(source_row("AAPL", "2018-02-07")["close"])


def test_latest_of_every_symbol(lake: Lake) -> None:
    latest = lake.latest().set_index("symbol")
    assert len(latest) == 63
    assert latest.loc["SPY", "timestamp"] == pd.Timestamp("2021-01-12", tz="America/New_York")
    assert latest.loc["^GSPC", "timestamp"] == pd.Timestamp("2018-12-31", tz="America/New_York")
    minute = lake.latest(dataset="bars_1m")
    assert minute["symbol"].tolist() == ["AAPL", "GOOGL", "TSLA"]


def test_latest_rows_are_latest_without_pandas(lake: Lake) -> None:
    """The API's hot read: the same plain values as the frame gives, missing ones None."""
    for symbols, dataset in ((None, "bars_1d"), (["AAPL"], "bars_1m")):
        assert to_plain(lake.latest_rows(symbols, dataset)) == to_plain(
            lake.latest(symbols, dataset)
        )
    with pytest.raises(NotFound):
        lake.latest_rows(["AAPL", "NOPE"])


def test_duckdb_sql_over_the_lake(lake: Lake) -> None:
    assert lake.sql("select count(*) as n from lake('bars_1d')")["n"].iloc[0] == 88_211
    top = lake.sql(
        "select symbol, max(close) as high from lake('bars_1d') where symbol = ? group by symbol",
        ["AAPL"],
    )
    assert top["symbol"].tolist() == ["AAPL"]
    assert top["high"].iloc[0] == lake.bars("AAPL")["close"].max()
    with pytest.raises(NotFound, match="unknown bar timeframe '5d'"):
        lake.sql("select * from lake('bars_5d')")
    with pytest.raises(DataError, match=r"query failed: .*nope"):
        lake.sql("select nope from lake('bars_1d')")


def test_coverage_counts_missing_sessions(lake: Lake) -> None:
    coverage = lake.coverage("bars_1d").set_index("symbol")
    assert coverage.loc["AAPL", "rows"] == 1259
    assert coverage.loc["AAPL", "missing_sessions"] == 0
    assert coverage.loc["^GSPC", "missing_sessions"] == 0
    # SPY: 3,282 XNYS sessions from 2007-12-31 to 2021-01-12; 2,609 rows stored
    assert coverage.loc["SPY", "rows"] == 2_609
    assert coverage.loc["SPY", "missing_sessions"] == 3_282 - 2_609
    everything = lake.coverage()
    assert set(everything["dataset"]) == set(SAMPLE_DATASETS)


def test_quality_of_the_lake_reports_the_known_defects(lake: Lake) -> None:
    report = lake.quality("bars_1d", ["EBAY", "AAPL"])
    assert report.ok
    jumps = next(i for i in report.issues if i.rule == "jump")
    assert "EBAY" in set(jumps.rows["symbol"])


def test_unknown_symbols_are_not_found(lake: Lake) -> None:
    with pytest.raises(NotFound, match=r"unknown symbol.*NOPE"):
        lake.bars("NOPE")
    with pytest.raises(NotFound):
        lake.latest(["AAPL", "NOPE"])


def test_resample_from_the_lake(lake: Lake) -> None:
    daily = lake.resample("AAPL", "1m", "1d")
    assert daily["timestamp"].dt.tz_convert("America/New_York").dt.strftime(
        "%Y-%m-%d"
    ).tolist() == ["2023-05-24", "2023-05-25", "2023-05-26"]
    minute = lake.bars("AAPL", timeframe="1m")
    may25 = minute[minute["timestamp"].dt.tz_convert("America/New_York").dt.day == 25]
    assert daily["volume"].iloc[1] == may25["volume"].sum()
    assert daily["high"].iloc[1] == may25["high"].max()


def test_the_bundled_files_are_what_the_provenance_says() -> None:
    daily = read_sample("bars_1d")
    assert len(daily) == 88_213
    assert daily.groupby("symbol").size()["SPY"] == 2_611
