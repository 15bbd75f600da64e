"""Importing CSV and Parquet files through ``workbench.ops.data.import_file``."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from workbench.core.errors import DataError, NotFound, ValidationError
from workbench.ops import data as ops
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("DAT-05")

SHARED_DATA = Path(__file__).resolve().parents[4] / "shared" / "data"

GOOD = """date,open,high,low,close,volume,Name
2017-07-31,149.9,150.33,148.13,148.73,19845920,AAPL
2017-08-01,149.1,150.22,148.41,150.05,35368645,AAPL
2017-08-02,159.28,159.75,156.16,157.14,69936800,AAPL
"""


@pytest.fixture
def rt() -> Runtime:
    runtime = Runtime.from_settings()
    yield runtime
    runtime.data.close()


def shared(relative: str) -> Path:
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"{path} is not there")
    return path


def write(tmp_path: Path, text: str, name: str = "bars.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def lake_files(rt: Runtime) -> list[Path]:
    return sorted(rt.data.root.rglob("*.parquet")) if rt.data.root.exists() else []


def test_a_csv_is_imported_with_date_only_rows_stamped_at_midnight_new_york(
    rt: Runtime, tmp_path: Path
) -> None:
    report = ops.import_file(rt, write(tmp_path, GOOD))
    assert report.new == 3
    bars = rt.data.bars("AAPL")
    assert bars["timestamp"].tolist() == [
        pd.Timestamp(f"2017-{d} 04:00", tz="UTC") for d in ("07-31", "08-01", "08-02")
    ]
    assert bars["close"].tolist() == [148.73, 150.05, 157.14]
    assert bars["volume"].iloc[1] == 35_368_645


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD.replace("close,", "last_price,"), r"missing column\(s\) close for bars_1d"),
        (GOOD.replace("150.05", "150.O5"), r"line 3: column 'close': '150.O5' is not a number"),
        (
            GOOD.replace("159.75,156.16", "156.16,159.75"),
            r"ohlc: line 4: low 159.75 is above high 156.16",
        ),
        (GOOD.replace("2017-08-02", "2017-08-32"), r"line 4: timestamp '2017-08-32' is not a"),
        (GOOD.replace("2017-08-02", "soon"), r"line 4: timestamp 'soon' is not a date/time"),
        (
            GOOD + "2017-08-01,149.1,150.22,148.41,150.05,35368645,AAPL\n",
            r"duplicate: line 5: AAPL",
        ),
    ],
    ids=["wrong-column", "text-in-price", "high-low-reversed", "bad-date", "no-date", "duplicate"],
)
def test_a_malformed_csv_gives_one_clear_message_and_writes_nothing(
    rt: Runtime, tmp_path: Path, text: str, expected: str
) -> None:
    ops.import_file(rt, write(tmp_path, GOOD.replace("AAPL", "MSFT"), "other.csv"))
    before = {p: p.read_bytes() for p in lake_files(rt)}
    path = write(tmp_path, text)
    with pytest.raises(ValidationError, match=expected) as caught:
        ops.import_file(rt, path)
    message = caught.value.message
    assert str(path) in message
    assert "\n" not in message
    assert {p: p.read_bytes() for p in lake_files(rt)} == before
    assert rt.data.symbols() == ["MSFT"]


def test_a_missing_or_unsupported_file(rt: Runtime, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no such file"):
        ops.import_file(rt, tmp_path / "nope.csv")
    with pytest.raises(DataError, match="unsupported file type"):
        ops.import_file(rt, write(tmp_path, "x", "bars.xlsx"))


def test_column_mapping_names_what_the_synonyms_do_not_know(rt: Runtime, tmp_path: Path) -> None:
    text = (
        "Day,Ticker,PX_OPEN,PX_HIGH,PX_LOW,PX_LAST,PX_VOLUME,Close\n"
        "2017-08-01,AAPL,149.1,150.22,148.41,150.05,35368645,999\n"
    )
    mapping = {
        "Day": "timestamp",
        "PX_OPEN": "open",
        "PX_HIGH": "high",
        "PX_LOW": "low",
        "PX_LAST": "close",
        "PX_VOLUME": "volume",
    }
    report = ops.import_file(rt, write(tmp_path, text), mapping=mapping)
    assert report.new == 1
    bar = rt.data.bars("AAPL").iloc[0]
    assert (bar["open"], bar["high"], bar["low"], bar["close"], bar["volume"]) == (
        149.1,
        150.22,
        148.41,
        150.05,
        35368645.0,
    )  # the mapped PX_LAST wins over "Close"
    assert bar["timestamp"] == pd.Timestamp("2017-08-01", tz="America/New_York")


def test_a_yahoo_file_with_a_symbol_option(rt: Runtime) -> None:
    source = shared("daily/spy_2008_2017_ohlcv.csv")
    report = ops.import_file(rt, source, symbol="spy", policy="drop")
    assert report.new == 2519 - 2  # the two Yahoo glitch rows
    assert report.quality.count("ohlc") == 2
    raw = pd.read_csv(source)
    stored = rt.data.bars("SPY", "2008-01-02", "2008-01-02").iloc[0]
    published = raw.loc[raw["Date"] == "2008-01-02"].iloc[0]
    assert stored["close"] == published["Close"]  # "Adj Close" is not mistaken for close


def test_a_mapping_to_an_unknown_column_is_refused(rt: Runtime, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="unknown target"):
        ops.import_file(rt, write(tmp_path, GOOD), mapping={"close": "price_close"})
    with pytest.raises(DataError, match=r"mapped column.*Px Last.*not in the file"):
        ops.import_file(rt, write(tmp_path, GOOD), mapping={"Px Last": "close"})


def test_month_first_dates_and_a_symbol_option(rt: Runtime) -> None:
    report = ops.import_file(rt, shared("daily/gspc_1999_2018_ohlcv.csv"), symbol="^GSPC")
    assert report.new == 5031
    first = rt.data.bars("^GSPC").iloc[0]
    assert first["timestamp"] == pd.Timestamp("1999-01-04", tz="America/New_York")
    assert first["close"] == 1228.099976


def test_a_file_with_holes_imports_with_gap_warnings(rt: Runtime) -> None:
    report = ops.import_file(rt, shared("daily/tsla_2010_2023_ohlcv.csv"), symbol="TSLA")
    assert report.new == 2981
    gaps = next(i for i in report.quality.issues if i.rule == "gap")
    assert gaps.severity == "warning"
    # five holes of about 70 days: 2010-10-27..2011-01-06 ... 2019-08-01..2019-10-10
    assert gaps.count == 240
    sessions = pd.to_datetime(gaps.rows["session"])
    assert sessions.min() == pd.Timestamp("2010-10-28")
    assert sessions.max() == pd.Timestamp("2019-10-09")


def test_naive_intraday_times_need_a_timezone(rt: Runtime, tmp_path: Path) -> None:
    source = shared("intraday/spx_1min_2019-11-05_08_with_volume.csv")
    with pytest.raises(
        ValidationError,
        match=r"line 2: timestamp '2019-11-05 09:30:00' has no "
        r"timezone; give one \(e.g. --tz",
    ):
        ops.import_file(rt, source, dataset="bars_1m", symbol="^GSPC")
    assert lake_files(rt) == []
    report = ops.import_file(rt, source, dataset="bars_1m", symbol="^GSPC", tz="America/New_York")
    assert report.new == 1563
    bars = rt.data.bars("^GSPC", timeframe="1m")
    assert bars["timestamp"].iloc[0] == pd.Timestamp("2019-11-05 14:30", tz="UTC")
    first = bars.iloc[0]
    # the file's columns are Date,Open,Close,High,Low,Volume: matched by name, not position
    assert (first["open"], first["close"], first["high"], first["low"]) == (
        3080.8,
        3080.49,
        3081.47,
        3080.3,
    )


def test_utc_intraday_files_with_index_columns(rt: Runtime) -> None:
    report = ops.import_file(
        rt, shared("intraday/aapl_1min_2023-05.csv"), dataset="bars_1m", symbol="AAPL"
    )
    assert report.new == len(pd.read_csv(shared("intraday/aapl_1min_2023-05.csv")))
    assert rt.data.bars("AAPL", timeframe="1m")["timestamp"].iloc[0] == pd.Timestamp(
        "2023-05-24 21:16", tz="UTC"
    )


def test_parquet_and_gzipped_csv_files(rt: Runtime, tmp_path: Path) -> None:
    frame = pd.read_csv(write(tmp_path, GOOD))
    frame["date"] = pd.to_datetime(frame["date"]).dt.tz_localize("America/New_York")
    frame.to_parquet(tmp_path / "bars.parquet")
    report = ops.import_file(rt, tmp_path / "bars.parquet")
    assert report.new == 3
    with gzip.open(tmp_path / "more.csv.gz", "wt") as handle:
        handle.write(GOOD.replace("AAPL", "MSFT"))
    assert ops.import_file(rt, tmp_path / "more.csv.gz").new == 3
    assert rt.data.symbols() == ["AAPL", "MSFT"]


@pytest.mark.slow
def test_the_505_stock_file_with_its_known_defects(rt: Runtime) -> None:
    source = shared("daily/sp500_5yr_all505_ohlcv.csv.gz")
    with pytest.raises(ValidationError, match="rejected, nothing written") as caught:
        ops.import_file(rt, source)
    rejected = caught.value.report
    # PROVENANCE.md: 27 empty prices (in 11 rows), 1 high below open/close, 11 lows above
    # open/close (LNT 2016-05-19 among them; 12 rows in all), 4 days of zero volume
    assert rejected.count("missing_value") == 11
    assert rejected.count("ohlc") == 12
    assert rejected.count("zero_volume") == 4
    assert lake_files(rt) == []
    report = ops.import_file(rt, source, policy="drop")
    assert report.new == 619_040 - 11 - 12
    assert len(rt.data.symbols()) == 505
    assert rt.data.bars("LNT", "2016-05-18", "2016-05-20")["timestamp"].dt.day.tolist() == [18, 20]
