"""Indicator specs for the whole TA-Lib function set, read from the library itself.

Names, groups, inputs, defaults and outputs come from ``talib.abstract``. TA-Lib's Python
binding does not expose the parameter ranges its C core enforces, so they are measured: a
C lookback function returns -1 for an out-of-range parameter, which lets a bisection find
each bound exactly (about 0.2 s for every function, once per process).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench.analysis._checks import FloatArray
from workbench.analysis.indicators.spec import (
    IndicatorSpec,
    Kernel,
    ParameterSpec,
    ParameterValue,
)

__all__ = ["talib_specs"]

_INT_LIMIT = 2**31 - 1
_REAL_LIMIT = 1.7e308
# TA-Lib names the only output of most functions 'real' (or 'integer' for candlesticks);
# the indicator's own name says more
_ANONYMOUS_OUTPUTS = {"real", "integer"}


def _talib() -> Any:
    """TA-Lib, loaded on first use (typed loosely: its stubs lack ``abstract`` and ``MA_Type``)."""
    import talib
    import talib.abstract  # binds talib.abstract, which `import talib` alone does not

    return talib


def talib_specs() -> list[IndicatorSpec]:
    talib = _talib()
    specs = []
    for name in talib.get_functions():
        function = talib.abstract.Function(name)
        info = function.info
        outputs = tuple(info["output_names"])
        if len(outputs) == 1 and outputs[0] in _ANONYMOUS_OUTPUTS:
            outputs = (name.lower(),)
        specs.append(
            IndicatorSpec(
                name=name,
                display_name=info["display_name"],
                group=info["group"],
                inputs=_input_columns(info["input_names"]),
                parameters=tuple(
                    _parameter(function, parameter, default)
                    for parameter, default in info["parameters"].items()
                ),
                outputs=outputs,
                source="ta-lib",
                flags=tuple(info["function_flags"] or ()),
                kernel=_kernel(name),
            )
        )
    return specs


def _input_columns(input_names: Mapping[str, str | list[str]]) -> tuple[str, ...]:
    columns: list[str] = []
    for value in input_names.values():
        columns.extend([value] if isinstance(value, str) else value)
    return tuple(columns)


def _parameter(function: Any, name: str, default: ParameterValue) -> ParameterSpec:
    is_int = isinstance(default, int)
    minimum, maximum = _measure_range(function, name, default, is_int=is_int)
    choices: tuple[tuple[int, str], ...] = ()
    if name.endswith("matype"):
        choices = tuple(
            (code, str(_talib().MA_Type[code])) for code in range(int(minimum), int(maximum) + 1)
        )
    return ParameterSpec(
        name=name,
        kind="int" if is_int else "float",
        default=default,
        minimum=minimum,
        maximum=maximum,
        description=_describe(name),
        choices=choices,
    )


def _measure_range(
    function: Any, name: str, default: ParameterValue, *, is_int: bool
) -> tuple[ParameterValue, ParameterValue]:
    """The valid interval around ``default``, found through the C lookback (-1 when invalid)."""

    def valid(value: ParameterValue) -> bool:
        function.set_parameters({name: value})
        return bool(function.lookback >= 0)

    if is_int:
        encode: Callable[[int], ParameterValue] = int
        lowest, highest = -_INT_LIMIT, _INT_LIMIT
        start = int(default)
    else:
        # bisect on the ordered bit patterns of doubles: 64 steps reach the exact bound
        encode = _double_from_key
        lowest, highest = _key_of_double(-_REAL_LIMIT), _key_of_double(_REAL_LIMIT)
        start = _key_of_double(float(default))
    try:
        minimum = encode(_edge(lambda key: valid(encode(key)), start, lowest))
        maximum = encode(_edge(lambda key: valid(encode(key)), start, highest))
    finally:
        function.set_parameters({name: default})
    return minimum, maximum


def _edge(valid: Callable[[int], bool], inside: int, outside: int) -> int:
    """The last valid key on the way from ``inside`` (valid) towards ``outside``."""
    if valid(outside):
        return outside
    while abs(outside - inside) > 1:
        middle = (inside + outside) // 2
        if valid(middle):
            inside = middle
        else:
            outside = middle
    return inside


def _key_of_double(value: float) -> int:
    bits: int = struct.unpack("<q", struct.pack("<d", value))[0]
    return bits if bits >= 0 else -(bits & 0x7FFFFFFFFFFFFFFF)


def _double_from_key(key: int) -> float:
    bits = key if key >= 0 else (-key) | (1 << 63)
    value: float = struct.unpack("<d", struct.pack("<Q", bits))[0]
    return value


def _describe(name: str) -> str:
    if name.endswith("matype"):
        return "moving-average type"
    if "period" in name:
        return "number of bars"
    return name


def _kernel(name: str) -> Kernel:
    def run(
        columns: Sequence[FloatArray], index: pd.Index, params: Mapping[str, ParameterValue]
    ) -> list[FloatArray]:
        result = getattr(_talib(), name)(*columns, **params)
        outputs = result if isinstance(result, tuple) else (result,)
        # candlestick outputs are integers; NaN rows need floats
        return [np.asarray(output, dtype=np.float64) for output in outputs]

    return run
