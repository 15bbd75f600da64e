"""Historical quotes and trades through ``AlpacaHistoricalSource`` (alpaca-py's
StockHistoricalDataClient) against the local exchange, which derives one quote and one trade
from each daily bar of the bundled sample, stamped at the session's close."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from tests.integration.exchange.conftest import KEY, SECRET, Venue, shared_venue
from workbench.adapters.alpaca import AlpacaConfig, AlpacaHistoricalSource
from workbench.adapters.alpaca.data import QUOTE_COLUMNS, TRADE_COLUMNS
from workbench.core.errors import Fatal, ValidationError
from workbench.data import Lake

pytestmark = pytest.mark.requirement("CON-03", "DAT-05")

__all__ = ["shared_venue"]

START, END = datetime(1999, 1, 1, tzinfo=UTC), datetime(2017, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def source(shared_venue: Venue) -> AlpacaHistoricalSource:
    config = AlpacaConfig(
        api_key=KEY, secret_key=SECRET, url=shared_venue.url, data_url=shared_venue.url
    )
    return AlpacaHistoricalSource(config)


def _daily(sample_lake: Path, symbols: list[str]) -> pd.DataFrame:
    lake = Lake(sample_lake)
    try:
        return lake.bars(symbols, START, END)
    finally:
        lake.close()


def test_quotes_come_back_over_several_pages_in_the_lakes_shape(
    source: AlpacaHistoricalSource, sample_lake: Path
) -> None:
    symbols = ["SPY", "^GSPC", "^IXIC"]  # the sample's longest histories: 11,326 sessions
    quotes = source.fetch_quotes(symbols, START, END)
    bars = _daily(sample_lake, symbols)
    assert len(quotes) == len(bars) > 10_000  # alpaca-py asks for 10,000 rows a page
    assert tuple(quotes.columns) == QUOTE_COLUMNS
    assert not quotes.duplicated(["symbol", "timestamp"]).any()
    assert quotes.groupby("symbol").size().to_dict() == bars.groupby("symbol").size().to_dict()
    assert str(quotes["timestamp"].dt.tz) == "UTC"
    assert (quotes["bid_price"] < quotes["ask_price"]).all()
    last = quotes[quotes["symbol"] == "SPY"].iloc[-1]
    close = bars[bars["symbol"] == "SPY"].iloc[-1]["close"]
    assert last["timestamp"] == pd.Timestamp("2016-12-30T21:00:00Z")  # the session's close
    assert last["bid_price"] < close < last["ask_price"]


def test_trades_for_the_symbols_asked_only_and_limit(
    source: AlpacaHistoricalSource, sample_lake: Path, tmp_path: Path
) -> None:
    start = datetime(2016, 12, 1, tzinfo=UTC)
    trades = source.fetch_trades(["aapl"], start, END)
    bars = _daily(sample_lake, ["AAPL"]).set_index("timestamp")
    assert tuple(trades.columns) == TRADE_COLUMNS
    assert set(trades["symbol"]) == {"AAPL"} and len(trades) == 21  # December's sessions
    december = bars.loc[bars.index >= start]
    assert trades["price"].tolist() == december["close"].tolist()
    assert trades["size"].tolist() == december["volume"].tolist()
    assert len(source.fetch_trades(["AAPL", "MSFT"], start, END, limit=5)) == 5

    lake = Lake(tmp_path / "lake")
    assert lake.ingest(trades, "trades", source="alpaca").new == 21


def test_a_window_without_data_is_an_empty_frame(source: AlpacaHistoricalSource) -> None:
    empty = source.fetch_quotes(["AAPL"], datetime(1990, 1, 1, tzinfo=UTC), START)
    assert empty.empty and tuple(empty.columns) == QUOTE_COLUMNS


def test_bad_symbols_and_windows_are_refused_with_the_reason(
    source: AlpacaHistoricalSource,
) -> None:
    with pytest.raises(Fatal, match="invalid symbol: NOT/A/SYMBOL"):
        source.fetch_trades(["AAPL", "not/a/symbol"], START, END)
    with pytest.raises(ValidationError, match="one or more symbols"):
        source.fetch_quotes([], START, END)
    with pytest.raises(ValidationError, match="one or more symbols"):
        source.fetch_quotes("AAPL", START, END)
    with pytest.raises(ValidationError, match="window is empty"):
        source.fetch_trades(["AAPL"], END, START)
