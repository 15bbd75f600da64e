"""Fetching bars through alpaca-py from the recorded-response stub: only what the lake lacks."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from workbench.adapters.alpaca import AlpacaConfig, AlpacaHistoricalSource
from workbench.core.errors import NotFound
from workbench.data import Lake
from workbench.data.sample import read_sample
from workbench.data.sources import fetch_missing, missing_ranges
from workbench.testing import AlpacaDataStub

pytestmark = pytest.mark.requirement("DAT-05")

with warnings.catch_warnings():
    # alpaca-py 0.44 imports websockets.legacy, deprecated since websockets 14; the adapter
    # imports alpaca-py lazily, so import it here once with that one warning silenced.
    warnings.filterwarnings("ignore", "websockets.legacy is deprecated", DeprecationWarning)
    import alpaca.data.historical  # noqa: F401

FIRST, LAST = date(2017, 1, 3), date(2017, 3, 31)  # 62 sessions


@pytest.fixture(scope="module")
def recorded() -> pd.DataFrame:
    daily = read_sample("bars_1d")
    return daily[daily["symbol"].isin(["AAPL", "MSFT"])].reset_index(drop=True)


@pytest.fixture
def stub(recorded: pd.DataFrame) -> Iterator[AlpacaDataStub]:
    with AlpacaDataStub(recorded, page_size=25) as running:
        yield running


def source_for(stub: AlpacaDataStub) -> AlpacaHistoricalSource:
    config = AlpacaConfig(
        api_key=stub.api_key,
        secret_key=stub.secret_key,
        url=stub.url,
        data_url=stub.url,
        retry_wait_s=0,
        backoff_base_s=0,
    )
    return AlpacaHistoricalSource(config)


def bar_requests(stub: AlpacaDataStub) -> list:
    return [r for r in stub.requests if r.path == "/v2/stocks/bars"]


def test_a_fetch_pages_through_the_source_and_stores_exactly_what_it_serves(
    tmp_path: Path, stub: AlpacaDataStub, recorded: pd.DataFrame
) -> None:
    lake = Lake(tmp_path / "lake")
    report = fetch_missing(lake, source_for(stub), ["AAPL", "MSFT"], FIRST, LAST)
    assert report.requested == {"AAPL": [(FIRST, LAST)], "MSFT": [(FIRST, LAST)]}
    assert report.rows_fetched == 124
    assert report.rows_written == 124
    requests = bar_requests(stub)
    assert len(requests) == 2 * 3  # 62 bars per symbol in pages of 25
    assert sum("page_token" in r.query for r in requests) == 4
    assert {r.query["symbols"] for r in requests} == {"AAPL", "MSFT"}
    assert all(r.status == 200 for r in requests)
    stored = lake.bars(["AAPL", "MSFT"])
    window = recorded[
        recorded["timestamp"].between(
            pd.Timestamp("2017-01-03", tz="America/New_York"),
            pd.Timestamp("2017-03-31", tz="America/New_York"),
        )
    ].reset_index(drop=True)
    pd.testing.assert_frame_equal(stored[window.columns], window, check_dtype=False)


def test_a_429_is_retried(tmp_path: Path, stub: AlpacaDataStub) -> None:
    stub.rate_limited_responses = 2
    lake = Lake(tmp_path / "lake")
    report = fetch_missing(lake, source_for(stub), ["AAPL"], FIRST, LAST)
    assert report.rows_written == 62
    statuses = [r.status for r in bar_requests(stub)]
    assert statuses[:2] == [429, 429]
    assert statuses[2:] == [200, 200, 200]


def test_a_second_fetch_asks_only_for_what_is_missing(tmp_path: Path, stub: AlpacaDataStub) -> None:
    lake = Lake(tmp_path / "lake")
    source = source_for(stub)
    fetch_missing(lake, source, ["AAPL"], FIRST, LAST)
    asked = len(stub.requests)
    again = fetch_missing(lake, source, ["AAPL"], FIRST, LAST)
    assert again.requested == {"AAPL": []}
    assert again.rows_fetched == 0
    assert len(stub.requests) == asked
    wider = fetch_missing(lake, source, ["AAPL"], date(2016, 12, 27), date(2017, 4, 7))
    assert wider.requested == {
        "AAPL": [(date(2016, 12, 27), date(2016, 12, 30)), (date(2017, 4, 3), date(2017, 4, 7))]
    }
    starts = [
        pd.Timestamp(r.query["start"]) for r in stub.requests[asked:] if "page_token" not in r.query
    ]
    assert starts == [
        pd.Timestamp("2016-12-27 05:00", tz="UTC"),
        pd.Timestamp("2017-04-03 04:00", tz="UTC"),
    ]
    assert wider.rows_written == 4 + 5
    assert len(lake.bars("AAPL")) == 62 + 9


def test_missing_ranges_split_around_stored_sessions(
    tmp_path: Path, recorded: pd.DataFrame
) -> None:
    lake = Lake(tmp_path / "lake")
    assert missing_ranges(lake, "bars_1d", "AAPL", FIRST, date(2017, 1, 10)) == [
        (FIRST, date(2017, 1, 10))
    ]
    aapl = recorded[recorded["symbol"] == "AAPL"]
    keep = (
        aapl["timestamp"]
        .dt.tz_convert("America/New_York")
        .dt.strftime("%Y-%m-%d")
        .isin(["2017-01-05", "2017-01-06"])
    )
    lake.ingest(aapl[keep], "bars_1d")
    assert missing_ranges(lake, "bars_1d", "AAPL", FIRST, date(2017, 1, 10)) == [
        (FIRST, date(2017, 1, 4)),
        (date(2017, 1, 9), date(2017, 1, 10)),
    ]


def test_an_empty_window_is_refused(tmp_path: Path, stub: AlpacaDataStub) -> None:
    with pytest.raises(NotFound, match="empty date range"):
        fetch_missing(Lake(tmp_path / "lake"), source_for(stub), ["AAPL"], LAST, FIRST)
