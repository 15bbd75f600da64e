"""Typed strategy parameters: each has a default, a type taken from that default, and a range or a
set of choices; constraints relate two parameters (``fast < slow``).

Values arrive as Python objects from notebooks and as strings from the CLI (``fast=10``,
``--grid fast=5:50:5``); both go through the same ``coerce``, so a face never parses a number
itself and every message names the parameter, the valid range and the value given.
"""

from __future__ import annotations

import difflib
import itertools
import math
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from workbench.core.errors import ValidationError

__all__ = [
    "Constraint",
    "Param",
    "ParamSpace",
    "ParamValue",
    "parse_values",
]

ParamValue = int | float | bool | str
ParamKind = Literal["int", "float", "bool", "choice"]

_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "!=": operator.ne,
    "==": operator.eq,
    "<": operator.lt,
    ">": operator.gt,
}
_TRUE = frozenset({"true", "yes", "1", "on"})
_FALSE = frozenset({"false", "no", "0", "off"})
#: a grid larger than this is refused before anything runs (a typo like 1:100000:1)
MAX_GRID = 1_000_000


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter. ``min``/``max`` bound numbers (inclusive); ``choices`` enumerate strings."""

    name: str
    default: ParamValue
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()
    help: str = ""

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValidationError(f"parameter name {self.name!r} is not an identifier")
        if self.kind == "choice" and not self.choices:
            raise ValidationError(f"string parameter {self.name} needs choices")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValidationError(f"{self.name}: min {self.min:g} is above max {self.max:g}")
        self.coerce(self.default)  # a default outside its own range is a bug in the strategy

    @property
    def kind(self) -> ParamKind:
        if isinstance(self.default, bool):
            return "bool"
        if isinstance(self.default, int):
            return "int"
        if isinstance(self.default, float):
            return "float"
        return "choice"

    def describe(self) -> str:
        return f"{self.name} ({self.range_text()}, default {self.default})"

    def range_text(self) -> str:
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "bool":
            return "true or false"
        noun = "integer" if self.kind == "int" else "number"
        low = "-inf" if self.min is None else f"{self.min:g}"
        high = "inf" if self.max is None else f"{self.max:g}"
        return f"{noun} in {low}..{high}"

    def coerce(self, value: object) -> ParamValue:
        """``value`` as this parameter's type (strings are parsed), or a ValidationError."""
        parsed = _parse(value, self.kind)
        if parsed is None or not self._in_range(parsed):
            raise ValidationError(
                f"{self.name} must be {self.range_text()}, got {value!r}",
                report={"parameter": self.name, "value": repr(value)},
            )
        return parsed

    def _in_range(self, value: ParamValue) -> bool:
        if self.kind == "choice":
            return value in self.choices
        if self.kind == "bool" or isinstance(value, str):
            return True
        low = -math.inf if self.min is None else self.min
        high = math.inf if self.max is None else self.max
        return low <= float(value) <= high

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "default": self.default,
            "min": self.min,
            "max": self.max,
            "choices": list(self.choices),
            "help": self.help,
        }


@dataclass(frozen=True, slots=True)
class Constraint:
    """``left op right`` between two parameters, or a parameter and a number: ``fast < slow``."""

    left: str
    op: str
    right: str | float

    @classmethod
    def parse(cls, text: str) -> Constraint:
        for symbol in _OPERATORS:  # two-character operators are tried first
            left, found, right = text.partition(symbol)
            if found:
                left, right = left.strip(), right.strip()
                if not left.isidentifier() or not right:
                    break
                if right.isidentifier():
                    return cls(left, symbol, right)
                try:
                    return cls(left, symbol, float(right))
                except ValueError:
                    break
        raise ValidationError(
            f"constraint {text!r} is not 'name OP name' or 'name OP number' "
            f"(OP one of {' '.join(_OPERATORS)}), e.g. 'fast < slow'"
        )

    def names(self) -> list[str]:
        return [self.left, self.right] if isinstance(self.right, str) else [self.left]

    def holds(self, values: Mapping[str, ParamValue]) -> bool:
        right = values[self.right] if isinstance(self.right, str) else self.right
        return bool(_OPERATORS[self.op](values[self.left], right))

    def __str__(self) -> str:
        right = self.right if isinstance(self.right, str) else f"{self.right:g}"
        return f"{self.left} {self.op} {right}"


@dataclass(frozen=True, slots=True)
class ParamSpace:
    """A strategy's parameters and the constraints between them."""

    params: tuple[Param, ...] = ()
    constraints: tuple[Constraint, ...] = ()

    @classmethod
    def of(
        cls, params: Iterable[Param], constraints: Iterable[str | Constraint] = ()
    ) -> ParamSpace:
        space = cls(
            tuple(params),
            tuple(c if isinstance(c, Constraint) else Constraint.parse(c) for c in constraints),
        )
        names = space.names()
        if len(set(names)) != len(names):
            raise ValidationError(f"parameter names repeat: {names}")
        for constraint in space.constraints:
            space._check_names(constraint.names(), f"constraint '{constraint}'")
        return space

    def names(self) -> list[str]:
        return [p.name for p in self.params]

    def param(self, name: str) -> Param:
        for param in self.params:
            if param.name == name:
                return param
        raise ValidationError(self._unknown(name), report={"parameter": name})

    def defaults(self) -> dict[str, ParamValue]:
        return {p.name: p.default for p in self.params}

    def validate(
        self,
        given: Mapping[str, object] | None = None,
        extra: Sequence[Constraint] = (),
    ) -> dict[str, ParamValue]:
        """Every parameter, defaults filled in, each checked; then every constraint."""
        values = self.defaults()
        for key, value in (given or {}).items():
            values[key] = self.param(str(key)).coerce(value)
        for constraint in (*self.constraints, *extra):
            if not constraint.holds(values):
                shown = ", ".join(f"{n}={values[n]}" for n in constraint.names())
                raise ValidationError(f"parameters break the constraint '{constraint}': {shown}")
        return values

    def grid(
        self,
        ranges: Mapping[str, object],
        extra: Sequence[str | Constraint] = (),
    ) -> list[dict[str, ParamValue]]:
        """Every combination of ``ranges`` (a value, a sequence, or a string such as
        ``"5:50:5"`` or ``"hrp|risk_parity"``), defaults for the rest, constraints applied."""
        more = [c if isinstance(c, Constraint) else Constraint.parse(c) for c in extra]
        for constraint in more:
            self._check_names(constraint.names(), f"constraint '{constraint}'")
        axes = {name: self._axis(name, spec) for name, spec in ranges.items()}
        size = math.prod(len(values) for values in axes.values())
        if size > MAX_GRID:
            raise ValidationError(f"the grid has {size:,} combinations; the limit is {MAX_GRID:,}")
        combos = []
        for point in itertools.product(*axes.values()):
            values = {**self.defaults(), **dict(zip(axes, point, strict=True))}
            if all(c.holds(values) for c in (*self.constraints, *more)):
                combos.append(values)
        if not combos:
            raise ValidationError("no combination in the grid satisfies the constraints")
        return combos

    def _axis(self, name: str, spec: object) -> list[ParamValue]:
        param = self.param(name)
        raw = parse_values(spec) if isinstance(spec, str) else spec
        items = list(raw) if isinstance(raw, Iterable) and not isinstance(raw, str) else [raw]
        if not items:
            raise ValidationError(f"the grid gives no values for {name}")
        return list(dict.fromkeys(param.coerce(item) for item in items))

    def _check_names(self, names: Sequence[str], where: str) -> None:
        for name in names:
            if name not in self.names():
                raise ValidationError(f"{where}: {self._unknown(name)}")

    def _unknown(self, name: str) -> str:
        if not self.params:
            return f"this strategy takes no parameters, got {name!r}"
        close = difflib.get_close_matches(name, self.names(), n=2)
        hint = f" did you mean {' or '.join(close)}?" if close else ""
        valid = "; ".join(p.describe() for p in self.params)
        return f"unknown parameter {name!r};{hint} valid: {valid}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "params": [p.to_dict() for p in self.params],
            "constraints": [str(c) for c in self.constraints],
        }


def parse_values(text: str) -> list[str | float]:
    """``"5:50:5"`` -> 5, 10, ..., 50 (end inclusive); ``"a|b|c"`` -> a, b, c; ``"7"`` -> 7."""
    text = text.strip()
    if "|" in text:
        return [item.strip() for item in text.split("|") if item.strip()]
    if ":" not in text:
        return [text]
    parts = text.split(":")
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        raise ValidationError(f"range {text!r} is not start:stop[:step] in numbers") from None
    if len(numbers) not in (2, 3):
        raise ValidationError(f"range {text!r} is not start:stop[:step]")
    start, stop = numbers[0], numbers[1]
    step = numbers[2] if len(numbers) == 3 else 1.0
    if step <= 0 or stop < start:
        raise ValidationError(f"range {text!r} needs start <= stop and a positive step")
    count = math.floor((stop - start) / step + 1e-9) + 1
    if count > MAX_GRID:
        raise ValidationError(f"range {text!r} has {count:,} values; the limit is {MAX_GRID:,}")
    values = [start + k * step for k in range(count)]
    # integers stay integers, so "5:50:5" can feed an int parameter
    return [int(v) if float(v).is_integer() else round(v, 12) for v in values]


def _parse(value: object, kind: ParamKind) -> ParamValue | None:
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        return True if text in _TRUE else False if text in _FALSE else None
    if kind == "choice":
        return value.strip() if isinstance(value, str) else None
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        value = value.item()
    if not isinstance(value, int | float) or not math.isfinite(value):
        return None
    if kind == "int":
        return int(value) if float(value).is_integer() else None
    return float(value)
