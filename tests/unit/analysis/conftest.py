"""Fixtures for the analysis tests: real market data, and the symbol table of the 60 names.

All market data comes through ONE fixture, ``market_data``. Today it reads the CSVs in the
shared data folder (``../shared/data`` next to the clone, or ``WB_TEST_SHARED_DATA``); when the
lake bundles that data (``workbench.data.sample``), only this fixture changes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@dataclass(frozen=True)
class MarketData:
    #: long daily bars of the 60 names: symbol, date, open, high, low, close, volume
    bars: pd.DataFrame
    #: the S&P 500 index (^GSPC), daily OHLCV indexed by date
    index: pd.DataFrame
    #: intraday bars by file stem, e.g. intraday("aapl_5min_2023-05"), indexed by UTC time
    intraday: Callable[[str], pd.DataFrame]


def _shared_data_dir() -> Path | None:
    override = os.environ.get("WB_TEST_SHARED_DATA")
    if override:
        return Path(override)
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "data"
        if (candidate / "PROVENANCE.md").is_file():
            return candidate
    return None


@pytest.fixture(scope="session")
def market_data() -> MarketData:
    """The real market data the tests compute on (see ``../shared/data/PROVENANCE.md``)."""
    folder = _shared_data_dir()
    if folder is None:
        message = "the shared market data folder was not found (set WB_TEST_SHARED_DATA)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    bars = pd.read_csv(folder / "daily" / "sp500_5yr_top60_ohlcv.csv", parse_dates=["date"])
    bars = bars.rename(columns={"Name": "symbol"})
    index = pd.read_csv(folder / "daily" / "gspc_1999_2018_ohlcv.csv")
    index.index = pd.DatetimeIndex(pd.to_datetime(index.pop("Date"), format="%m/%d/%Y"))
    index.columns = [column.lower().replace(" ", "_") for column in index.columns]

    def intraday(stem: str) -> pd.DataFrame:
        frame = pd.read_csv(folder / "intraday" / f"{stem}.csv")
        frame = frame.loc[:, ["date", "open", "high", "low", "close", "volume"]]
        return frame.set_index(pd.DatetimeIndex(pd.to_datetime(frame.pop("date"), utc=True)))

    return MarketData(bars=bars, index=index, intraday=intraday)


@pytest.fixture(scope="session")
def close(market_data: MarketData) -> pd.DataFrame:
    """Daily closes of the 60 names, columns = symbols."""
    return market_data.bars.pivot(index="date", columns="symbol", values="close")


@pytest.fixture(scope="session")
def volume(market_data: MarketData) -> pd.DataFrame:
    return market_data.bars.pivot(index="date", columns="symbol", values="volume")


@pytest.fixture(scope="session")
def gspc_close(market_data: MarketData) -> pd.Series:
    return market_data.index["close"]


@pytest.fixture(scope="session")
def aapl_bars(market_data: MarketData) -> pd.DataFrame:
    bars = market_data.bars
    return bars.loc[bars["symbol"] == "AAPL"].drop(columns="symbol").set_index("date")


# GICS sectors of the 60 names as of early 2018 (before the 2018 Communication Services
# reshuffle): test input only; the product's table is workbench.data.sample.symbol_table()
_SECTORS = {
    "Information Technology": "AAPL CSCO EBAY FB GOOGL IBM INTC MA MSFT MU NVDA QCOM V",
    "Health Care": "ABBV AGN AMGN BIIB CELG GILD JNJ MRK PFE UNH",
    "Financials": "AIG BAC BRK.B C GS JPM WFC",
    "Consumer Discretionary": "AMZN CMCSA DIS F GM HD MCD NFLX NKE PCLN SBUX",
    "Industrials": "BA CAT DAL GE UNP UTX",
    "Energy": "COP CVX HAL SLB XOM",
    "Consumer Staples": "CVS KO PEP PG PM WMT",
    "Telecommunication Services": "T VZ",
}


@pytest.fixture(scope="session")
def symbol_table() -> pd.DataFrame:
    rows = [
        {"symbol": symbol, "name": symbol, "sector": sector}
        for sector, symbols in _SECTORS.items()
        for symbol in symbols.split()
    ]
    return pd.DataFrame(rows, columns=["symbol", "name", "sector"])
