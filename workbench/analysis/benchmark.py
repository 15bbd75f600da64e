"""Returns against a benchmark: beta, alpha, correlation, tracking error, information ratio,
up and down capture (conventions: ``analysis.conventions``).

Both series are read on their common dates only. No common date is a ``DataError``; with a
single common date every figure is NaN. Beta and correlation are NaN when the benchmark (or
either series, for correlation) does not move; a capture ratio is NaN when the benchmark
has no up (down) periods.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workbench.analysis._checks import (
    FloatArray,
    align,
    as_float,
    as_series,
    json_safe,
    positive_number,
    sample_std,
)
from workbench.analysis.conventions import TRADING_DAYS_PER_YEAR, periodic_rate

__all__ = ["BenchmarkComparison", "compare_to_benchmark"]

NAN = float("nan")


@dataclass(frozen=True, slots=True)
class BenchmarkComparison:
    """``alpha`` is annualised (arithmetic, per period times periods a year), as is
    ``tracking_error``; capture ratios are mean return over the benchmark's up (down)
    periods divided by the benchmark's mean over the same periods."""

    periods: int
    beta: float
    alpha: float
    correlation: float
    tracking_error: float
    information_ratio: float
    up_capture: float
    down_capture: float

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = json_safe(self)
        return result


def compare_to_benchmark(
    returns: pd.Series[float],
    benchmark: pd.Series[float],
    *,
    risk_free_rate: float = 0.0,
    periods_per_year: float = TRADING_DAYS_PER_YEAR,
) -> BenchmarkComparison:
    mine, theirs = align(
        as_series(returns, name="returns"),
        as_series(benchmark, name="benchmark"),
        left_name="returns",
        right_name="benchmark",
    )
    periods_per_year = positive_number("periods_per_year", periods_per_year)
    rate = periodic_rate(as_float("risk_free_rate", risk_free_rate), periods_per_year)
    r, b = mine.to_numpy() - rate, theirs.to_numpy() - rate
    active = r - b
    tracking = sample_std(active) * math.sqrt(periods_per_year)
    beta = _beta(r, b)
    return BenchmarkComparison(
        periods=len(r),
        beta=beta,
        alpha=float((r.mean() - beta * b.mean()) * periods_per_year) if len(r) >= 2 else NAN,
        correlation=_correlation(r, b),
        tracking_error=tracking,
        information_ratio=(
            float(active.mean() * periods_per_year / tracking) if tracking > 0.0 else NAN
        ),
        up_capture=_capture(mine.to_numpy(), theirs.to_numpy(), up=True),
        down_capture=_capture(mine.to_numpy(), theirs.to_numpy(), up=False),
    )


def _beta(r: FloatArray, b: FloatArray) -> float:
    variance = sample_std(b) ** 2
    if not variance > 0.0:
        return NAN
    return float(np.cov(r, b, ddof=1)[0, 1] / variance)


def _correlation(r: FloatArray, b: FloatArray) -> float:
    if not (sample_std(r) > 0.0 and sample_std(b) > 0.0):
        return NAN
    return float(np.corrcoef(r, b)[0, 1])


def _capture(r: FloatArray, b: FloatArray, *, up: bool) -> float:
    chosen = b > 0.0 if up else b < 0.0
    if not chosen.any():
        return NAN
    return float(r[chosen].mean() / b[chosen].mean())
