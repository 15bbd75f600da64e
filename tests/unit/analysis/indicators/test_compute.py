"""Indicators over one symbol and many, against numpy formulas on real data.

Tolerance: the same recursion computed in numpy agrees to rounding, rtol=1e-9.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.analysis.indicators import compute_indicator, compute_indicators
from workbench.core.errors import DataError, NotFound, ValidationError

pytestmark = pytest.mark.requirement("ANA-01")

TOL = {"rtol": 1e-9, "atol": 1e-12}


def _sma(x: np.ndarray, n: int) -> np.ndarray:
    out = np.full(len(x), np.nan)
    out[n - 1 :] = np.convolve(x, np.ones(n) / n, mode="valid")
    return out


def _rsi(x: np.ndarray, n: int) -> np.ndarray:
    """Wilder's RSI: averages seeded with the mean of the first n changes."""
    change = np.diff(x)
    gain, loss = np.maximum(change, 0), np.maximum(-change, 0)
    average_gain, average_loss = gain[:n].mean(), loss[:n].mean()
    out = np.full(len(x), np.nan)
    out[n] = 100 * average_gain / (average_gain + average_loss)
    for i in range(n, len(change)):
        average_gain = (average_gain * (n - 1) + gain[i]) / n
        average_loss = (average_loss * (n - 1) + loss[i]) / n
        out[i + 1] = 100 * average_gain / (average_gain + average_loss)
    return out


def _atr(high: np.ndarray, low: np.ndarray, close: np.ndarray, n: int) -> np.ndarray:
    true_range = np.maximum.reduce(
        [high[1:] - low[1:], np.abs(high[1:] - close[:-1]), np.abs(low[1:] - close[:-1])]
    )
    out = np.full(len(close), np.nan)
    out[n] = true_range[:n].mean()
    for i in range(n, len(true_range)):
        out[i + 1] = (out[i] * (n - 1) + true_range[i]) / n
    return out


def test_single_symbol_bars_match_numpy(aapl_bars: pd.DataFrame) -> None:
    close = aapl_bars["close"].to_numpy()
    sma = compute_indicator(aapl_bars, "SMA", {"timeperiod": 50})
    np.testing.assert_allclose(sma["sma"].to_numpy(), _sma(close, 50), **TOL)
    rsi = compute_indicator(aapl_bars, "RSI")
    np.testing.assert_allclose(rsi["rsi"].to_numpy(), _rsi(close, 14), **TOL)
    high, low = aapl_bars["high"].to_numpy(), aapl_bars["low"].to_numpy()
    atr = compute_indicator(aapl_bars, "ATR", {"timeperiod": 14})
    np.testing.assert_allclose(atr["atr"].to_numpy(), _atr(high, low, close, 14), **TOL)
    bands = compute_indicator(aapl_bars, "BBANDS", {"timeperiod": 20})
    deviation = pd.Series(close).rolling(20).std(ddof=0).to_numpy()  # TA-Lib: population std
    np.testing.assert_allclose(bands["upperband"], _sma(close, 20) + 2 * deviation, **TOL)
    assert list(bands.columns) == ["upperband", "middleband", "lowerband"]
    assert bands.index.equals(aapl_bars.index)


def test_warm_up_stays_nan(aapl_bars: pd.DataFrame) -> None:
    rsi = compute_indicator(aapl_bars["close"], "RSI", {"timeperiod": 14})["rsi"]
    assert rsi.iloc[:14].isna().all() and rsi.iloc[14:].notna().all()


def test_wide_frame_is_each_column_on_its_own(close: pd.DataFrame) -> None:
    wide = compute_indicator(close, "RSI")
    assert list(wide.columns) == list(close.columns) and wide.index.equals(close.index)
    for symbol in ("AAPL", "XOM"):
        np.testing.assert_allclose(wide[symbol], _rsi(close[symbol].to_numpy(), 14), **TOL)
    macd = compute_indicator(close.iloc[:, :3], "MACD")
    assert macd.columns.names == ["output", "symbol"]
    assert set(macd.columns.get_level_values("output")) == {"macd", "macdsignal", "macdhist"}


def test_long_frame_keeps_rows_and_sorts_time_per_symbol(market_data) -> None:
    bars = market_data.bars
    subset = bars.loc[bars["symbol"].isin(["AAPL", "MSFT"])]
    shuffled = subset.sample(frac=1.0, random_state=3)
    result = compute_indicator(shuffled, "ATR")
    assert result.index.equals(shuffled.index)
    assert list(result.columns) == ["symbol", "date", "atr"]
    msft = subset.loc[subset["symbol"] == "MSFT"]
    expected = _atr(*(msft[c].to_numpy() for c in ("high", "low", "close")), 14)
    got = result.loc[msft.index, "atr"].to_numpy()
    np.testing.assert_allclose(got, expected, **TOL)


def test_panel_and_field_mapping_agree_with_long(market_data, close: pd.DataFrame) -> None:
    bars = market_data.bars
    panel = bars.pivot(index="date", columns="symbol")
    from_panel = compute_indicator(panel, "STOCH")
    fields = {name: panel[name] for name in ("high", "low", "close")}
    from_mapping = compute_indicator(fields, "STOCH")
    pd.testing.assert_frame_equal(from_panel, from_mapping)
    long = compute_indicator(bars, "STOCH").set_index(["date", "symbol"])
    assert from_panel[("slowk", "GS")].to_numpy() == pytest.approx(
        long.xs("GS", level="symbol")["slowk"].to_numpy(), nan_ok=True
    )


def test_a_missing_bar_is_skipped_not_filled(aapl_bars: pd.DataFrame) -> None:
    close = aapl_bars["close"].copy()
    close.iloc[500] = np.nan
    with_gap = compute_indicator(close, "EMA", {"timeperiod": 10})["ema"]
    without_row = compute_indicator(close.drop(close.index[500]), "EMA", {"timeperiod": 10})
    assert np.isnan(with_gap.iloc[500])
    np.testing.assert_allclose(
        with_gap.drop(close.index[500]).to_numpy(), without_row["ema"].to_numpy(), **TOL
    )


def test_a_symbol_listed_later_starts_later(close: pd.DataFrame) -> None:
    late = close[["AAPL", "MSFT"]].copy()
    late.iloc[:100, 1] = np.nan
    result = compute_indicator(late, "SMA", {"timeperiod": 5})
    assert result["MSFT"].iloc[:104].isna().all() and result["MSFT"].iloc[104:].notna().all()
    np.testing.assert_allclose(
        result["MSFT"].iloc[104:], _sma(close["MSFT"].to_numpy()[100:], 5)[4:], **TOL
    )


def test_intraday_bars(market_data) -> None:
    bars = market_data.intraday("aapl_5min_2023-05")
    result = compute_indicator(bars, "ADX")
    assert result.index.equals(bars.index) and result["adx"].notna().sum() > 1000


def test_several_indicators_at_once(close: pd.DataFrame) -> None:
    results = compute_indicators(close.iloc[:, :5], ["RSI", ("SMA", {"timeperiod": 20})])
    assert list(results) == ["RSI", "SMA(timeperiod=20)"]
    with pytest.raises(ValidationError, match="timeperiod"):
        compute_indicators(close, ["RSI", ("SMA", {"timeperiod": 0})])


def test_an_input_column_can_be_mapped(aapl_bars: pd.DataFrame) -> None:
    renamed = aapl_bars.rename(columns={"close": "adj_close"})
    result = compute_indicator(renamed, "SMA", {"timeperiod": 3}, columns={"close": "adj_close"})
    assert result["sma"].iloc[-1] == pytest.approx(aapl_bars["close"].iloc[-3:].mean())


def test_shapes_that_cannot_work(aapl_bars: pd.DataFrame, close: pd.DataFrame) -> None:
    with pytest.raises(ValidationError, match="single series only feeds"):
        compute_indicator(aapl_bars["close"], "ATR")
    with pytest.raises(ValidationError, match="one field per symbol"):
        compute_indicator(close, "ATR")
    with pytest.raises(DataError, match="missing 'volume'"):
        compute_indicator(aapl_bars.drop(columns="volume"), "OBV")
    with pytest.raises(DataError, match="time order"):
        compute_indicator(aapl_bars.iloc[::-1], "RSI")
    with pytest.raises(DataError, match="repeat the time"):
        compute_indicator(pd.concat([aapl_bars.iloc[:5], aapl_bars.iloc[4:10]]), "RSI")
    with pytest.raises(DataError, match="no bars"):
        compute_indicator(aapl_bars.iloc[:0], "RSI")
    with pytest.raises(NotFound, match="did you mean RSI"):
        compute_indicator(aapl_bars, "RSX")


def test_fewer_bars_than_the_warm_up_is_all_nan(aapl_bars: pd.DataFrame) -> None:
    assert compute_indicator(aapl_bars.iloc[:5], "RSI")["rsi"].isna().all()
    assert compute_indicator(aapl_bars["close"].iloc[:1], "SMA")["sma"].isna().all()
