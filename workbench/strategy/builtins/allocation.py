"""Built-in allocation strategies: cross-sectional momentum rotation, and periodic rebalancing
to any allocation method of the analysis engine (risk parity, minimum variance, HRP...).

Each ``weights`` call sees the bars up to the rebalance bar only (``AllocationStrategy.targets``
slices them), so neither can look ahead.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd

from workbench.analysis import WeightConstraints, price_returns, target_weights
from workbench.analysis.allocation import AllocationMethod
from workbench.strategy.base import REBALANCE_FREQUENCIES, AllocationStrategy, Bars, Params
from workbench.strategy.params import Param
from workbench.strategy.registry import register

__all__ = ["ALLOCATION_CHOICES", "MomentumRotation", "PeriodicRebalance"]

#: the analysis engine's methods that need nothing but returns ("user" needs weights given)
ALLOCATION_CHOICES = (
    "equal_weight",
    "inverse_volatility",
    "min_variance",
    "max_sharpe",
    "risk_parity",
    "hrp",
)
_SCHEDULES = tuple(REBALANCE_FREQUENCIES)


@register
class MomentumRotation(AllocationStrategy):
    name = "momentum_rotation"
    summary = (
        "Hold the `top` symbols by 12-1 momentum (return from `lookback` to `skip` bars ago), "
        "equally weighted, rebalanced monthly."
    )
    params = (
        Param("top", 5, min=1, max=500, help="how many symbols to hold"),
        Param("lookback", 252, min=2, max=2520, help="momentum measured from this many bars ago"),
        Param("skip", 21, min=0, max=252, help="... to this many bars ago (skips the reversal)"),
        Param("rebalance", "monthly", choices=_SCHEDULES, help="when to rebalance"),
    )
    constraints = ("skip < lookback",)

    def warmup(self, params: Params) -> int:
        return int(params["lookback"]) + 1

    def weights(self, history: Bars, params: Params) -> pd.Series[float] | None:
        lookback, skip = int(params["lookback"]), int(params["skip"])
        if len(history) <= lookback:
            return None  # not enough history yet: stay in cash
        close = history.close
        # the last value of analysis.indicators.momentum_12_1, computed for the last bar only
        momentum = close.iloc[-1 - skip] / close.iloc[-1 - lookback] - 1.0
        ranked = momentum.dropna().sort_values(ascending=False, kind="stable")
        chosen = ranked.index[: int(params["top"])]
        if len(chosen) == 0:
            return None
        return pd.Series(1.0 / len(chosen), index=chosen)


@register
class PeriodicRebalance(AllocationStrategy):
    name = "rebalance"
    summary = (
        "Rebalance to the weights of an allocation `method` (analysis engine) estimated over "
        "the last `lookback` bars of returns."
    )
    params = (
        Param("method", "risk_parity", choices=ALLOCATION_CHOICES, help="allocation method"),
        Param("lookback", 126, min=20, max=2520, help="bars of returns the method estimates on"),
        Param("max_weight", 1.0, min=0.01, max=1.0, help="cap on any one symbol's weight"),
        Param("rebalance", "monthly", choices=_SCHEDULES, help="when to rebalance"),
    )

    def warmup(self, params: Params) -> int:
        return int(params["lookback"]) + 1

    def weights(self, history: Bars, params: Params) -> pd.Series[float] | None:
        lookback = int(params["lookback"])
        if len(history) <= lookback:
            return None
        window = history.close.iloc[-lookback - 1 :]
        window = window.loc[:, window.notna().all()]  # a symbol not yet listed sits out
        if window.shape[1] == 0:
            return None
        cap = max(float(params["max_weight"]), 1.0 / window.shape[1])  # caps must be feasible
        result = target_weights(
            price_returns(window),
            cast(AllocationMethod, params["method"]),
            constraints=WeightConstraints(max_weight=cap),
        )
        weights = result.weights
        return weights.where(np.isfinite(weights), 0.0)
