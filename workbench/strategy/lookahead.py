"""The look-ahead guard: change every bar after a date and check that nothing before it moves.

A strategy that peeks at the future (a centred window, a ``shift(-1)``, a fit on the whole
history) gives different decisions before ``at`` when the bars after ``at`` change. The guard
perturbs every bar after ``at`` (mirrors the prices, so every later return changes sign, and
rescales volumes), then compares, up to and including ``at``: the decisions (signals or
target weights), the orders filled, and the equity. Run it on your own strategy before you
trust a backtest of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workbench.core.errors import DataError
from workbench.strategy.backtest import backtest
from workbench.strategy.base import AllocationStrategy, Bars, SignalStrategy, Strategy
from workbench.strategy.config import BacktestConfig
from workbench.strategy.registry import get_strategy

__all__ = ["LookaheadReport", "check_lookahead", "perturb_after"]


@dataclass(frozen=True, slots=True)
class LookaheadReport:
    """What changed at or before ``at`` (should be nothing) and after it (should be
    something, or the perturbation proved nothing)."""

    strategy: str
    at: pd.Timestamp
    decisions_changed_before: int
    orders_changed_before: int
    equity_changed_before: int
    decisions_changed_after: int
    examples: list[str]

    @property
    def ok(self) -> bool:
        return not (
            self.decisions_changed_before
            or self.orders_changed_before
            or self.equity_changed_before
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "at": self.at.isoformat(),
            "ok": self.ok,
            "decisions_changed_before": self.decisions_changed_before,
            "orders_changed_before": self.orders_changed_before,
            "equity_changed_before": self.equity_changed_before,
            "decisions_changed_after": self.decisions_changed_after,
            "examples": list(self.examples),
        }


def perturb_after(bars: Bars, at: Any, *, seed: int = 0) -> Bars:
    """``bars`` with every bar after ``at`` mirrored around each symbol's last close at ``at``:
    every later return changes sign (a rise becomes a fall), high and low swap roles, volumes
    are scaled at random. What a peeking strategy reads about the future is then always
    different. The result is generated data, not market data."""
    after = np.asarray(bars.index > pd.Timestamp(at))
    if not after.any() or after.all():
        raise DataError(f"{at} must fall inside the bars, with bars after it")
    pivot = bars.close.loc[~after].ffill().iloc[-1].to_numpy()

    def mirrored(frame: pd.DataFrame, source: pd.DataFrame | None = None) -> np.ndarray[Any, Any]:
        values = frame.to_numpy(dtype=np.float64, copy=True)
        future = (frame if source is None else source).to_numpy(dtype=np.float64)[after]
        values[after] = pivot**2 / future
        return values

    rng = np.random.default_rng(seed)
    volume = bars.volume.to_numpy(dtype=np.float64, copy=True)
    volume[after] *= rng.uniform(0.5, 1.5, volume[after].shape)
    fields = {
        "open": mirrored(bars.open),
        "high": mirrored(bars.high, bars.low),  # the mirror of the low is the new high
        "low": mirrored(bars.low, bars.high),
        "close": mirrored(bars.close),
        "volume": volume,
    }
    return bars.map(
        lambda name, frame: pd.DataFrame(fields[name], index=frame.index, columns=frame.columns)
    )


def check_lookahead(
    strategy: str | Strategy,
    bars: Bars,
    params: Mapping[str, object] | None = None,
    config: BacktestConfig | None = None,
    *,
    at: Any,
    seed: int = 0,
) -> LookaheadReport:
    chosen = get_strategy(strategy)
    values = chosen.validate(params)
    cut = pd.Timestamp(at)
    changed = perturb_after(bars, cut, seed=seed)
    before = np.asarray(bars.index <= cut)
    mine, theirs = _decisions(chosen, bars, values), _decisions(chosen, changed, values)
    differs = ~((mine == theirs) | (mine.isna() & theirs.isna()))
    examples = [
        f"{mine.index[i].date()} {mine.columns[j]}"
        for i, j in zip(*np.nonzero(differs.to_numpy() & before[:, None]), strict=True)
    ][:5]
    first, second = (
        backtest(chosen, bars, values, config),
        backtest(chosen, changed, values, config),
    )
    return LookaheadReport(
        strategy=chosen.name,
        at=cut,
        decisions_changed_before=int(differs.to_numpy()[before].sum()),
        orders_changed_before=_changed_orders(first.orders, second.orders, cut),
        equity_changed_before=int(
            (~np.isclose(first.equity[before], second.equity[before], rtol=0, atol=1e-9)).sum()
        ),
        decisions_changed_after=int(differs.to_numpy()[~before].sum()),
        examples=examples,
    )


def _decisions(strategy: Strategy, bars: Bars, params: Mapping[str, Any]) -> pd.DataFrame:
    """Signals (as one frame of labelled columns) or target weights."""
    if isinstance(strategy, SignalStrategy):
        frames = strategy.signals(bars, params).aligned(bars).frames()
        return pd.concat(frames, axis=1).astype(float)
    if isinstance(strategy, AllocationStrategy):
        return strategy.targets(bars, params)
    raise DataError(f"{strategy!r} is neither a signal nor an allocation strategy")


def _changed_orders(first: pd.DataFrame, second: pd.DataFrame, cut: pd.Timestamp) -> int:
    a = first[first["timestamp"] <= cut].reset_index(drop=True)
    b = second[second["timestamp"] <= cut].reset_index(drop=True)
    if len(a) != len(b):
        return abs(len(a) - len(b)) or 1
    columns = ["timestamp", "symbol", "side", "qty", "price", "fee"]
    same = a[columns].equals(b[columns])
    return 0 if same else int((a[columns] != b[columns]).any(axis=1).sum())
