"""Indicators analysts expect that TA-Lib lacks: session VWAP, rolling z-score, realised
volatility and 12-1 momentum. Each is a plain function and an entry in the registry.

TA-Lib's own VWAP accumulates from the first bar it is given, which on several days of
intraday bars is not what anyone means by VWAP; the registry's ``VWAP`` is this one, restarted
at every America/New_York session.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from workbench.analysis._checks import FloatArray, positive_int, positive_number
from workbench.analysis.conventions import TRADING_DAYS_PER_YEAR, session_dates
from workbench.analysis.indicators.spec import IndicatorSpec, ParameterSpec, ParameterValue
from workbench.core.errors import ValidationError

__all__ = [
    "custom_specs",
    "momentum_12_1",
    "realized_volatility",
    "rolling_zscore",
    "session_vwap",
]

_MAX_PERIOD = 100_000
# a window whose standard deviation is below this did not move; its z-score means nothing
_FLAT = 1e-12


def session_vwap(
    high: pd.Series[float], low: pd.Series[float], close: pd.Series[float], volume: pd.Series[float]
) -> pd.Series[float]:
    """Volume-weighted typical price ((high + low + close) / 3), cumulated from each session's
    first bar; NaN until the session has traded volume."""
    typical = (high + low + close) / 3.0
    sessions = session_dates(close.index)
    traded = (typical * volume).groupby(sessions).cumsum()
    cumulative_volume = volume.groupby(sessions).cumsum()
    return (traded / cumulative_volume.where(cumulative_volume > 0)).rename("vwap")


def rolling_zscore(values: pd.Series[float], window: int = 20) -> pd.Series[float]:
    """(value - rolling mean) / rolling sample standard deviation (ddof=1) over ``window``
    values, the current one included; NaN until the window is full and where it is flat."""
    window = positive_int("window", window, minimum=2)
    rolling = values.rolling(window, min_periods=window)
    deviation = rolling.std()
    return ((values - rolling.mean()) / deviation.where(deviation > _FLAT)).rename("zscore")


def realized_volatility(
    close: pd.Series[float],
    window: int = 21,
    periods_per_year: float = TRADING_DAYS_PER_YEAR,
) -> pd.Series[float]:
    """Annualised sample standard deviation of log returns over the trailing ``window``
    returns (so ``window + 1`` prices)."""
    window = positive_int("window", window, minimum=2)
    scale = math.sqrt(positive_number("periods_per_year", periods_per_year))
    log_returns = pd.Series(np.log((close / close.shift(1)).to_numpy()), index=close.index)
    deviation = log_returns.rolling(window, min_periods=window).std()
    return (deviation * scale).rename("realized_vol")


def momentum_12_1(close: pd.Series[float], lookback: int = 252, skip: int = 21) -> pd.Series[float]:
    """Return from ``lookback`` bars ago to ``skip`` bars ago: ``close[t-skip] /
    close[t-lookback] - 1`` (12-1 momentum on daily bars skips the latest month's reversal)."""
    _check_momentum(lookback, skip)
    return (close.shift(skip) / close.shift(lookback) - 1.0).rename("mom_12_1")


def _check_momentum(lookback: int, skip: int) -> None:
    if not 0 <= skip < lookback:
        raise ValidationError(
            f"skipperiod must be smaller than timeperiod (and not negative), got "
            f"skipperiod={skip}, timeperiod={lookback}"
        )


def _period(default: int) -> ParameterSpec:
    return ParameterSpec("timeperiod", "int", default, 2, _MAX_PERIOD, description="number of bars")


def custom_specs() -> list[IndicatorSpec]:
    return [
        IndicatorSpec(
            name="VWAP",
            display_name="Volume Weighted Average Price (session-anchored)",
            group="Volume Indicators",
            inputs=("high", "low", "close", "volume"),
            parameters=(),
            outputs=("vwap",),
            source="workbench",
            flags=("Output scale same as input", "Restarts every America/New_York session"),
            kernel=_vwap_kernel,
        ),
        IndicatorSpec(
            name="ZSCORE",
            display_name="Rolling Z-Score",
            group="Statistic Functions",
            inputs=("close",),
            parameters=(_period(20),),
            outputs=("zscore",),
            source="workbench",
            kernel=_zscore_kernel,
        ),
        IndicatorSpec(
            name="REALIZED_VOL",
            display_name="Realised Volatility (annualised, log returns)",
            group="Volatility Indicators",
            inputs=("close",),
            parameters=(
                _period(21),
                ParameterSpec(
                    "periods_per_year",
                    kind="int",
                    default=TRADING_DAYS_PER_YEAR,
                    minimum=1,
                    maximum=10_000_000,
                    description="bars a year, for annualising (252 daily; 252*78 for 5-minute)",
                ),
            ),
            outputs=("realized_vol",),
            source="workbench",
            kernel=_realized_vol_kernel,
        ),
        IndicatorSpec(
            name="MOM_12_1",
            display_name="12-1 Momentum (return from t-timeperiod to t-skipperiod)",
            group="Momentum Indicators",
            inputs=("close",),
            parameters=(
                _period(252),
                ParameterSpec(
                    "skipperiod",
                    kind="int",
                    default=21,
                    minimum=0,
                    maximum=_MAX_PERIOD - 1,
                    description="most recent bars left out",
                ),
            ),
            outputs=("mom_12_1",),
            source="workbench",
            kernel=_momentum_kernel,
            cross_check=lambda p: _check_momentum(int(p["timeperiod"]), int(p["skipperiod"])),
        ),
    ]


# Kernels: the registry's calling convention (arrays in, arrays out) around the functions above.
def _vwap_kernel(
    columns: Sequence[FloatArray], index: pd.Index, params: Mapping[str, ParameterValue]
) -> list[FloatArray]:
    high, low, close, volume = (pd.Series(column, index=index) for column in columns)
    return [session_vwap(high, low, close, volume).to_numpy()]


def _zscore_kernel(
    columns: Sequence[FloatArray], index: pd.Index, params: Mapping[str, ParameterValue]
) -> list[FloatArray]:
    return [rolling_zscore(pd.Series(columns[0]), int(params["timeperiod"])).to_numpy()]


def _realized_vol_kernel(
    columns: Sequence[FloatArray], index: pd.Index, params: Mapping[str, ParameterValue]
) -> list[FloatArray]:
    close = pd.Series(columns[0])
    period, per_year = int(params["timeperiod"]), float(params["periods_per_year"])
    return [realized_volatility(close, period, per_year).to_numpy()]


def _momentum_kernel(
    columns: Sequence[FloatArray], index: pd.Index, params: Mapping[str, ParameterValue]
) -> list[FloatArray]:
    lookback, skip = int(params["timeperiod"]), int(params["skipperiod"])
    return [momentum_12_1(pd.Series(columns[0]), lookback, skip).to_numpy()]
