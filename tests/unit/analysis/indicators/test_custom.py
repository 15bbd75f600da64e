"""The workbench's own indicators against numpy, on real daily and intraday bars.

Tolerance: rtol=1e-9 (the same arithmetic in a different order).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.analysis.indicators import compute_indicator, rolling_zscore, session_vwap
from workbench.core.errors import DataError

pytestmark = pytest.mark.requirement("ANA-01")

TOL = {"rtol": 1e-9, "atol": 1e-12}


def test_vwap_restarts_every_new_york_session(market_data) -> None:
    bars = market_data.intraday("aapl_5min_2023-05")
    result = compute_indicator(bars, "VWAP")["vwap"].to_numpy()
    sessions = bars.index.tz_convert("America/New_York").date
    typical = ((bars["high"] + bars["low"] + bars["close"]) / 3).to_numpy()
    volume = bars["volume"].to_numpy()
    expected = np.full(len(bars), np.nan)
    for day in np.unique(sessions):
        rows = np.flatnonzero(sessions == day)
        traded, shares = np.cumsum(typical[rows] * volume[rows]), np.cumsum(volume[rows])
        with np.errstate(invalid="ignore"):  # a session opening on zero volume has no VWAP yet
            expected[rows] = np.where(shares > 0, traded / np.where(shares > 0, shares, 1), np.nan)
    assert len(np.unique(sessions)) >= 9
    np.testing.assert_allclose(result, expected, **TOL)


def test_vwap_reads_naive_intraday_times_as_utc(market_data) -> None:
    bars = market_data.intraday("tsla_1min_2023-05")
    aware = compute_indicator(bars, "VWAP")
    naive = compute_indicator(bars.tz_localize(None), "VWAP")
    np.testing.assert_allclose(aware["vwap"], naive["vwap"], **TOL)


def test_vwap_of_daily_bars_is_the_typical_price(aapl_bars: pd.DataFrame) -> None:
    vwap = session_vwap(
        aapl_bars["high"], aapl_bars["low"], aapl_bars["close"], aapl_bars["volume"]
    )
    typical = (aapl_bars["high"] + aapl_bars["low"] + aapl_bars["close"]) / 3
    np.testing.assert_allclose(vwap, typical, **TOL)


def test_vwap_needs_timestamps() -> None:
    bars = pd.DataFrame({"high": [2.0], "low": [1.0], "close": [1.5], "volume": [10.0]})
    with pytest.raises(DataError, match="DatetimeIndex"):
        compute_indicator(bars, "VWAP")


def test_zscore(close: pd.DataFrame) -> None:
    x = close["NVDA"].to_numpy()
    result = compute_indicator(close[["NVDA"]], "ZSCORE", {"timeperiod": 30})["NVDA"].to_numpy()
    expected = np.full(len(x), np.nan)
    for t in range(29, len(x)):
        window = x[t - 29 : t + 1]
        expected[t] = (x[t] - window.mean()) / window.std(ddof=1)
    np.testing.assert_allclose(result, expected, **TOL)


def test_zscore_of_a_flat_window_is_nan() -> None:
    values = pd.Series([5.0, 5.0, 5.0, 6.0])
    assert rolling_zscore(values, 3).isna().tolist() == [True, True, True, False]


def test_realized_volatility(close: pd.DataFrame) -> None:
    x = close["AMZN"].to_numpy()
    log_returns = np.log(x[1:] / x[:-1])
    result = compute_indicator(close["AMZN"], "REALIZED_VOL", {"timeperiod": 21})
    got = result["realized_vol"].to_numpy()
    assert np.isnan(got[:21]).all()
    assert got[21] == pytest.approx(np.std(log_returns[:21], ddof=1) * np.sqrt(252), rel=1e-9)
    assert got[-1] == pytest.approx(np.std(log_returns[-21:], ddof=1) * np.sqrt(252), rel=1e-9)


def test_momentum_12_1(close: pd.DataFrame) -> None:
    x = close["BA"].to_numpy()
    got = compute_indicator(close["BA"], "MOM_12_1")["mom_12_1"].to_numpy()
    assert np.isnan(got[:252]).all()
    assert got[252] == pytest.approx(x[252 - 21] / x[0] - 1, rel=1e-12)
    assert got[-1] == pytest.approx(x[-1 - 21] / x[-1 - 252] - 1, rel=1e-12)
