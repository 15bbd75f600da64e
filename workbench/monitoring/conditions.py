"""What each rule kind does with what it sees. A condition keeps the state it needs (the side
of a level, a price window, an indicator) and reports ``Trigger``s when it becomes true: rules
are edge-triggered, so a price that stays above its level raises one alert, not one per quote.
Cooldown and de-duplication are the engine's business, not a condition's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from workbench.monitoring.indicators import IncrementalIndicator, make_indicator
from workbench.monitoring.quotes import FloatArray, IntArray
from workbench.monitoring.rules import RuleSpec

__all__ = [
    "LEVEL_KINDS",
    "IndicatorCondition",
    "LevelRules",
    "PercentMoveCondition",
    "Trigger",
]


@dataclass(frozen=True)
class Trigger:
    """A condition that just became true: ``state`` names it (part of the dedup key),
    ``at_ns`` is the data time it happened, ``row`` the quote's row in its slice (or -1)."""

    state: str
    message: str
    at_ns: int
    details: dict[str, Any] = field(default_factory=dict)
    row: int = -1


#: the rule kinds ``LevelRules`` evaluates
LEVEL_KINDS = frozenset({"price_above", "price_below", "price_cross"})


def _rising(condition: npt.NDArray[np.bool_], before: bool) -> IntArray:
    previous = np.empty_like(condition)
    previous[0] = before
    previous[1:] = condition[:-1]
    return np.flatnonzero(condition & ~previous)


_ABOVE, _BELOW, _CROSS = 0, 1, 2
_KIND_CODES = {"price_above": _ABOVE, "price_below": _BELOW, "price_cross": _CROSS}
_UNKNOWN = -1


class LevelRules:
    """Every price_above / price_below / price_cross rule at once, as arrays: one pass of
    array operations per batch whatever the number of rules. Each rule remembers the side of
    its symbol's last mid (above, below, or unknown before the first quote); above means
    ``> level`` for above and cross rules and ``>= level`` for below rules."""

    def __init__(self, rules: list[RuleSpec], codes: list[int]) -> None:
        self.rules = rules
        self.codes = np.array(codes, dtype=np.int64)
        self.levels = np.array([float(r.params["level"]) for r in rules], dtype=np.float64)
        self.kinds = np.array([_KIND_CODES[r.kind] for r in rules], dtype=np.int8)
        self.sides = np.full(len(rules), _UNKNOWN, dtype=np.int8)

    def on_groups(
        self, ts: IntArray, mid: FloatArray, starts: IntArray, ends: IntArray, group_of: IntArray
    ) -> list[tuple[RuleSpec, Trigger]]:
        """``ts``/``mid`` grouped by symbol; ``group_of[code]`` is a symbol's group or -1."""
        if not len(self.rules):
            return []
        known = self.codes < len(group_of)
        groups = np.full(len(self.rules), -1, dtype=np.int64)
        groups[known] = group_of[self.codes[known]]
        active = np.flatnonzero(groups >= 0)
        if not len(active):
            return []
        seg_start, seg_len = starts[groups[active]], (ends - starts)[groups[active]]
        total = int(seg_len.sum())
        first = np.cumsum(seg_len) - seg_len
        rows = np.repeat(seg_start - first, seg_len) + np.arange(total)
        owner = np.repeat(active, seg_len)
        price, level, kind = mid[rows], self.levels[owner], self.kinds[owner]
        side = np.where(kind == _BELOW, price >= level, price > level).astype(np.int8)
        before = np.empty_like(side)
        before[1:] = side[:-1]
        before[first] = self.sides[active]
        fired = np.where(
            kind == _ABOVE,
            (side == 1) & (before != 1),
            np.where(
                kind == _BELOW, (side == 0) & (before != 0), (side != before) & (before != _UNKNOWN)
            ),
        )
        self.sides[active] = side[first + seg_len - 1]
        return [
            self._trigger(
                int(owner[i]), bool(side[i]), int(ts[rows[i]]), float(price[i]), int(rows[i])
            )
            for i in np.flatnonzero(fired)
        ]

    def _trigger(
        self, k: int, above: bool, at_ns: int, price: float, row: int
    ) -> tuple[RuleSpec, Trigger]:
        rule, level = self.rules[k], float(self.levels[k])
        symbol = rule.scope
        if rule.kind == "price_above":
            state, message = "above", f"{symbol} rose above {level:g}"
        elif rule.kind == "price_below":
            state, message = "below", f"{symbol} fell below {level:g}"
        else:
            state = "up" if above else "down"
            message = f"{symbol} crossed {'above' if above else 'below'} {level:g}"
        details = {"symbol": symbol, "price": price, "level": level}
        return rule, Trigger(state, f"{message} at {price:g}", at_ns, details, row)


class PercentMoveCondition:
    """The mid moved ``percent`` or more against the first price inside ``window_seconds``."""

    def __init__(self, rule: RuleSpec) -> None:
        self.rule = rule
        self.threshold = float(rule.params["percent"]) / 100
        self.window_ns = int(float(rule.params["window_seconds"]) * 1e9)
        self._ts: IntArray = np.empty(0, np.int64)
        self._mid: FloatArray = np.empty(0, np.float64)
        self._moving = False

    def on_prices(self, ts: IntArray, mid: FloatArray) -> list[Trigger]:
        if len(mid) == 0:
            return []
        all_ts = np.concatenate([self._ts, ts])
        all_mid = np.concatenate([self._mid, mid])
        start = np.searchsorted(all_ts, ts - self.window_ns, side="left")
        reference = all_mid[start]
        move = mid / reference - 1
        moving = np.abs(move) >= self.threshold
        rows = _rising(moving, self._moving)
        self._moving = bool(moving[-1])
        keep = all_ts >= all_ts[-1] - self.window_ns
        self._ts, self._mid = all_ts[keep], all_mid[keep]
        symbol, seconds = self.rule.scope, self.rule.params["window_seconds"]
        return [
            Trigger(
                "up" if move[r] > 0 else "down",
                f"{symbol} moved {move[r]:+.2%} within {seconds:g} s (to {mid[r]:g})",
                int(ts[r]),
                {
                    "symbol": symbol,
                    "price": float(mid[r]),
                    "reference": float(reference[r]),
                    "move": float(move[r]),
                },
                int(r),
            )
            for r in rows
        ]


class IndicatorCondition:
    """``indicator(timeperiod) op value`` over one symbol's bar closes."""

    def __init__(self, rule: RuleSpec) -> None:
        self.rule = rule
        params = {"timeperiod": rule.params["timeperiod"]} if "timeperiod" in rule.params else {}
        self.indicator: IncrementalIndicator = make_indicator(rule.params["indicator"], params)
        self._true = False

    @property
    def label(self) -> str:
        period = self.rule.params.get("timeperiod")
        name = self.rule.params["indicator"]
        return f"{name}({period})" if period else str(name)

    def on_close(self, close: float, at_ns: int) -> Trigger | None:
        value = self.indicator.update(close)
        if value is None:
            return None
        op, threshold = self.rule.params["op"], float(self.rule.params["value"])
        true = value > threshold if op == ">" else value < threshold
        rising, self._true = true and not self._true, true
        if not rising:
            return None
        symbol = self.rule.scope
        return Trigger(
            f"{op}{threshold:g}",
            f"{symbol} {self.label} is {value:.2f} {op} {threshold:g}",
            at_ns,
            {"symbol": symbol, "indicator": self.label, "value": value, "close": close},
        )
