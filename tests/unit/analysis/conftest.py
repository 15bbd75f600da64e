"""Fixtures for the analysis tests: real market data, and the symbol table of the 60 names.

All market data comes through ONE fixture, ``market_data``, which reads the real data bundled
with the package (``workbench.data.sample``, provenance in its ``PROVENANCE.md``): the rows are
those of the published CSVs, unvalidated. Daily bars are keyed by their New York session date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import pytest

from workbench.data.sample import read_sample
from workbench.data.sample import symbol_table as bundled_symbol_table

NEW_YORK = "America/New_York"
#: intraday file stems of the shared data folder -> bundled dataset
_INTRADAY = {"1min": "bars_1m", "5min": "bars_5m", "30min": "bars_30m"}


@dataclass(frozen=True)
class MarketData:
    #: long daily bars of the 60 names: symbol, date, open, high, low, close, volume
    bars: pd.DataFrame
    #: the S&P 500 index (^GSPC), daily OHLCV indexed by date
    index: pd.DataFrame
    #: intraday bars by file stem, e.g. intraday("aapl_5min_2023-05"), indexed by UTC time
    intraday: Callable[[str], pd.DataFrame]


def _stocks() -> list[str]:
    """The 60 names: the bundled equities that are not an ETF (SPY) or an index."""
    table = bundled_symbol_table()
    stocks = (table["asset_class"] == "us_equity") & (table["sector"] != "Exchange-Traded Fund")
    return sorted(table.loc[stocks, "symbol"])


@pytest.fixture(scope="session")
def market_data() -> MarketData:
    """The real market data the tests compute on."""
    daily = read_sample("bars_1d")
    daily["date"] = daily["timestamp"].dt.tz_convert(NEW_YORK).dt.tz_localize(None)
    fields = ["open", "high", "low", "close", "volume"]
    bars = daily.loc[daily["symbol"].isin(_stocks()), ["symbol", "date", *fields]]
    index = daily.loc[daily["symbol"] == "^GSPC"].set_index("date").loc[:, fields]
    index.index.name = None

    def intraday(stem: str) -> pd.DataFrame:
        symbol, size, _ = stem.split("_", 2)
        frame = read_sample(_INTRADAY[size])
        frame = frame.loc[frame["symbol"] == symbol.upper(), ["timestamp", *fields]]
        return frame.set_index(pd.DatetimeIndex(frame.pop("timestamp"), name=None))

    return MarketData(bars=bars.reset_index(drop=True), index=index, intraday=intraday)


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


@pytest.fixture(scope="session")
def symbol_table() -> pd.DataFrame:
    """symbol, name, sector of the bundled symbols (the product's table)."""
    return bundled_symbol_table().loc[:, ["symbol", "name", "sector"]]
