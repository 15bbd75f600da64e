"""How much of a grid's best result is luck: the deflated Sharpe ratio and the probability of
backtest overfitting.

- **Deflated Sharpe ratio** (Bailey and López de Prado, 2014): the probability that the best
  combination's true Sharpe ratio is above zero, after raising the bar to the Sharpe ratio the
  best of N unskilled trials would show (from the spread of the trials' Sharpe ratios) and
  allowing for the skew and fat tails of its returns. Near 1: the best is probably real.
- **Probability of backtest overfitting** (Bailey, Borwein, López de Prado and Zhu, 2015, by
  combinatorially symmetric cross-validation): the bars are cut into ``splits`` blocks; for
  every way of choosing half of them as in-sample, the combination that is best in-sample is
  ranked out-of-sample; PBO is the share of splits where it lands in the bottom half. Near 0:
  the in-sample choice carries over; 0.5 and above: choosing by the grid is no better than luck.

Both work on per-period (not annualised) Sharpe ratios; combinations that never move (zero
variance) are left out as trials.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from workbench.analysis import TRADING_DAYS_PER_YEAR
from workbench.core.errors import DataError, ValidationError

__all__ = [
    "OverfittingReport",
    "deflated_sharpe_ratio",
    "overfitting_report",
    "probability_of_backtest_overfitting",
]

FloatArray = npt.NDArray[np.float64]
_EULER_GAMMA = 0.5772156649015329
_NORMAL = NormalDist()
_BATCH = 2048  # cross-validation splits evaluated at once (bounds memory on wide grids)


@dataclass(frozen=True, slots=True)
class OverfittingReport:
    trials: int
    observations: int
    best_trial: int
    best_sharpe: float  # annualised
    expected_max_sharpe: float  # annualised: what the best of `trials` unskilled ones shows
    deflated_sharpe: float
    pbo: float
    splits: int

    def to_dict(self) -> dict[str, Any]:
        return {
            k: (None if isinstance(v, float) and not math.isfinite(v) else v)
            for k, v in asdict(self).items()
        }


def overfitting_report(returns: pd.DataFrame, *, splits: int = 16) -> OverfittingReport:
    """Both diagnostics for ``returns`` (bars x trials, one column per combination)."""
    matrix = _trials(returns)
    dsr, sr0, best = deflated_sharpe_ratio(matrix)
    sharpe = _sharpe(matrix)
    pbo = probability_of_backtest_overfitting(matrix, splits=splits) if matrix.shape[1] > 1 else 1.0
    scale = math.sqrt(TRADING_DAYS_PER_YEAR)
    return OverfittingReport(
        trials=matrix.shape[1],
        observations=matrix.shape[0],
        best_trial=int(returns.columns[_kept(returns)][best]),
        best_sharpe=float(sharpe[best] * scale),
        expected_max_sharpe=sr0 * scale,
        deflated_sharpe=dsr,
        pbo=pbo,
        splits=splits,
    )


def deflated_sharpe_ratio(returns: FloatArray) -> tuple[float, float, int]:
    """(DSR, the per-period Sharpe ratio the best of the trials would show by luck, the index
    of the best trial) for ``returns`` (bars x trials)."""
    sharpe = _sharpe(returns)
    best = int(np.argmax(sharpe))
    n_trials, n_obs = returns.shape[1], returns.shape[0]
    sr0 = 0.0
    if n_trials > 1:
        spread = math.sqrt(float(np.var(sharpe, ddof=1)))
        sr0 = spread * (
            (1 - _EULER_GAMMA) * _NORMAL.inv_cdf(1 - 1 / n_trials)
            + _EULER_GAMMA * _NORMAL.inv_cdf(1 - 1 / (n_trials * math.e))
        )
    chosen = returns[:, best]
    centred = chosen - chosen.mean()
    deviation = float(np.sqrt(np.mean(centred**2)))
    skew = float(np.mean(centred**3)) / deviation**3
    kurtosis = float(np.mean(centred**4)) / deviation**4
    sr = float(sharpe[best])
    denominator = 1 - skew * sr + (kurtosis - 1) / 4 * sr**2
    if not denominator > 0 or n_obs < 2:
        return math.nan, sr0, best
    z = (sr - sr0) * math.sqrt(n_obs - 1) / math.sqrt(denominator)
    return _NORMAL.cdf(z), sr0, best


def probability_of_backtest_overfitting(returns: FloatArray, *, splits: int = 16) -> float:
    """PBO of ``returns`` (bars x trials) by CSCV over ``splits`` blocks (an even number)."""
    if splits < 2 or splits % 2:
        raise ValidationError(f"splits must be an even number of at least 2, got {splits}")
    n_obs, n_trials = returns.shape
    if n_trials < 2:
        raise DataError("PBO needs at least two trials")
    block = n_obs // splits
    if block < 2:
        raise DataError(f"{n_obs} bars cannot be cut into {splits} blocks of 2 or more")
    usable = returns[n_obs - block * splits :].reshape(splits, block, n_trials)
    sums, squares = usable.sum(axis=1), (usable**2).sum(axis=1)  # (splits, trials)
    below = 0
    total = 0
    combos = itertools.combinations(range(splits), splits // 2)
    while batch := list(itertools.islice(combos, _BATCH)):
        chosen = np.zeros((len(batch), splits))
        for row, blocks in enumerate(batch):
            chosen[row, list(blocks)] = 1.0
        inside = _block_sharpe(chosen @ sums, chosen @ squares, block * splits // 2)
        outside = _block_sharpe((1 - chosen) @ sums, (1 - chosen) @ squares, block * splits // 2)
        winner = np.argmax(inside, axis=1)
        # relative rank of the in-sample winner among the out-of-sample results, in (0, 1)
        ranks = (outside < outside[np.arange(len(batch)), winner][:, None]).sum(axis=1) + 1
        omega = ranks / (n_trials + 1)
        below += int(np.sum(np.log(omega / (1 - omega)) <= 0))
        total += len(batch)
    return below / total


def _trials(returns: pd.DataFrame) -> FloatArray:
    matrix = returns.loc[:, _kept(returns)].to_numpy(dtype=np.float64)
    if matrix.shape[1] == 0:
        raise DataError("no combination of the grid ever moved: nothing to diagnose")
    return matrix


def _kept(returns: pd.DataFrame) -> npt.NDArray[np.bool_]:
    values = returns.to_numpy(dtype=np.float64)
    finite = np.isfinite(values).all(axis=0)
    moving = np.std(np.where(np.isfinite(values), values, 0.0), axis=0) > 0
    return np.asarray(finite & moving)


def _sharpe(returns: FloatArray) -> FloatArray:
    return np.asarray(returns.mean(axis=0) / returns.std(axis=0, ddof=1), dtype=np.float64)


def _block_sharpe(sums: FloatArray, squares: FloatArray, count: int) -> FloatArray:
    mean = sums / count
    variance = (squares - count * mean**2) / (count - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        sharpe = mean / np.sqrt(np.maximum(variance, 0.0))
    return np.where(np.isfinite(sharpe), sharpe, -np.inf)
