"""What an indicator is: its inputs, parameters (type, default, range) and outputs.

A face lists these to show what exists and validates a user's parameters through them before
anything is computed; the messages name the parameter, the valid range and the value given.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from workbench.analysis._checks import FloatArray
from workbench.core.errors import ValidationError

__all__ = ["IndicatorSpec", "Kernel", "ParameterSpec", "ParameterValue", "unknown_name_message"]

ParameterValue = int | float
#: outputs (one array each, in output order) from the input columns (one float64 array each,
#: in input order, rows with a NaN already left out), the rows' times and the parameters
Kernel = Callable[
    [Sequence[FloatArray], pd.Index, Mapping[str, ParameterValue]], Sequence[FloatArray]
]


@dataclass(frozen=True, slots=True)
class ParameterSpec:
    name: str
    kind: Literal["int", "float"]
    default: ParameterValue
    minimum: ParameterValue
    maximum: ParameterValue
    description: str = ""
    #: named values of an enumerated integer (TA-Lib's moving-average types)
    choices: tuple[tuple[int, str], ...] = ()

    def describe(self) -> str:
        kind = "integer" if self.kind == "int" else "number"
        return f"{self.name} ({kind} in {self.range_text()}, default {self.default:g})"

    def range_text(self) -> str:
        return f"{self.minimum:g}..{self.maximum:g}"

    def coerce(self, value: object) -> ParameterValue:
        """The value as this parameter's type, or a ValidationError naming the valid range.

        Strings are parsed, so a face can pass ``"14"`` straight from a command line.
        """
        number = _parse_number(value, self.kind)
        if number is None or not self.minimum <= number <= self.maximum:
            kind = "an integer" if self.kind == "int" else "a number"
            message = f"{self.name} must be {kind} in {self.range_text()}, got {value!r}"
            if self.choices:
                named = ", ".join(f"{code}={label}" for code, label in self.choices)
                message += f" ({named})"
            raise ValidationError(message, report={"parameter": self.name, "value": repr(value)})
        return number

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "default": self.default,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "description": self.description,
            "choices": {str(code): label for code, label in self.choices},
        }


@dataclass(frozen=True, slots=True)
class IndicatorSpec:
    name: str
    display_name: str
    group: str
    #: the bar fields the indicator reads, in call order (open, high, low, close, volume...)
    inputs: tuple[str, ...]
    parameters: tuple[ParameterSpec, ...]
    outputs: tuple[str, ...]
    source: Literal["ta-lib", "workbench"]
    flags: tuple[str, ...] = ()
    kernel: Kernel | None = field(default=None, repr=False, compare=False)
    #: checks across parameters (the per-parameter ranges are checked first)
    cross_check: Callable[[Mapping[str, ParameterValue]], None] | None = field(
        default=None, repr=False, compare=False
    )

    def parameter(self, name: str) -> ParameterSpec:
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        raise ValidationError(self._unknown_parameter_message(name), report={"parameter": name})

    def defaults(self) -> dict[str, ParameterValue]:
        return {parameter.name: parameter.default for parameter in self.parameters}

    def validate(self, params: Mapping[str, object] | None = None) -> dict[str, ParameterValue]:
        """Every parameter, defaults filled in, each checked against its range."""
        given = dict(params or {})
        values = self.defaults()
        for key, value in given.items():
            values[key] = self.parameter(str(key).lower()).coerce(value)
        if self.cross_check is not None:
            self.cross_check(values)
        return values

    def _unknown_parameter_message(self, name: str) -> str:
        if not self.parameters:
            return f"{self.name} takes no parameters, got {name!r}"
        names = [parameter.name for parameter in self.parameters]
        valid = "; ".join(parameter.describe() for parameter in self.parameters)
        return unknown_name_message(f"{self.name} parameter", name, names, f"valid: {valid}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "display_name": self.display_name,
            "group": self.group,
            "inputs": list(self.inputs),
            "parameters": [parameter.to_dict() for parameter in self.parameters],
            "outputs": list(self.outputs),
            "source": self.source,
            "flags": list(self.flags),
        }


def unknown_name_message(kind: str, name: str, candidates: list[str], valid: str) -> str:
    """``unknown <kind> 'X'; did you mean Y? valid ...`` (the hint only when something is close)."""
    close = difflib.get_close_matches(name.upper(), [c.upper() for c in candidates], n=3)
    by_upper = {candidate.upper(): candidate for candidate in candidates}
    hint = f" did you mean {' or '.join(by_upper[match] for match in close)}?" if close else ""
    return f"unknown {kind} {name!r};{hint} {valid}"


def _parse_number(value: object, kind: Literal["int", "float"]) -> ParameterValue | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, int | float | np.integer | np.floating):
        return None
    number = float(value)
    if not math.isfinite(number):
        return None
    if kind == "int":
        return int(number) if number.is_integer() else None
    return number
