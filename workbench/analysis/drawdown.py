"""Drawdowns of a return series: the underwater curve, the worst episode and a table of episodes.

The equity curve is compounded from simple returns and starts at 1.0 before the first return
(``analysis.conventions``), so a loss on the first day is already a drawdown; a peak at that
very start is reported at the first date of the series.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workbench.analysis._checks import as_series, json_safe, positive_int

__all__ = [
    "DrawdownEpisode",
    "drawdown_episodes",
    "drawdown_series",
    "drawdown_table",
    "max_drawdown",
]

# Compounding the same numbers in a different order can leave 1e-16 of "drawdown" at a
# recovered peak; anything shallower than this is at the peak.
_AT_PEAK = -1e-12


@dataclass(frozen=True, slots=True)
class DrawdownEpisode:
    """One fall from a peak and the way back. ``depth`` is negative (-0.2 = 20 % down)."""

    peak: Any
    trough: Any
    recovery: Any | None
    depth: float
    decline_periods: int
    recovery_periods: int | None

    @property
    def recovered(self) -> bool:
        return self.recovery is not None

    def to_dict(self) -> dict[str, Any]:
        return {**json_safe(self), "recovered": self.recovered}


def drawdown_series(returns: pd.Series[float]) -> pd.Series[float]:
    """Fractional distance below the running peak at the end of each period (0 or negative)."""
    series = as_series(returns, name="returns")
    equity = (1.0 + series).cumprod()
    # the starting value 1.0 is a peak too, so a first-day loss is a drawdown
    peak = equity.cummax().clip(lower=1.0)
    underwater = equity / peak - 1.0
    return underwater.where(underwater < _AT_PEAK, 0.0).rename("drawdown")


def drawdown_episodes(returns: pd.Series[float]) -> list[DrawdownEpisode]:
    """Every drawdown episode, deepest first; an empty list when the curve never falls."""
    underwater = drawdown_series(returns)
    values = underwater.to_numpy()
    labels = underwater.index
    below = values < 0.0
    episodes: list[DrawdownEpisode] = []
    # edges of the runs of consecutive periods under water
    padded = np.concatenate(([False], below, [False])).astype(np.int8)
    starts = np.flatnonzero(np.diff(padded) == 1)
    ends = np.flatnonzero(np.diff(padded) == -1)  # one past the last period under water
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        trough = start + int(np.argmin(values[start:end]))
        peak = max(start - 1, 0)
        recovered = end < len(values)
        episodes.append(
            DrawdownEpisode(
                peak=labels[peak],
                trough=labels[trough],
                recovery=labels[end] if recovered else None,
                depth=float(values[trough]),
                decline_periods=int(trough - peak),
                recovery_periods=int(end - trough) if recovered else None,
            )
        )
    episodes.sort(key=lambda episode: episode.depth)
    return episodes


def max_drawdown(returns: pd.Series[float]) -> DrawdownEpisode | None:
    """The deepest episode, or None when the curve never falls below a peak."""
    episodes = drawdown_episodes(returns)
    return episodes[0] if episodes else None


def drawdown_table(returns: pd.Series[float], *, top: int = 5) -> pd.DataFrame:
    """The ``top`` deepest episodes, one row each, deepest first."""
    top = positive_int("top", top)
    rows = [
        {
            "peak": episode.peak,
            "trough": episode.trough,
            "recovery": episode.recovery,
            "depth": episode.depth,
            "decline_periods": episode.decline_periods,
            "recovery_periods": episode.recovery_periods,
        }
        for episode in drawdown_episodes(returns)[:top]
    ]
    columns = ["peak", "trough", "recovery", "depth", "decline_periods", "recovery_periods"]
    table = pd.DataFrame(rows, columns=columns)
    table["recovery_periods"] = table["recovery_periods"].astype("Int64")
    table.index = pd.RangeIndex(1, len(table) + 1, name="rank")
    return table
