"""The ``Strategy`` protocol and its two kinds, and the panel of bars every strategy reads.

A **signal strategy** turns bars into entries and exits per symbol; an **allocation strategy**
turns bars into target weights on a rebalance schedule. Both read only bars up to "now": a signal
at bar ``t`` may use bars ``<= t`` (computed over the whole history at once for speed, and
checked by ``workbench.strategy.lookahead``); an allocation strategy is handed
``bars.upto(decision bar)``, so it cannot see the future even by mistake. The same objects drive
a live runner, which calls ``latest`` on the bars it has.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from functools import cached_property
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from workbench.core.errors import DataError, ValidationError
from workbench.data.schema import BAR_COLUMNS
from workbench.strategy.params import Param, ParamSpace, ParamValue

__all__ = [
    "REBALANCE_FREQUENCIES",
    "AllocationStrategy",
    "Bars",
    "Params",
    "SignalStrategy",
    "Signals",
    "Strategy",
    "StrategyKind",
    "rebalance_mask",
]

StrategyKind = Literal["signal", "allocation"]
Params = Mapping[str, ParamValue]
FIELDS = BAR_COLUMNS
#: pandas period codes of the rebalance schedules; "never" rebalances only at the start
REBALANCE_FREQUENCIES = {"daily": "D", "weekly": "W", "monthly": "M", "quarterly": "Q", "never": ""}
_SESSION_TZ = "America/New_York"


@dataclass(frozen=True, eq=False)
class Bars:
    """OHLCV as five wide frames on one index (bar times) and one set of columns (symbols).

    A symbol without a bar at some time has NaN there; nothing is filled.
    """

    open: pd.DataFrame
    high: pd.DataFrame
    low: pd.DataFrame
    close: pd.DataFrame
    volume: pd.DataFrame

    def __post_init__(self) -> None:
        index, columns = self.close.index, self.close.columns
        if not isinstance(index, pd.DatetimeIndex):
            raise DataError(f"bars need a DatetimeIndex, got {type(index).__name__}")
        if not index.is_monotonic_increasing or index.has_duplicates:
            raise DataError("bar times must be increasing and unique")
        for name in FIELDS:
            frame = getattr(self, name)
            if not frame.index.equals(index) or not frame.columns.equals(columns):
                raise DataError(f"bars.{name} is not on the same times and symbols as close")

    @classmethod
    def from_long(cls, frame: pd.DataFrame) -> Bars:
        """From the lake's long frame (symbol, timestamp, open, high, low, close, volume)."""
        if frame.empty:
            raise DataError("there are no bars in that range")
        missing = [c for c in ("symbol", "timestamp", *FIELDS) if c not in frame.columns]
        if missing:
            raise DataError(f"bars lack columns {missing}")
        wide = frame.pivot(index="timestamp", columns="symbol", values=list(FIELDS))
        wide = wide.sort_index()
        parts = {name: _wide(pd.DataFrame(wide[name])) for name in FIELDS}
        return cls(**parts)

    @classmethod
    def from_close(cls, close: pd.DataFrame) -> Bars:
        """Bars whose open, high and low are the close (for series that only have closes)."""
        close = _wide(close)
        volume = pd.DataFrame(np.nan, index=close.index, columns=close.columns)
        return cls(close, close, close, close, volume)

    @property
    def index(self) -> pd.DatetimeIndex:
        index = self.close.index
        assert isinstance(index, pd.DatetimeIndex)
        return index

    @property
    def symbols(self) -> list[str]:
        return [str(c) for c in self.close.columns]

    def __len__(self) -> int:
        return len(self.close)

    def map(self, function: Callable[[str, pd.DataFrame], pd.DataFrame]) -> Bars:
        """New bars with ``function(field name, frame)`` applied to each field."""
        return Bars(**{f.name: function(f.name, getattr(self, f.name)) for f in fields(self)})

    def iloc(self, start: int | None = None, stop: int | None = None) -> Bars:
        return self.map(lambda _, frame: frame.iloc[start:stop])

    def upto(self, when: Any) -> Bars:
        """The bars at or before ``when`` (a timestamp): what is known at that bar's close."""
        stop = int(self.index.searchsorted(pd.Timestamp(when), side="right"))
        return self.iloc(0, stop)

    def select(self, symbols: Sequence[str]) -> Bars:
        unknown = sorted(set(symbols) - set(self.symbols))
        if unknown:
            raise DataError(f"no bars for {unknown}")
        return self.map(lambda _, frame: frame.loc[:, list(symbols)])

    def by_session(self) -> Bars:
        """Daily bars indexed by New York session date (tz-naive), the analysis engine's
        convention for daily data."""
        sessions = self.sessions()
        if sessions.has_duplicates:
            raise DataError("these are not daily bars: several share a session date")
        return self.map(lambda _, frame: frame.set_axis(sessions.rename("date"), axis=0))

    def sessions(self) -> pd.DatetimeIndex:
        """The New York trading date of each bar (daily bars are stamped at midnight NY)."""
        index = self.index
        if index.tz is not None:
            index = index.tz_convert(_SESSION_TZ).tz_localize(None)
        return index.normalize()


@dataclass(frozen=True, eq=False)
class Signals:
    """Boolean frames on the bars' index and symbols. ``entries``/``exits`` are long signals;
    the short pair is optional (see ``BacktestConfig.direction`` for what a missing pair means).
    A signal at bar ``t`` is decided at that bar's close."""

    entries: pd.DataFrame
    exits: pd.DataFrame
    short_entries: pd.DataFrame | None = None
    short_exits: pd.DataFrame | None = None

    def aligned(self, bars: Bars) -> Signals:
        """Every frame on exactly the bars' index and symbols, as bool (NaN is no signal)."""

        def fit(frame: pd.DataFrame | None, name: str) -> pd.DataFrame | None:
            if frame is None:
                return None
            if not isinstance(frame, pd.DataFrame):
                raise DataError(f"signals.{name} must be a DataFrame, got {type(frame).__name__}")
            if (
                frame.index.equals(bars.index)
                and frame.columns.equals(bars.close.columns)
                and all(dtype == np.bool_ for dtype in frame.dtypes)
            ):
                return frame  # already in shape: the common case, and a grid has many
            extra = frame.index.difference(bars.index)
            if len(extra):
                raise DataError(f"signals.{name} has times the bars lack, e.g. {extra[0]}")
            fitted = frame.reindex(index=bars.index, columns=bars.close.columns)
            return fitted.fillna(False).astype(bool)

        entries, exits = fit(self.entries, "entries"), fit(self.exits, "exits")
        if entries is None or exits is None:
            raise DataError("signals need both entries and exits (a frame of bools each)")
        return Signals(
            entries,
            exits,
            fit(self.short_entries, "short_entries"),
            fit(self.short_exits, "short_exits"),
        )

    @property
    def has_short(self) -> bool:
        return self.short_entries is not None or self.short_exits is not None

    def frames(self) -> dict[str, pd.DataFrame]:
        named = {
            "entries": self.entries,
            "exits": self.exits,
            "short_entries": self.short_entries,
            "short_exits": self.short_exits,
        }
        return {name: frame for name, frame in named.items() if frame is not None}


@runtime_checkable
class Strategy(Protocol):
    """What the engines need of any strategy: a name, a kind, parameters, and how many bars it
    needs before its first decision."""

    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> StrategyKind: ...

    @property
    def summary(self) -> str: ...

    @property
    def space(self) -> ParamSpace: ...

    def validate(self, params: Mapping[str, object] | None = None) -> dict[str, ParamValue]: ...

    def warmup(self, params: Params) -> int: ...


class _Base:
    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    params: ClassVar[tuple[Param, ...]] = ()
    constraints: ClassVar[tuple[str, ...]] = ()

    @cached_property
    def space(self) -> ParamSpace:
        return ParamSpace.of(self.params, self.constraints)

    def validate(self, params: Mapping[str, object] | None = None) -> dict[str, ParamValue]:
        return self.space.validate(params)

    def warmup(self, params: Params) -> int:
        """Bars of history needed before the first decision: a backtest, each walk-forward
        window and a paper run read this many bars before their window and decide nothing
        on them."""
        return 0

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


class SignalStrategy(_Base, ABC):
    """Subclass, set ``name``, ``summary``, ``params`` (and ``constraints``), write ``signals``."""

    kind: ClassVar[StrategyKind] = "signal"

    @abstractmethod
    def signals(self, bars: Bars, params: Params) -> Signals:
        """Entries and exits for every bar; the value at bar ``t`` may use bars ``<= t`` only."""

    def signals_grid(self, bars: Bars, combos: Sequence[Params]) -> list[Signals]:
        """Signals for many parameter sets; override to share work between them."""
        return [self.signals(bars, combo) for combo in combos]

    def latest(self, bars: Bars, params: Params) -> pd.DataFrame:
        """The decision at the last bar (one row per symbol): what a live runner acts on."""
        aligned = self.signals(bars, params).aligned(bars)
        return pd.DataFrame({name: f.iloc[-1] for name, f in aligned.frames().items()})


class AllocationStrategy(_Base, ABC):
    """Subclass, set ``name``, ``summary``, ``params`` (include a ``rebalance`` choice), write
    ``weights``. The engine calls ``weights`` at each rebalance bar with the bars up to it."""

    kind: ClassVar[StrategyKind] = "allocation"

    @abstractmethod
    def weights(self, history: Bars, params: Params) -> pd.Series[float] | None:
        """Target weights (fractions of equity per symbol) from ``history``, whose last bar is
        "now"; None keeps the current holdings (for example, while history is too short)."""

    def targets(self, bars: Bars, params: Params, *, first: int = 0) -> pd.DataFrame:
        """Target weights at every rebalance bar (NaN rows elsewhere), each from the bars up to
        that bar only. ``first`` is the first decision bar (earlier bars only warm up): it
        always rebalances, so a run starts invested whatever day it starts on."""
        frequency = str(params.get("rebalance", "monthly"))
        rows = np.flatnonzero(rebalance_mask(bars, frequency, first=first))
        table = pd.DataFrame(np.nan, index=bars.index, columns=bars.close.columns)
        for row in rows.tolist():
            weights = self.weights(bars.iloc(0, row + 1), params)
            if weights is None:
                continue
            unknown = sorted(set(map(str, weights.index)) - set(bars.symbols))
            if unknown:
                raise DataError(f"{self.name} gave weights for symbols it was not given: {unknown}")
            table.iloc[row] = weights.reindex(bars.close.columns).fillna(0.0).to_numpy()
        return table

    def latest(self, bars: Bars, params: Params) -> pd.Series[float] | None:
        """The weights a live runner would hold if it rebalanced now."""
        return self.weights(bars, params)


def rebalance_mask(
    bars: Bars, frequency: str, *, first: int = 0
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """True at the first decision bar (``first``; earlier bars are warm-up and never
    rebalance) and at the first bar of each new period after it (by New York session date).
    Knowing that a bar opens a new period needs only that bar and the one before it, so the
    schedule never peeks at the calendar ahead."""
    if frequency not in REBALANCE_FREQUENCIES:
        raise ValidationError(
            f"rebalance must be one of {', '.join(REBALANCE_FREQUENCIES)}, got {frequency!r}"
        )
    mask = np.zeros(len(bars), dtype=bool)
    if first >= len(bars):
        return mask
    code = REBALANCE_FREQUENCIES[frequency]
    if code:
        periods = bars.sessions().to_period(code).asi8
        mask[1:] = periods[1:] != periods[:-1]
    mask[: max(first, 0)] = False
    mask[max(first, 0)] = True
    return mask


def _wide(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.astype("float64")
    out.columns = pd.Index([str(c) for c in out.columns], name=None)
    out.index.name = "timestamp"
    return out
