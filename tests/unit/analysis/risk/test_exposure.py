"""Exposure, concentration and liquidity: hand-worked books and numpy on real volumes."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from workbench.analysis.risk import (
    concentration,
    exposure_report,
    liquidity_report,
    sector_exposure,
)
from workbench.core.errors import DataError, NotFound

pytestmark = pytest.mark.requirement("ANA-03")

BOOK = pd.Series({"AAPL": 600.0, "MSFT": 300.0, "XOM": -100.0})


def test_long_short_gross_net(symbol_table: pd.DataFrame) -> None:
    report = exposure_report(BOOK, equity=1000, symbol_table=symbol_table, top_n=2)
    assert (report.long, report.short, report.gross, report.net) == (900, -100, 1000, 800)
    assert report.gross_leverage == 1.0 and report.net_leverage == 0.8
    assert report.long_fraction == 0.9 and report.short_fraction == -0.1
    # gross weights 0.6, 0.3, 0.1
    assert report.concentration.hhi == pytest.approx(0.46, rel=1e-12)
    assert report.concentration.effective_positions == pytest.approx(1 / 0.46)
    assert report.concentration.top_weight == pytest.approx(0.9)
    assert list(report.concentration.largest.index) == ["AAPL", "MSFT"]
    json.dumps(report.to_dict())


def test_by_sector(symbol_table: pd.DataFrame) -> None:
    table = sector_exposure(BOOK, symbol_table, equity=1000)
    tech = table.loc["Information Technology"]
    assert (tech["long"], tech["net"], tech["count"]) == (900, 900, 2)
    energy = table.loc["Energy"]
    assert (energy["short"], energy["gross"], energy["net_fraction"]) == (-100, 100, -0.1)


def test_an_unlisted_symbol_is_in_sector_unknown(symbol_table: pd.DataFrame) -> None:
    table = sector_exposure(pd.Series({"AAPL": 1.0, "TSLA": 1.0}), symbol_table)
    assert table.loc["Unknown", "count"] == 1


def test_equity_defaults_to_the_net_value() -> None:
    assert exposure_report(BOOK).equity == 800
    with pytest.raises(DataError, match="pass equity"):
        exposure_report(pd.Series({"A": 100.0, "B": -100.0}))


def test_liquidity_hand_worked() -> None:
    volumes = pd.DataFrame({"A": [100.0, 300.0, 200.0], "B": [0.0, 0.0, 0.0]})
    report = liquidity_report(pd.Series({"A": -50.0, "B": 10.0}), volumes, window=2)
    # A: ADV of the last 2 bars = 250; 50 shares = 0.2 ADV; at 10 % of volume, 2 days
    assert report.loc["A", "average_daily_volume"] == 250
    assert report.loc["A", "fraction_of_adv"] == pytest.approx(0.2)
    assert report.loc["A", "days_to_liquidate"] == pytest.approx(2.0)
    # B never trades: it cannot be sold, documented as infinite days
    assert math.isinf(report.loc["B", "days_to_liquidate"])


def test_liquidity_on_real_volume(volume: pd.DataFrame) -> None:
    shares = pd.Series(1_000_000.0, index=volume.columns)
    report = liquidity_report(shares, volume, window=20, participation=0.2)
    adv = volume.to_numpy()[-20:].mean(axis=0)
    expected = pd.Series(1_000_000 / (0.2 * adv), index=volume.columns)
    np.testing.assert_allclose(
        report["days_to_liquidate"].loc[volume.columns], expected, rtol=1e-12
    )
    assert report["days_to_liquidate"].is_monotonic_decreasing


def test_bad_books(volume: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="lacks column"):
        sector_exposure(BOOK, pd.DataFrame({"symbol": ["AAPL"]}))
    with pytest.raises(NotFound, match="ZZZ"):
        liquidity_report(pd.Series({"ZZZ": 1.0}), volume)
    with pytest.raises(DataError, match="non-zero position"):
        concentration(pd.Series({"A": 0.0}))
    with pytest.raises(DataError, match="repeat a symbol"):
        exposure_report(pd.Series([1.0, 2.0], index=["A", "A"]))
