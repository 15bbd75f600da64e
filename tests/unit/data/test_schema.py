"""Dataset names, their columns and the Arrow schema of a partition file."""

from __future__ import annotations

import pyarrow as pa
import pytest

from workbench.core.errors import NotFound
from workbench.data.schema import BAR_TIMEFRAMES, bars_dataset, spec_for, timeframe_of

pytestmark = pytest.mark.requirement("DAT-02")


@pytest.mark.parametrize("timeframe", list(BAR_TIMEFRAMES))
def test_every_bar_timeframe_is_a_dataset(timeframe: str) -> None:
    spec = spec_for(f"bars_{timeframe}")
    assert spec.kind == "bars"
    assert spec.timeframe == timeframe
    assert spec.required == ("open", "high", "low", "close", "volume")
    assert bars_dataset(timeframe) == f"bars_{timeframe}"


def test_quotes_and_trades() -> None:
    assert spec_for("quotes").price_columns == ("bid_price", "ask_price")
    assert spec_for("trades").required == ("price", "size")
    assert timeframe_of("trades") is None


@pytest.mark.parametrize("name", ["bars", "bars_1w", "Bars_1d", "ticks", "bars_1d; drop", ""])
def test_an_unknown_dataset_says_what_is_expected(name: str) -> None:
    with pytest.raises(NotFound, match=r"quotes or trades|expected one of"):
        spec_for(name)


def test_an_unknown_timeframe_names_the_known_ones() -> None:
    with pytest.raises(NotFound, match=r"unknown bar timeframe '2d': expected one of 1m, 5m"):
        spec_for("bars_2d")
    with pytest.raises(NotFound):
        bars_dataset("7m")


def test_a_partition_file_keeps_utc_microseconds_and_nullable_extras() -> None:
    schema = spec_for("bars_1d").arrow_schema()
    assert schema.names == [
        "timestamp",
        "open",
        "high",
        "low",
        "close",
        "volume",
        "trade_count",
        "vwap",
    ]
    assert schema.field("timestamp").type == pa.timestamp("us", tz="UTC")
    assert not schema.field("close").nullable
    assert schema.field("trade_count").type == pa.int64()
    assert schema.field("vwap").nullable
