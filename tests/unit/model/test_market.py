"""Market records refuse bad values where they are made."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import pytest

from workbench.core.errors import DataError
from workbench.model import Bar, Quote, Trade

NOW = datetime(2023, 5, 25, 13, 30, tzinfo=UTC)


def bar(**changes: object) -> Bar:
    values: dict[str, object] = {
        "symbol": "AAPL",
        "timestamp": NOW,
        "open": 10.0,
        "high": 12.0,
        "low": 9.0,
        "close": 11.0,
        "volume": 100.0,
    }
    values.update(changes)
    return Bar(**values)  # type: ignore[arg-type]


def test_a_valid_bar() -> None:
    made = bar(trade_count=5, vwap=10.5)
    assert (made.symbol, made.close, made.trade_count) == ("AAPL", 11.0, 5)


@pytest.mark.parametrize("symbol", ["aapl", "", "TOO LONG NAME", "1ABC", "AAPL!", None])
def test_a_bad_symbol_is_refused(symbol: object) -> None:
    with pytest.raises(DataError, match="invalid symbol"):
        bar(symbol=symbol)


@pytest.mark.parametrize("symbol", ["BRK.B", "^GSPC", "BF-B", "GOOGL"])
def test_class_suffixes_and_index_tickers_are_symbols(symbol: str) -> None:
    assert bar(symbol=symbol).symbol == symbol


def test_a_naive_timestamp_is_refused() -> None:
    with pytest.raises(DataError, match="timestamp must be timezone-aware UTC"):
        bar(timestamp=datetime(2023, 5, 25, 13, 30))


def test_a_non_utc_timestamp_is_refused() -> None:
    new_york = timezone(timedelta(hours=-4))
    with pytest.raises(DataError, match="must be timezone-aware UTC"):
        bar(timestamp=datetime(2023, 5, 25, 9, 30, tzinfo=new_york))


def test_a_date_is_not_a_timestamp() -> None:
    with pytest.raises(DataError, match="must be a datetime"):
        bar(timestamp="2023-05-25")


@pytest.mark.parametrize("field", ["open", "high", "low", "close", "volume"])
def test_negative_values_are_refused(field: str) -> None:
    with pytest.raises(DataError, match=f"bar {field} must not be negative"):
        bar(**{field: -1.0})  # the sign is checked before OHLC consistency


@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_non_finite_prices_are_refused(value: float) -> None:
    with pytest.raises(DataError, match="must be finite"):
        bar(close=value)


def test_ohlc_must_be_consistent() -> None:
    with pytest.raises(DataError, match=r"low 13\.0 is above high 12\.0"):
        bar(low=13.0)
    with pytest.raises(DataError, match=r"outside low\.\.high"):
        bar(high=10.5)
    with pytest.raises(DataError, match=r"outside low\.\.high"):
        bar(low=10.5)


def test_bars_are_immutable() -> None:
    with pytest.raises(AttributeError):
        bar().close = 1.0  # type: ignore[misc]


def test_quotes_and_trades() -> None:
    quote = Quote("AAPL", NOW, bid_price=10.2, bid_size=1, ask_price=10.1, ask_size=1)
    assert quote.crossed
    assert quote.mid == pytest.approx(10.15)
    with pytest.raises(DataError, match="quote ask_size must not be negative"):
        Quote("AAPL", NOW, 10.0, 1, 10.1, -1)
    with pytest.raises(DataError, match="trade price must not be negative"):
        Trade("AAPL", NOW, -1.0, 10)
    with pytest.raises(DataError, match="timezone-aware"):
        Trade("AAPL", datetime(2023, 5, 25), 1.0, 10)
