"""Bad input across the performance and risk functions: an error from workbench.core.errors
or a documented NaN, never a crash or a warning (pytest runs with warnings as errors)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import workbench.analysis as analysis
from workbench.analysis import risk
from workbench.core.errors import DataError

pytestmark = pytest.mark.requirement("ANA-06")

DAYS = pd.bdate_range("2024-01-01", periods=6)

SERIES_FUNCTIONS: list[Callable[[pd.Series], Any]] = [
    analysis.total_return,
    analysis.cagr,
    analysis.annual_volatility,
    analysis.sharpe_ratio,
    analysis.sortino_ratio,
    analysis.calmar_ratio,
    analysis.omega_ratio,
    analysis.performance_summary,
    analysis.trade_statistics,
    analysis.drawdown_series,
    analysis.drawdown_episodes,
    analysis.drawdown_table,
    analysis.max_drawdown,
    analysis.rolling_volatility,
    analysis.rolling_sharpe,
    analysis.monthly_returns_table,
    analysis.yearly_returns,
    analysis.equity_from_returns,
    analysis.returns_from_equity,
    risk.historical_var,
    risk.parametric_var,
    risk.cornish_fisher_var,
    risk.monte_carlo_var,
    lambda series: analysis.compare_to_benchmark(series, series),
]
IDS = [getattr(f, "__name__", "compare_to_benchmark") for f in SERIES_FUNCTIONS]


@pytest.mark.parametrize("function", SERIES_FUNCTIONS, ids=IDS)
@pytest.mark.parametrize(
    "empty",
    [pd.Series(dtype=float), pd.Series([np.nan, np.nan], index=DAYS[:2])],
    ids=["empty", "all-nan"],
)
def test_empty_input_is_a_data_error(function: Callable[[pd.Series], Any], empty) -> None:
    with pytest.raises(DataError, match="empty"):
        function(empty)


# a distribution needs two points; everything else answers (with NaN where documented)
NEEDS_TWO = {
    risk.historical_var,
    risk.parametric_var,
    risk.cornish_fisher_var,
    risk.monte_carlo_var,
}


@pytest.mark.parametrize("function", SERIES_FUNCTIONS, ids=IDS)
def test_a_single_observation_gives_a_result_or_a_data_error(function) -> None:
    one = pd.Series([0.01], index=DAYS[:1])
    if function in NEEDS_TWO:
        with pytest.raises(DataError, match="at least 2 observations"):
            function(one)
    else:
        function(one)


def test_a_single_observation_has_nan_dispersion() -> None:
    summary = analysis.performance_summary(pd.Series([0.01], index=DAYS[:1]))
    assert summary.total_return == pytest.approx(0.01)
    assert math.isnan(summary.annual_volatility) and math.isnan(summary.sharpe)
    assert summary.to_dict()["sharpe"] is None


def test_nans_in_the_middle_are_unobserved_periods() -> None:
    gappy = pd.Series([0.01, np.nan, -0.02, 0.03, np.nan, 0.01], index=DAYS)
    clean = gappy.dropna()
    assert analysis.performance_summary(gappy).to_dict() == (
        analysis.performance_summary(clean).to_dict()
    )
    assert risk.historical_var(gappy) == risk.historical_var(clean)


def test_mismatched_indexes_use_the_common_dates() -> None:
    returns = pd.Series([0.01, -0.02, 0.03, 0.01], index=DAYS[:4])
    benchmark = pd.Series([0.02, 0.01, -0.01, 0.0], index=DAYS[2:6])
    assert analysis.compare_to_benchmark(returns, benchmark).periods == 2


def test_a_benchmark_with_no_overlap_is_a_data_error() -> None:
    returns = pd.Series([0.01, -0.02], index=DAYS[:2])
    benchmark = pd.Series([0.02, 0.01], index=DAYS[4:6])
    with pytest.raises(DataError, match="no dates in common"):
        analysis.performance_summary(returns, benchmark=benchmark)


def test_a_single_common_date_gives_nan_figures() -> None:
    returns = pd.Series([0.01, -0.02], index=DAYS[:2])
    benchmark = pd.Series([0.02, 0.01], index=DAYS[1:3])
    result = analysis.compare_to_benchmark(returns, benchmark)
    assert result.periods == 1 and math.isnan(result.beta) and math.isnan(result.alpha)


def test_duplicated_dates_and_text_are_data_errors() -> None:
    with pytest.raises(DataError, match="duplicate"):
        analysis.sharpe_ratio(pd.Series([0.01, 0.02], index=[DAYS[0], DAYS[0]]))
    with pytest.raises(DataError, match="numeric"):
        analysis.sharpe_ratio(pd.Series(["a", "b"]))
    with pytest.raises(DataError, match="infinite"):
        analysis.sharpe_ratio(pd.Series([0.01, np.inf]))


def test_prices_must_be_positive() -> None:
    with pytest.raises(DataError, match="positive"):
        analysis.price_returns(pd.Series([10.0, 0.0, 11.0]))
