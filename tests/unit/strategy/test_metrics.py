"""The grid's column-wise figures equal the analysis engine's, series by series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.analysis import performance_summary, price_returns
from workbench.core.errors import ValidationError
from workbench.data.sample import read_sample
from workbench.strategy import FAST_METRICS
from workbench.strategy.metrics import check_metric, metric_columns, summary_metric


def real_returns() -> pd.DataFrame:
    """Daily returns of three bundled stocks (real data), 2015-2016."""
    rows = read_sample("bars_1d")
    rows = rows[rows["symbol"].isin(["AAPL", "GE", "XOM"])]
    close = rows.pivot(index="timestamp", columns="symbol", values="close")
    close = close[(close.index >= "2015-01-01") & (close.index < "2017-01-01")]
    return price_returns(close)


def test_equal_to_performance_summary_on_real_returns() -> None:
    returns = real_returns()
    columns = metric_columns(returns.to_numpy())
    for k, symbol in enumerate(returns.columns):
        summary = performance_summary(returns[symbol])
        for name in FAST_METRICS:
            assert columns[name][k] == pytest.approx(getattr(summary, name), rel=1e-9), name


def test_edge_cases_follow_the_same_nan_rules() -> None:
    index = pd.date_range("2030-01-01", periods=4, freq="D")
    flat = np.zeros((4, 1))  # generated: a portfolio that never traded
    rising = np.full((4, 1), 0.01)
    columns = metric_columns(np.hstack([flat, rising]))
    for k, values in enumerate((flat, rising)):
        summary = performance_summary(pd.Series(values[:, 0], index=index))
        for name in FAST_METRICS:
            expected = getattr(summary, name)
            if np.isnan(expected):
                assert np.isnan(columns[name][k]), name
            else:
                assert columns[name][k] == pytest.approx(expected), name


def test_any_summary_field_by_name() -> None:
    returns = real_returns()["AAPL"]
    assert summary_metric(returns, "trades.hit_rate") == pytest.approx(
        performance_summary(returns).trades.hit_rate
    )
    check_metric("sharpe")
    check_metric("omega")
    for bad in ("sharp", "trades.basis"):
        with pytest.raises(ValidationError, match="metric"):
            check_metric(bad)
