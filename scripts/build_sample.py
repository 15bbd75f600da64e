"""Rebuild workbench/data/sample/*.parquet from the real data in ../shared/data.

Run from the project root: ``.venv/bin/python scripts/build_sample.py [SHARED_DATA_DIR]``.
Numbers are copied as published (see PROVENANCE.md): columns are renamed, dates become UTC
timestamps (daily bars at midnight New York time, as Alpaca stamps them), and files are
concatenated; nothing is filled, adjusted or dropped here. Rows the lake's validation rejects
are reported (and left out) when the sample is loaded, not hidden at build time.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "workbench" / "data" / "sample"
NEW_YORK = "America/New_York"
COLUMNS = ["symbol", "timestamp", "open", "high", "low", "close", "volume"]


def daily_at_new_york_midnight(dates: pd.Series) -> pd.Series:
    return pd.to_datetime(dates).dt.tz_localize(NEW_YORK).dt.tz_convert("UTC")


def top60(data: Path) -> pd.DataFrame:
    frame = pd.read_csv(data / "daily" / "sp500_5yr_top60_ohlcv.csv")
    frame["timestamp"] = daily_at_new_york_midnight(frame["date"])
    return frame.rename(columns={"Name": "symbol"})[COLUMNS]


def yahoo(path: Path, symbol: str, date_format: str | None = None) -> pd.DataFrame:
    frame = pd.read_csv(path)
    frame["timestamp"] = daily_at_new_york_midnight(
        pd.to_datetime(frame["Date"], format=date_format)
    )
    frame["symbol"] = symbol
    frame = frame.rename(columns=str.lower)
    return frame[COLUMNS]


def intraday(data: Path, timeframe: str) -> pd.DataFrame:
    frames = []
    for symbol in ("AAPL", "GOOGL", "TSLA"):
        frame = pd.read_csv(data / "intraday" / f"{symbol.lower()}_{timeframe}_2023-05.csv")
        frame["timestamp"] = pd.to_datetime(frame["date"], utc=True)
        frame["symbol"] = symbol
        frames.append(frame[COLUMNS])
    return pd.concat(frames, ignore_index=True)


def write(frame: pd.DataFrame, name: str) -> None:
    frame = frame.sort_values(["symbol", "timestamp"]).reset_index(drop=True)
    frame["timestamp"] = frame["timestamp"].astype("datetime64[us, UTC]")
    frame["volume"] = frame["volume"].astype("float64")
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, OUT / f"{name}.parquet", compression="zstd", compression_level=19)
    print(f"{name}: {len(frame):,} rows, {frame['symbol'].nunique()} symbols")


def main() -> None:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data"
    daily = pd.concat(
        [
            top60(data),
            yahoo(data / "daily" / "gspc_1999_2018_ohlcv.csv", "^GSPC", "%m/%d/%Y"),
            yahoo(data / "daily" / "ixic_1999_2018_ohlcv.csv", "^IXIC", "%m/%d/%Y"),
            yahoo(data / "daily" / "spy_2008_2017_ohlcv.csv", "SPY"),
            yahoo(data / "daily" / "spy_2020_2021_ohlcv.csv", "SPY"),
        ],
        ignore_index=True,
    )
    write(daily, "bars_1d")
    for timeframe, dataset in (("1min", "bars_1m"), ("5min", "bars_5m"), ("30min", "bars_30m")):
        write(intraday(data, timeframe), dataset)


if __name__ == "__main__":
    main()
