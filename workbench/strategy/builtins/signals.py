"""Built-in signal strategies: moving-average crossovers, RSI and Bollinger-band mean reversion,
Donchian breakout, and buy-and-hold (the benchmark every other strategy should beat).

Every signal at bar ``t`` is computed from bars ``<= t``: rolling windows end at ``t``, and the
breakout channel ends at ``t - 1`` so a bar never breaks out of a channel it is part of. A
crossover needs both lines observed at ``t - 1`` and ``t`` (``crossed_above``).
Indicators come from ``workbench.analysis.indicators`` (TA-Lib) or pandas; a grid shares each
distinct moving average between the parameter sets that use it, and the parameter sets then run
side by side as columns of one vectorbt simulation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from workbench.analysis.indicators import compute_indicator
from workbench.strategy.base import Bars, Params, Signals, SignalStrategy
from workbench.strategy.params import Param
from workbench.strategy.registry import register

__all__ = [
    "BollingerReversion",
    "BuyAndHold",
    "DonchianBreakout",
    "EmaCrossover",
    "RsiReversion",
    "SmaCrossover",
    "crossed_above",
    "crossed_below",
]


def crossed_above(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    """True where ``left`` is above ``right`` at this bar and was at or below it at the
    previous bar.

    A cross needs two observed bars on both sides: where either side is missing (NaN) at this
    bar or the previous one, nothing crossed. A missing previous value is not "below": the
    first bar where a slow average exists is not a cross just because the fast one is above.
    """
    observed = left.notna() & right.notna()
    both = observed & observed.shift(1, fill_value=False)
    above = left > right
    was_above = above.shift(1, fill_value=False)
    return both & above & ~was_above


def crossed_below(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    """True where ``left`` falls below ``right`` (the same rules as ``crossed_above``)."""
    return crossed_above(right, left)


def _windows(close: pd.DataFrame, windows: Iterable[int], ewm: bool) -> dict[int, pd.DataFrame]:
    """One moving average per distinct window, shared by every parameter set that uses it
    (a 10 x 10 grid of crossovers needs 20 averages, not 200)."""
    averages = {}
    for window in sorted({int(w) for w in windows}):
        if ewm:  # the recursive EMA seeded from the first value, as TA-Lib and vectorbt
            line = close.ewm(span=window, adjust=False, min_periods=window).mean()
        else:
            line = close.rolling(window, min_periods=window).mean()
        averages[window] = line
    return averages


class _Crossover(SignalStrategy):
    ewm = False
    params = (
        Param("fast", 10, min=2, max=500, help="bars in the fast moving average"),
        Param("slow", 50, min=3, max=1000, help="bars in the slow moving average"),
    )
    constraints = ("fast < slow",)

    def warmup(self, params: Params) -> int:
        return int(params["slow"])

    def signals(self, bars: Bars, params: Params) -> Signals:
        return self.signals_grid(bars, [params])[0]

    def signals_grid(self, bars: Bars, combos: Sequence[Params]) -> list[Signals]:
        lines = _windows(
            bars.close, [int(c[k]) for c in combos for k in ("fast", "slow")], self.ewm
        )
        out = []
        for combo in combos:
            fast, slow = lines[int(combo["fast"])], lines[int(combo["slow"])]
            out.append(Signals(entries=crossed_above(fast, slow), exits=crossed_below(fast, slow)))
        return out


@register
class SmaCrossover(_Crossover):
    name = "sma_crossover"
    summary = "Long when the fast simple moving average crosses above the slow one; out below."


@register
class EmaCrossover(_Crossover):
    name = "ema_crossover"
    summary = "Long when the fast exponential moving average crosses above the slow one."
    ewm = True


@register
class RsiReversion(SignalStrategy):
    name = "rsi_reversion"
    summary = "Buy when RSI falls below `lower` (oversold); sell when it rises above `upper`."
    params = (
        Param("period", 14, min=2, max=200, help="RSI lookback in bars"),
        Param("lower", 30.0, min=1, max=99, help="enter below this RSI"),
        Param("upper", 70.0, min=1, max=99, help="exit above this RSI"),
    )
    constraints = ("lower < upper",)

    def warmup(self, params: Params) -> int:
        return int(params["period"]) + 1

    def signals(self, bars: Bars, params: Params) -> Signals:
        rsi = compute_indicator(bars.close, "RSI", {"timeperiod": int(params["period"])})
        return Signals(entries=rsi < float(params["lower"]), exits=rsi > float(params["upper"]))


@register
class BollingerReversion(SignalStrategy):
    name = "bollinger_reversion"
    summary = "Buy a close below the lower Bollinger band; sell when it is back above the middle."
    params = (
        Param("window", 20, min=2, max=500, help="bars in the moving average and deviation"),
        Param("width", 2.0, min=0.1, max=5.0, help="band distance in standard deviations"),
    )

    def warmup(self, params: Params) -> int:
        return int(params["window"])

    def signals(self, bars: Bars, params: Params) -> Signals:
        width = float(params["width"])
        bands = compute_indicator(
            bars.close,
            "BBANDS",
            {"timeperiod": int(params["window"]), "nbdevup": width, "nbdevdn": width},
        )
        lower = pd.DataFrame(bands["lowerband"]).reindex(columns=bars.close.columns)
        middle = pd.DataFrame(bands["middleband"]).reindex(columns=bars.close.columns)
        return Signals(entries=bars.close < lower, exits=bars.close > middle)


@register
class DonchianBreakout(SignalStrategy):
    name = "donchian_breakout"
    summary = (
        "Buy a close above the highest high of the previous `entry` bars; sell a close below "
        "the lowest low of the previous `exit` bars."
    )
    params = (
        Param("entry", 20, min=2, max=500, help="bars in the breakout channel"),
        Param("exit", 10, min=2, max=500, help="bars in the exit channel"),
    )

    def warmup(self, params: Params) -> int:
        return max(int(params["entry"]), int(params["exit"])) + 1

    def signals(self, bars: Bars, params: Params) -> Signals:
        entry, exit_ = int(params["entry"]), int(params["exit"])
        # the channel ends at the previous bar: a bar cannot break out of its own high
        upper = bars.high.rolling(entry, min_periods=entry).max().shift(1)
        lower = bars.low.rolling(exit_, min_periods=exit_).min().shift(1)
        return Signals(entries=bars.close > upper, exits=bars.close < lower)


@register
class BuyAndHold(SignalStrategy):
    name = "buy_and_hold"
    summary = "Buy every symbol at its first bar and hold it to the end: the benchmark."

    def signals(self, bars: Bars, params: Params) -> Signals:
        priced = bars.close.notna()
        first = priced & ~priced.shift(1, fill_value=False)
        return Signals(
            entries=first, exits=pd.DataFrame(False, index=first.index, columns=first.columns)
        )
