"""Walk-forward on the bundled data: disjoint out-of-sample windows, stitched equity, degradation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.strategy import BacktestConfig, Bars, walk_forward

pytestmark = pytest.mark.requirement("STR-04")

GRID = {"fast": "5:15:5", "slow": "30:50:10"}
CONFIG = BacktestConfig(benchmark=None, fees=0.0005)


@pytest.mark.parametrize("anchored", [False, True])
def test_windows_and_stitched_equity(bars: Bars, anchored: bool) -> None:
    result = walk_forward(
        "sma_crossover", bars, GRID, CONFIG, train=252, test=126, anchored=anchored
    )
    windows = result.windows
    assert len(windows) == 4  # tests start at sessions 252, 378, 504 and 630 of 756
    assert (windows["train_end"] < windows["test_start"]).all()
    assert (
        windows["test_start"].iloc[1:].to_numpy() > windows["test_end"].iloc[:-1].to_numpy()
    ).all()
    first_train = windows["train_start"]
    if anchored:
        assert (first_train == bars.index[0]).all()
    else:
        assert first_train.is_monotonic_increasing and first_train.nunique() == 4
    # the stitched curve covers every out-of-sample session exactly once
    assert result.equity.index.equals(bars.index[252:])
    assert result.returns.index.is_unique
    assert np.isfinite(result.windows[["in_sample", "out_of_sample"]].to_numpy()).all()
    assert set(windows.columns) >= {"fast", "slow", "in_sample", "out_of_sample"}
    summary = result.to_dict()
    assert summary["efficiency"] == pytest.approx(result.efficiency)
    assert summary["degradation"] == pytest.approx(1 - result.efficiency)
    assert summary["final_equity"] == pytest.approx(float(result.equity.iloc[-1]))


def test_out_of_sample_starts_flat_and_decides_only_inside(bars: Bars) -> None:
    result = walk_forward("sma_crossover", bars, GRID, CONFIG, train=252, test=126)
    for start in result.windows["test_start"]:
        # nothing decided before the test start, so its first bar has no position to move
        assert result.returns.loc[start] == 0.0
    assert isinstance(result.windows["test_start"].iloc[0], pd.Timestamp)


def test_walk_forward_of_an_allocation_strategy(bars: Bars) -> None:
    result = walk_forward(
        "momentum_rotation",
        bars,
        {"top": [1, 2], "lookback": [63, 126], "skip": [5]},
        BacktestConfig(benchmark=None),
        train=378,
        test=189,
    )
    assert len(result.windows) == 2
    assert set(result.windows["top"]) <= {1, 2}
