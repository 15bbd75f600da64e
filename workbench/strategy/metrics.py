"""Performance figures of many portfolios at once, for grids and walk-forward.

``workbench.analysis.performance`` computes the figures of one return series; a grid has
thousands, and a Python call per series would cost more than the simulation. These are the same
figures, under the same conventions (``analysis.conventions``: 252 periods a year, sample
standard deviation, drawdowns from a start of 1.0, NaN where a figure is undefined), computed
column-wise in numpy; the tests hold them equal to ``performance_summary``. Any other figure of
``PerformanceSummary`` (``omega``, ``trades.hit_rate``, ...) is available by name through the
slower ``summary_metric``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from workbench.analysis import TRADING_DAYS_PER_YEAR, performance_summary
from workbench.core.errors import ValidationError

__all__ = ["FAST_METRICS", "MINIMIZED", "check_metric", "metric_columns", "summary_metric"]

FloatArray = npt.NDArray[np.float64]
FAST_METRICS = (
    "total_return",
    "cagr",
    "annual_volatility",
    "sharpe",
    "sortino",
    "calmar",
    "omega",
    "max_drawdown",
    "best_period",
    "worst_period",
)
#: figures where less is better (max_drawdown is negative, so more is better)
MINIMIZED = frozenset({"annual_volatility"})
_AT_PEAK = -1e-12  # as analysis.drawdown: rounding noise at a recovered peak is not a drawdown


def metric_columns(
    returns: npt.ArrayLike, periods: float = TRADING_DAYS_PER_YEAR
) -> dict[str, Any]:
    """Every ``FAST_METRICS`` figure of each column of ``returns`` (bars x portfolios)."""
    r = np.asarray(returns, dtype=np.float64)
    n = r.shape[0]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        growth = np.prod(1.0 + r, axis=0)
        total = growth - 1.0
        cagr = growth ** (periods / n) - 1.0
        std = _sample_std(r)
        mean = r.mean(axis=0)
        downside = np.sqrt(np.mean(np.minimum(r, 0.0) ** 2, axis=0))
        gains = np.maximum(r, 0.0).sum(axis=0)
        losses = np.maximum(-r, 0.0).sum(axis=0)
        equity = np.cumprod(1.0 + r, axis=0)
        peak = np.maximum(np.maximum.accumulate(equity, axis=0), 1.0)
        underwater = equity / peak - 1.0
        depth = np.where(underwater < _AT_PEAK, underwater, 0.0).min(axis=0)
        many = n >= 2
        return {
            "total_return": total,
            "cagr": cagr,
            "annual_volatility": std * math.sqrt(periods),
            "sharpe": np.where(many & (std > 0), mean / std * math.sqrt(periods), np.nan),
            "sortino": np.where(
                many & (downside > 0), mean * periods / (downside * math.sqrt(periods)), np.nan
            ),
            "calmar": np.where(many & (depth < 0), cagr / np.abs(depth), np.nan),
            "omega": np.where(many & (losses > 0), gains / losses, np.nan),
            "max_drawdown": depth,
            "best_period": r.max(axis=0),
            "worst_period": r.min(axis=0),
        }


def summary_metric(returns: pd.Series[float], name: str) -> float:
    """One figure of ``performance_summary`` by name; a dotted name reaches into a part
    (``trades.hit_rate``, ``benchmark.beta``)."""
    value: Any = performance_summary(returns)
    for part in name.split("."):
        if not hasattr(value, part):
            raise ValidationError(
                f"unknown metric {name!r}: use one of {', '.join(FAST_METRICS)} or a field of "
                "workbench.analysis.PerformanceSummary (e.g. trades.hit_rate)"
            )
        value = getattr(value, part)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"metric {name!r} is not a number")
    return float(value)


def check_metric(name: str) -> None:
    """Fail early on a metric name that neither path knows."""
    if name in FAST_METRICS:
        return
    index = pd.date_range("2000-01-03", periods=3, freq="D")
    summary_metric(pd.Series([0.01, -0.01, 0.02], index=index), name)


def _sample_std(r: FloatArray) -> FloatArray:
    if r.shape[0] < 2:
        return np.full(r.shape[1], np.nan)
    std = np.std(r, axis=0, ddof=1)
    scale = np.max(np.abs(r), axis=0)
    # as analysis._checks.sample_std: equal values have exactly zero spread
    return np.where(std <= 1e-10 * scale, 0.0, std)
