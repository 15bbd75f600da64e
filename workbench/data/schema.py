"""Datasets of the lake and the columns each holds.

A dataset is named by kind and, for bars, timeframe: ``bars_1d``, ``bars_1m``, ``bars_5m``,
``bars_30m``, ``bars_1h``..., ``quotes``, ``trades``. Every row is keyed by (symbol, timestamp);
timestamps are UTC, microsecond precision. Daily bars are stamped at midnight New York time
(as Alpaca stamps them), so a session's date is its New York date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from workbench.core.errors import NotFound

__all__ = [
    "BAR_COLUMNS",
    "BAR_TIMEFRAMES",
    "KEY_COLUMNS",
    "DatasetSpec",
    "bars_dataset",
    "spec_for",
    "timeframe_of",
]

KEY_COLUMNS = ("symbol", "timestamp")
#: the columns every bar has, in this order; the one list of them (``trade_count`` and
#: ``vwap`` are optional)
BAR_COLUMNS = ("open", "high", "low", "close", "volume")
TIMESTAMP_TYPE = pa.timestamp("us", tz="UTC")

#: pandas offset alias of each bar timeframe, for resampling and gap checks
BAR_TIMEFRAMES = {
    "1m": "1min",
    "5m": "5min",
    "15m": "15min",
    "30m": "30min",
    "1h": "1h",
    "1d": "1D",
}
_DATASET_PATTERN = re.compile(r"^(bars_(?P<tf>\d+[mhd])|quotes|trades)$")


@dataclass(frozen=True, slots=True)
class DatasetSpec:
    name: str
    kind: str  # "bars", "quotes" or "trades"
    required: tuple[str, ...]
    optional: tuple[str, ...]
    price_columns: tuple[str, ...]
    size_columns: tuple[str, ...]
    timeframe: str | None = None

    @property
    def value_columns(self) -> tuple[str, ...]:
        return self.required + self.optional

    def arrow_schema(self) -> pa.Schema:
        """The schema of one partition file (symbol and year live in the path, not the file)."""
        fields = [pa.field("timestamp", TIMESTAMP_TYPE, nullable=False)]
        for column in self.value_columns:
            kind = pa.int64() if column == "trade_count" else pa.float64()
            fields.append(pa.field(column, kind, nullable=column in self.optional))
        return pa.schema(fields)


_BARS: dict[str, Any] = {
    "kind": "bars",
    "required": BAR_COLUMNS,
    "optional": ("trade_count", "vwap"),
    "price_columns": ("open", "high", "low", "close", "vwap"),
    "size_columns": ("volume",),
}
_QUOTES = DatasetSpec(
    name="quotes",
    kind="quotes",
    required=("bid_price", "bid_size", "ask_price", "ask_size"),
    optional=(),
    price_columns=("bid_price", "ask_price"),
    size_columns=("bid_size", "ask_size"),
)
_TRADES = DatasetSpec(
    name="trades",
    kind="trades",
    required=("price", "size"),
    optional=(),
    price_columns=("price",),
    size_columns=("size",),
)


def spec_for(dataset: str) -> DatasetSpec:
    match = _DATASET_PATTERN.match(dataset)
    if not match:
        raise NotFound(
            f"unknown dataset {dataset!r}: expected bars_<timeframe> "
            f"({', '.join('bars_' + tf for tf in BAR_TIMEFRAMES)}), quotes or trades"
        )
    if dataset == "quotes":
        return _QUOTES
    if dataset == "trades":
        return _TRADES
    timeframe = match.group("tf")
    if timeframe not in BAR_TIMEFRAMES:
        raise NotFound(
            f"unknown bar timeframe {timeframe!r}: expected one of {', '.join(BAR_TIMEFRAMES)}"
        )
    return DatasetSpec(name=dataset, timeframe=timeframe, **_BARS)


def bars_dataset(timeframe: str) -> str:
    """``"1d"`` -> ``"bars_1d"``, checking the timeframe."""
    return spec_for(f"bars_{timeframe}").name


def timeframe_of(dataset: str) -> str | None:
    return spec_for(dataset).timeframe
