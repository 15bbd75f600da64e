"""Deflated Sharpe ratio and probability of backtest overfitting on generated return series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.core.errors import DataError, ValidationError
from workbench.strategy import (
    deflated_sharpe_ratio,
    overfitting_report,
    probability_of_backtest_overfitting,
)

pytestmark = pytest.mark.requirement("STR-04")


def generated_noise(trials: int = 50, bars: int = 1000, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, 0.01, (bars, trials))


def test_choosing_among_pure_noise_is_overfitting() -> None:
    noise = generated_noise()
    dsr, sr0, best = deflated_sharpe_ratio(noise)
    assert dsr < 0.5  # the best of 50 coins is not skill
    assert sr0 > 0
    assert 0 <= best < 50
    pbo = probability_of_backtest_overfitting(noise, splits=10)
    assert 0.3 < pbo < 0.8


def test_a_real_edge_survives() -> None:
    noise = generated_noise()
    noise[:, 7] += 0.002  # one trial with a true daily edge (Sharpe about 3)
    dsr, _, best = deflated_sharpe_ratio(noise)
    assert best == 7
    assert dsr > 0.95
    assert probability_of_backtest_overfitting(noise, splits=10) < 0.05


def test_report_skips_trials_that_never_move() -> None:
    noise = generated_noise(trials=5, bars=400)
    frame = pd.DataFrame(np.hstack([noise, np.zeros((400, 1))]), columns=range(6))
    report = overfitting_report(frame, splits=8)
    assert report.trials == 5
    assert report.observations == 400
    assert 0 <= report.pbo <= 1
    assert report.to_dict()["splits"] == 8


def test_bad_input() -> None:
    with pytest.raises(ValidationError, match="even"):
        probability_of_backtest_overfitting(generated_noise(), splits=5)
    with pytest.raises(DataError, match="blocks"):
        probability_of_backtest_overfitting(generated_noise(bars=20), splits=16)
    with pytest.raises(DataError, match="ever moved"):
        overfitting_report(pd.DataFrame(np.zeros((100, 3))))
