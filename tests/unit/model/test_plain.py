"""One policy for plain values: what every JSON the workbench writes is made of."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from enum import Enum, StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pydantic import BaseModel

from workbench.model import OrderSide, plain_json, to_plain

pytestmark = pytest.mark.requirement("REP-04")

NEW_YORK_WINTER = timezone(timedelta(hours=-5))


def test_decimals_are_exact_fixed_point_strings_with_their_scale() -> None:
    assert to_plain(Decimal("1.50")) == "1.50"
    assert to_plain(Decimal("0.1") + Decimal("0.2")) == "0.3"
    assert to_plain(Decimal("1E+2")) == "100"
    assert to_plain(Decimal("1E-7")) == "0.0000001"
    assert to_plain(Decimal("-12345678901234567890.123456789")) == (
        "-12345678901234567890.123456789"
    )


def test_non_finite_decimals_and_floats_are_null() -> None:
    for value in (Decimal("NaN"), Decimal("Infinity"), math.nan, math.inf, -math.inf):
        assert to_plain(value) is None
    assert to_plain(0.25) == 0.25


def test_aware_datetimes_are_iso_8601_in_utc() -> None:
    moment = datetime(2024, 1, 2, 9, 30, tzinfo=NEW_YORK_WINTER)
    assert to_plain(moment) == "2024-01-02T14:30:00+00:00"
    assert to_plain(datetime(2024, 1, 2, 14, 30, 0, 123, tzinfo=UTC)) == (
        "2024-01-02T14:30:00.000123+00:00"
    )


def test_naive_datetimes_are_written_as_they_are_without_a_zone() -> None:
    assert to_plain(datetime(2024, 1, 2, 14, 30)) == "2024-01-02T14:30:00"
    assert to_plain(pd.Timestamp("2024-01-02")) == "2024-01-02T00:00:00"


def test_dates_times_and_durations() -> None:
    assert to_plain(date(2024, 1, 2)) == "2024-01-02"
    assert to_plain(time(9, 30)) == "09:30:00"
    assert to_plain(timedelta(minutes=1, milliseconds=500)) == 60.5


def test_enums_are_their_values() -> None:
    class Colour(Enum):
        RED = 1

    assert to_plain(OrderSide.BUY) == "buy"
    assert to_plain(Colour.RED) == 1
    assert type(to_plain(OrderSide.BUY)) is str


def test_pandas_timestamps_missing_values_and_numpy_scalars() -> None:
    assert to_plain(pd.Timestamp("2024-01-02 09:30", tz="America/New_York")) == (
        "2024-01-02T14:30:00+00:00"
    )
    for missing in (pd.NaT, pd.NA, np.float64("nan"), np.datetime64("NaT"), None):
        assert to_plain(missing) is None
    assert to_plain(np.int64(7)) == 7 and type(to_plain(np.int64(7))) is int
    assert type(to_plain(np.float64(0.5))) is float
    assert to_plain(np.bool_(True)) is True
    assert to_plain(np.datetime64("2024-01-02T14:30")) == "2024-01-02T14:30:00"
    assert to_plain(np.array([1.5, np.nan])) == [1.5, None]


def test_frames_are_records_and_series_are_keyed_by_their_index() -> None:
    stamps = pd.DatetimeIndex(["2024-01-02", "2024-01-03"], tz="UTC", name="timestamp")
    frame = pd.DataFrame({"close": [1.0, np.nan], "volume": [10, 20]}, index=stamps)
    assert to_plain(frame) == [
        {"timestamp": "2024-01-02T00:00:00+00:00", "close": 1.0, "volume": 10},
        {"timestamp": "2024-01-03T00:00:00+00:00", "close": None, "volume": 20},
    ]
    assert to_plain(frame.reset_index(drop=True)) == [
        {"close": 1.0, "volume": 10},
        {"close": None, "volume": 20},
    ]
    weights = pd.Series({"AAPL": 0.6, "MSFT": 0.4})
    assert to_plain(weights) == {"AAPL": 0.6, "MSFT": 0.4}
    assert to_plain(pd.Series([1.0], index=stamps[:1])) == {"2024-01-02T00:00:00+00:00": 1.0}


@dataclass(frozen=True, slots=True)
class Leg:
    symbol: str
    qty: Decimal
    side: OrderSide


class Ticket(BaseModel):
    qty: Decimal
    at: datetime


def test_nested_dataclasses_models_mappings_and_collections() -> None:
    value: dict[Any, Any] = {
        "legs": (Leg("AAPL", Decimal("10"), OrderSide.SELL),),
        "ticket": Ticket(qty=Decimal("2.5"), at=datetime(2024, 1, 2, tzinfo=UTC)),
        date(2024, 1, 2): {"weights": np.array([0.5, 0.5])},
        OrderSide.BUY: {3, 1, 2},
        "where": Path("/tmp/x.json"),
    }
    assert to_plain(value) == {
        "legs": [{"symbol": "AAPL", "qty": "10", "side": "sell"}],
        "ticket": {"qty": "2.5", "at": "2024-01-02T00:00:00+00:00"},
        "2024-01-02": {"weights": [0.5, 0.5]},
        "buy": [1, 2, 3],
        "where": "/tmp/x.json",
    }


def test_plain_json_is_one_strict_document() -> None:
    document = plain_json({"price": Decimal("101.25"), "ratio": math.nan}, indent=None)
    assert json.loads(document) == {"price": "101.25", "ratio": None}
    assert "NaN" not in document


def test_str_enums_and_strings_pass_through() -> None:
    class Kind(StrEnum):
        LIMIT = "limit"

    plain = to_plain([Kind.LIMIT, "text"])
    assert plain == ["limit", "text"]
    assert all(type(item) is str for item in plain)


@pytest.mark.parametrize("value", [True, False, 0, -3, "", "AAPL"])
def test_json_scalars_are_themselves(value: object) -> None:
    assert to_plain(value) == value
