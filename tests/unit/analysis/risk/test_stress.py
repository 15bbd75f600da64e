"""Stress tests: historical windows replayed from real closes, and user-defined shocks."""

from __future__ import annotations

import json
import math
from datetime import date

import pandas as pd
import pytest

from workbench.analysis.risk import (
    DEFAULT_SCENARIOS,
    HistoricalScenario,
    historical_stress,
    shock_stress,
    stress_table,
)
from workbench.core.errors import ValidationError

pytestmark = pytest.mark.requirement("ANA-04")


@pytest.fixture(scope="module")
def book(close: pd.DataFrame) -> pd.Series:
    return pd.Series({"AAPL": 50_000.0, "XOM": 30_000.0, "JPM": 20_000.0})


def _close(close: pd.DataFrame, symbol: str, day: str) -> float:
    return float(close.loc[pd.Timestamp(day), symbol])


def test_default_windows_replay_real_moves(close: pd.DataFrame, book: pd.Series) -> None:
    crash, brexit, volatility = historical_stress(book, close, equity=200_000)
    # each window runs from the close before its first day to the close of its last day
    aapl = _close(close, "AAPL", "2015-08-24") / _close(close, "AAPL", "2015-08-21") - 1
    assert crash.moves["AAPL"] == pytest.approx(aapl, rel=1e-12)
    jpm = _close(close, "JPM", "2016-06-24") / _close(close, "JPM", "2016-06-23") - 1
    assert brexit.moves["JPM"] == pytest.approx(jpm, rel=1e-12)
    xom = _close(close, "XOM", "2018-02-05") / _close(close, "XOM", "2018-02-01") - 1
    assert volatility.moves["XOM"] == pytest.approx(xom, rel=1e-12)
    expected = sum(book[s] * volatility.moves[s] for s in book.index)
    assert volatility.pnl == pytest.approx(expected, rel=1e-12)
    assert volatility.pnl_fraction == pytest.approx(expected / 200_000, rel=1e-12)
    assert all(result.available and result.pnl < 0 for result in (crash, brexit, volatility))


def test_a_window_outside_the_history_is_reported_unavailable(
    close: pd.DataFrame, book: pd.Series
) -> None:
    lehman = HistoricalScenario("Lehman", date(2008, 9, 15), date(2008, 9, 15))
    (result,) = historical_stress(book, close, scenarios=[lehman])
    assert not result.available and math.isnan(result.pnl)
    assert "does not cover" in result.note
    table = stress_table([result, *historical_stress(book, close)])
    assert list(table.index) == ["Lehman", *(s.name for s in DEFAULT_SCENARIOS)]
    json.dumps([result.to_dict()])


def test_a_symbol_without_prices_in_the_window_is_listed(close: pd.DataFrame) -> None:
    prices = close[["AAPL", "XOM"]].copy()
    prices.loc["2016-06-24", "XOM"] = float("nan")
    brexit = [s for s in DEFAULT_SCENARIOS if s.name == "Brexit vote"]
    (result,) = historical_stress(pd.Series({"AAPL": 1.0, "XOM": 1.0}), prices, scenarios=brexit)
    assert result.missing == ("XOM",)
    assert result.pnl == pytest.approx(result.by_symbol["AAPL"])


def test_shocks(symbol_table: pd.DataFrame, book: pd.Series) -> None:
    everything = shock_stress(book, everything=-0.10)
    assert everything.pnl == pytest.approx(-10_000.0)
    assert everything.pnl_fraction == pytest.approx(-0.10)
    energy = shock_stress(book, sectors={"Energy": -0.20}, symbol_table=symbol_table)
    assert energy.pnl == pytest.approx(-6_000.0)
    mixed = shock_stress(
        book,
        everything=-0.10,
        sectors={"Energy": -0.20},
        symbols={"XOM": -0.50},
        symbol_table=symbol_table,
    )
    # the most specific shock wins: XOM -50 %, the others -10 %
    assert mixed.moves.to_dict() == {"AAPL": -0.10, "XOM": -0.50, "JPM": -0.10}


def test_bad_shocks(symbol_table: pd.DataFrame, book: pd.Series) -> None:
    with pytest.raises(ValidationError, match="book's sectors"):
        shock_stress(book, sectors={"Utilities": -0.2}, symbol_table=symbol_table)
    with pytest.raises(ValidationError, match="need the symbol table"):
        shock_stress(book, sectors={"Energy": -0.2})
    with pytest.raises(ValidationError, match="below -100%"):
        shock_stress(book, everything=-1.5)
    with pytest.raises(ValidationError, match="not in the book"):
        shock_stress(book, symbols={"TSLA": -0.2})
    with pytest.raises(ValidationError, match="ends before it starts"):
        HistoricalScenario("backwards", date(2020, 1, 2), date(2020, 1, 1))


def test_windows_read_new_york_sessions_of_utc_timestamps(
    close: pd.DataFrame, book: pd.Series
) -> None:
    lake_style = close.set_axis(close.index.tz_localize("America/New_York").tz_convert("UTC"))
    naive = historical_stress(book, close)
    aware = historical_stress(book, lake_style)
    assert [r.pnl for r in aware] == pytest.approx([r.pnl for r in naive], rel=1e-12)
