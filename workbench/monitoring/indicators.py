"""Incremental indicators: O(1) per new price, per symbol.

TA-Lib computes over a whole array and has no streaming mode, so these are written by hand to
the same definitions as ``workbench.analysis.indicators`` (TA-Lib's RSI with Wilder's
smoothing seeded by a simple mean, EMA seeded by the SMA of the first ``timeperiod`` values);
the tests hold them to the batch results. ``value`` is None while warming up.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Protocol

from workbench.core.errors import ValidationError

__all__ = ["EMA", "INCREMENTAL_INDICATORS", "RSI", "SMA", "IncrementalIndicator", "make_indicator"]


class IncrementalIndicator(Protocol):
    def update(self, price: float) -> float | None: ...

    @property
    def value(self) -> float | None: ...


def _period(timeperiod: object, least: int) -> int:
    if isinstance(timeperiod, bool) or not isinstance(timeperiod, int | float):
        raise ValidationError(f"timeperiod must be a whole number, got {timeperiod!r}")
    if int(timeperiod) != timeperiod or timeperiod < least:
        raise ValidationError(f"timeperiod must be a whole number >= {least}, got {timeperiod}")
    return int(timeperiod)


class SMA:
    def __init__(self, timeperiod: int = 30) -> None:
        self.period = _period(timeperiod, 1)
        self._window: deque[float] = deque(maxlen=self.period)
        self._sum = 0.0
        self.value: float | None = None

    def update(self, price: float) -> float | None:
        if len(self._window) == self.period:
            self._sum -= self._window[0]
        self._window.append(price)
        self._sum += price
        if len(self._window) == self.period:
            self.value = self._sum / self.period
        return self.value


class EMA:
    def __init__(self, timeperiod: int = 30) -> None:
        self.period = _period(timeperiod, 1)
        self._k = 2.0 / (self.period + 1)
        self._seed: list[float] = []
        self.value: float | None = None

    def update(self, price: float) -> float | None:
        if self.value is None:
            self._seed.append(price)
            if len(self._seed) == self.period:
                self.value = sum(self._seed) / self.period
                self._seed = []
            return self.value
        self.value += self._k * (price - self.value)
        return self.value


class RSI:
    def __init__(self, timeperiod: int = 14) -> None:
        self.period = _period(timeperiod, 2)
        self._previous: float | None = None
        self._changes = 0
        self._gain = 0.0
        self._loss = 0.0
        self.value: float | None = None

    def update(self, price: float) -> float | None:
        previous, self._previous = self._previous, price
        if previous is None:
            return None
        change = price - previous
        gain, loss = max(change, 0.0), max(-change, 0.0)
        self._changes += 1
        p = self.period
        if self._changes <= p:
            self._gain += gain / p
            self._loss += loss / p
            if self._changes < p:
                return None
        else:
            self._gain = (self._gain * (p - 1) + gain) / p
            self._loss = (self._loss * (p - 1) + loss) / p
        total = self._gain + self._loss
        self.value = 0.0 if total == 0 else 100.0 * self._gain / total
        return self.value


INCREMENTAL_INDICATORS: Mapping[str, type[SMA] | type[EMA] | type[RSI]] = {
    "EMA": EMA,
    "RSI": RSI,
    "SMA": SMA,
}


def make_indicator(name: str, params: Mapping[str, object]) -> IncrementalIndicator:
    """A fresh incremental ``name`` (RSI, SMA, EMA) with ``params`` (only ``timeperiod``)."""
    kind = INCREMENTAL_INDICATORS.get(name.upper())
    if kind is None:
        raise ValidationError(
            f"unknown indicator {name!r} for an alert rule: rules evaluate "
            f"{', '.join(INCREMENTAL_INDICATORS)} incrementally"
        )
    unknown = set(params) - {"timeperiod"}
    if unknown:
        raise ValidationError(
            f"indicator {name.upper()} takes only timeperiod, not {', '.join(sorted(unknown))}"
        )
    if "timeperiod" in params:
        return kind(_period(params["timeperiod"], 1))
    return kind()
