"""Computing an indicator over one symbol or many, in whichever shape the bars come.

``compute_indicator`` reads the shape of ``data``:

============  ==============================================  ==================================
shape         what it is                                      result
============  ==============================================  ==================================
Series        one input series of one symbol (e.g. closes)    frame, one column per output
bars          frame with field columns (open, high, low,      frame, one column per output
              close, volume; any case)
long          frame with a ``symbol`` column (and a time      input's index, the symbol (and
              column or index), many symbols stacked          time) column, one column per output
panel         frame with two column levels (field, symbol),   columns (output, symbol)
              or a mapping field -> wide frame
wide          frame of one field, columns = symbols           columns = symbols (one output) or
                                                              (output, symbol)
============  ==============================================  ==================================

Warm-up rows stay NaN and nothing is back-filled. A row with a NaN input (a missing bar, a
symbol not yet listed) is skipped: its output is NaN and the indicator runs over the other
rows as consecutive bars, so one gap does not poison every later value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from workbench.analysis._checks import FloatArray
from workbench.analysis.indicators.registry import get_indicator
from workbench.analysis.indicators.spec import IndicatorSpec, ParameterValue
from workbench.core.errors import DataError, ValidationError

__all__ = ["compute_indicator", "compute_indicators", "indicator_label"]

_TIME_COLUMNS = ("timestamp", "date", "datetime", "time")

IndicatorRequest = str | tuple[str, Mapping[str, object]]


def compute_indicator(
    data: pd.Series[float] | pd.DataFrame | Mapping[str, pd.DataFrame],
    name: str,
    params: Mapping[str, object] | None = None,
    *,
    symbol_column: str = "symbol",
    time_column: str | None = None,
    columns: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Indicator ``name`` with ``params`` (validated; defaults filled) over ``data``.

    ``columns`` maps an input the indicator reads to the column that holds it, e.g.
    ``{"close": "adj_close"}``; by default inputs are found by name, ignoring case.
    """
    spec = get_indicator(name)
    values = spec.validate(params)
    if isinstance(data, Mapping):
        data = _panel_from_mapping(data)
    if isinstance(data, pd.Series):
        return _series(spec, values, data)
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"indicators need a pandas Series or DataFrame, got {type(data).__name__}")
    if data.empty:
        raise DataError(f"no bars to compute {spec.name} on")
    if data.columns.nlevels == 2:
        return _panel(spec, values, data, columns or {})
    if symbol_column in data.columns:
        return _long(spec, values, data, symbol_column, time_column, columns or {})
    if columns or _has_bar_columns(data):
        return _bars(spec, values, data, columns or {})
    return _wide(spec, values, data)


def _has_bar_columns(data: pd.DataFrame) -> bool:
    # here, not at the top: ``import workbench.analysis`` costs only pandas
    from workbench.data.schema import BAR_COLUMNS

    return any(str(column).lower() in BAR_COLUMNS for column in data.columns)


def compute_indicators(
    data: pd.Series[float] | pd.DataFrame | Mapping[str, pd.DataFrame],
    requests: Sequence[IndicatorRequest],
    **options: Any,
) -> dict[str, pd.DataFrame]:
    """Several indicators over the same data, keyed by ``indicator_label``; every request is
    validated before any is computed."""
    parsed = [(r, {}) if isinstance(r, str) else (r[0], dict(r[1])) for r in requests]
    for name, params in parsed:
        get_indicator(name).validate(params)
    return {
        indicator_label(name, params): compute_indicator(data, name, params, **options)
        for name, params in parsed
    }


def indicator_label(name: str, params: Mapping[str, object] | None = None) -> str:
    """``RSI`` or ``RSI(timeperiod=10)``: the name with the parameters given."""
    given = ",".join(f"{key}={value}" for key, value in (params or {}).items())
    return f"{name.upper()}({given})" if given else name.upper()


def run_kernel(
    spec: IndicatorSpec,
    inputs: FloatArray,
    index: pd.Index,
    params: Mapping[str, ParameterValue],
) -> FloatArray:
    """The spec's kernel over the rows of ``inputs`` (rows x inputs) that have every input;
    the other rows' outputs (rows x outputs) are NaN."""
    if spec.kernel is None:
        raise ValidationError(f"indicator {spec.name} has no kernel to compute it with")
    result = np.full((len(inputs), len(spec.outputs)), np.nan)
    complete = np.asarray(~np.isnan(inputs).any(axis=1), dtype=np.bool_)
    if not complete.any():
        return result
    every = bool(complete.all())
    rows = inputs if every else inputs[complete]
    columns = [np.ascontiguousarray(rows[:, position]) for position in range(rows.shape[1])]
    outputs = spec.kernel(columns, index if every else index[complete], params)
    for position, values in enumerate(outputs):
        result[complete, position] = values
    return result


def _series(
    spec: IndicatorSpec, params: Mapping[str, ParameterValue], data: pd.Series[float]
) -> pd.DataFrame:
    if len(spec.inputs) != 1:
        raise ValidationError(
            f"{spec.name} reads {', '.join(spec.inputs)}; a single series only feeds an "
            "indicator with one input: pass bars with those columns"
        )
    if data.empty:
        raise DataError(f"no bars to compute {spec.name} on")
    _require_time_order(data.index, spec.name)
    values = _numbers(data.to_numpy(), spec.name)[:, None]
    return _frame(spec, run_kernel(spec, values, data.index, params), data.index)


def _bars(
    spec: IndicatorSpec,
    params: Mapping[str, ParameterValue],
    data: pd.DataFrame,
    columns: Mapping[str, str],
) -> pd.DataFrame:
    _require_time_order(data.index, spec.name)
    values = data.loc[:, _input_columns(spec, list(data.columns), columns)].to_numpy()
    return _frame(
        spec, run_kernel(spec, _numbers(values, spec.name), data.index, params), data.index
    )


def _wide(
    spec: IndicatorSpec, params: Mapping[str, ParameterValue], data: pd.DataFrame
) -> pd.DataFrame:
    if len(spec.inputs) != 1:
        raise ValidationError(
            f"{spec.name} reads {', '.join(spec.inputs)}; a frame of one field per symbol only "
            "feeds an indicator with one input: pass (field, symbol) columns or a long frame"
        )
    _require_time_order(data.index, spec.name)
    values = _numbers(data.to_numpy(), spec.name)
    results = [
        run_kernel(spec, values[:, [symbol]], data.index, params)
        for symbol in range(values.shape[1])
    ]
    return _by_symbol(spec, results, list(data.columns), data.index)


def _panel(
    spec: IndicatorSpec,
    params: Mapping[str, ParameterValue],
    data: pd.DataFrame,
    columns: Mapping[str, str],
) -> pd.DataFrame:
    _require_time_order(data.index, spec.name)
    fields = data.columns.get_level_values(0)
    owners = data.columns.get_level_values(1)
    symbols = list(dict.fromkeys(owners))
    planes = []  # one (time x symbol) array per input, symbols in the same order
    for field in _input_columns(spec, list(dict.fromkeys(fields)), columns):
        plane = data.loc[:, fields == field]
        plane.columns = plane.columns.get_level_values(1)
        planes.append(_numbers(plane.reindex(columns=symbols).to_numpy(), spec.name))
    stacked = np.stack(planes, axis=2)  # time x symbol x input
    results = [
        run_kernel(spec, stacked[:, symbol, :], data.index, params)
        for symbol in range(len(symbols))
    ]
    return _by_symbol(spec, results, symbols, data.index)


def _long(
    spec: IndicatorSpec,
    params: Mapping[str, ParameterValue],
    data: pd.DataFrame,
    symbol_column: str,
    time_column: str | None,
    columns: Mapping[str, str],
) -> pd.DataFrame:
    time_name = time_column or next(
        (str(c) for c in data.columns if str(c).lower() in _TIME_COLUMNS), None
    )
    if time_name is not None and time_name not in data.columns:
        raise DataError(f"time column {time_name!r} is not in the frame")
    times = _times(data[time_name] if time_name is not None else data.index)
    values = data.loc[:, _input_columns(spec, list(data.columns), columns)].to_numpy()
    values = _numbers(values, spec.name)
    result = np.full((len(data), len(spec.outputs)), np.nan)
    positions = pd.Series(np.arange(len(data)))
    for _, rows in positions.groupby(data[symbol_column].to_numpy(), sort=False):
        order: npt.NDArray[np.intp] = rows.to_numpy(dtype=np.intp)
        stamps: pd.Index = pd.RangeIndex(len(order))  # no times: rows are taken in order
        if times is not None:
            order = order[np.argsort(times.asi8[order], kind="stable")]
            stamps = times[order]
            _require_unique(stamps, spec.name)
        result[order] = run_kernel(spec, values[order], stamps, params)
    kept = [symbol_column] + ([time_name] if time_name is not None else [])
    output = data.loc[:, kept].copy()
    output[list(spec.outputs)] = result
    return output


def _times(values: pd.Series[Any] | pd.Index) -> pd.DatetimeIndex | None:
    if isinstance(values, pd.Index) and not isinstance(values, pd.DatetimeIndex):
        return None  # a plain row index is no time: rows are taken in their order
    try:
        return pd.DatetimeIndex(values)
    except (TypeError, ValueError):
        raise DataError("the time column of long bars must hold timestamps or dates") from None


def _input_columns(
    spec: IndicatorSpec, available: list[Any], columns: Mapping[str, str]
) -> list[Any]:
    """The column holding each input: ``columns`` first, else the input's name in any case."""
    by_lower = {str(column).lower(): column for column in available}
    chosen = []
    for field in spec.inputs:
        column = columns.get(field, by_lower.get(field))
        if column is None or column not in available:
            have = ", ".join(str(c) for c in available)
            raise DataError(
                f"{spec.name} needs column(s) {', '.join(spec.inputs)}; missing {field!r} "
                f"(the frame has {have}; map one with columns={{{field!r}: 'name'}})"
            )
        chosen.append(column)
    return chosen


def _numbers(values: npt.NDArray[Any], name: str) -> FloatArray:
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"the inputs of {name} must be numbers") from None


def _frame(spec: IndicatorSpec, values: FloatArray, index: pd.Index) -> pd.DataFrame:
    return pd.DataFrame(values, index=index, columns=list(spec.outputs))


def _by_symbol(
    spec: IndicatorSpec, results: list[FloatArray], symbols: list[Any], index: pd.Index
) -> pd.DataFrame:
    """Columns = symbols for one output, else (output, symbol)."""
    stacked = np.stack(results, axis=2)  # time x output x symbol
    if len(spec.outputs) == 1:
        return pd.DataFrame(stacked[:, 0, :], index=index, columns=symbols)
    labels = pd.MultiIndex.from_product([list(spec.outputs), symbols], names=["output", "symbol"])
    return pd.DataFrame(stacked.reshape(len(index), -1), index=index, columns=labels)


def _panel_from_mapping(data: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    if not data:
        raise DataError("no fields given: expected a mapping like {'close': wide_frame}")
    panel: pd.DataFrame = pd.concat(dict(data), axis=1)
    return panel


def _require_time_order(index: pd.Index, name: str) -> None:
    _require_unique(index, name)
    if isinstance(index, pd.DatetimeIndex) and not index.is_monotonic_increasing:
        raise DataError(f"bars for {name} must be in time order (sort the index first)")


def _require_unique(index: pd.Index, name: str) -> None:
    if index.has_duplicates:
        first = index[index.duplicated()][0]
        raise DataError(f"bars for {name} repeat the time {first}; one bar per time is expected")
