"""Input checks shared by the analysis modules: one wording for one kind of bad input."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from workbench.core.errors import DataError, ValidationError

__all__ = [
    "FloatArray",
    "align",
    "as_float",
    "as_series",
    "book_equity",
    "book_values",
    "json_safe",
    "positive_int",
    "positive_number",
    "probability",
    "require_length",
    "sample_std",
]


FloatArray = npt.NDArray[np.floating[Any]]


def as_series(values: Any, *, name: str) -> pd.Series[float]:
    """``values`` as a float Series without NaN, sorted by its index; empty input is an error."""
    if isinstance(values, pd.DataFrame):
        if values.shape[1] != 1:
            raise DataError(
                f"{name} must be one series, got a frame with {values.shape[1]} columns"
            )
        values = values.iloc[:, 0]
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    try:
        series = series.astype("float64")
    except (TypeError, ValueError):
        raise DataError(f"{name} must be numeric, got dtype {series.dtype}") from None
    if series.index.has_duplicates:
        duplicated = series.index[series.index.duplicated()][:3].tolist()
        raise DataError(f"{name} has duplicate index labels, e.g. {duplicated}")
    series = series.dropna()
    if series.empty:
        raise DataError(f"{name} is empty (no non-NaN values)")
    if not np.isfinite(series.to_numpy()).all():
        raise DataError(f"{name} contains infinite values")
    if not series.index.is_monotonic_increasing:
        series = series.sort_index()
    return series


def require_length(series: pd.Series[float] | pd.DataFrame, minimum: int, *, name: str) -> None:
    if len(series) < minimum:
        raise DataError(f"{name} needs at least {minimum} observations, got {len(series)}")


def align(
    left: pd.Series[float], right: pd.Series[float], *, left_name: str, right_name: str
) -> tuple[pd.Series[float], pd.Series[float]]:
    """The two series on their common index labels; no overlap at all is an error."""
    common = left.index.intersection(right.index)
    if common.empty:
        raise DataError(
            f"{right_name} has no dates in common with {left_name} "
            f"({left_name}: {_span(left)}; {right_name}: {_span(right)})"
        )
    return left.loc[common], right.loc[common]


def _span(series: pd.Series[float]) -> str:
    return f"{series.index[0]} .. {series.index[-1]}, {len(series)} points"


def probability(name: str, value: float) -> float:
    if not isinstance(value, int | float) or not 0.0 < float(value) < 1.0:
        raise ValidationError(f"{name} must be a number strictly between 0 and 1, got {value!r}")
    return float(value)


def positive_int(name: str, value: int, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValidationError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def positive_number(name: str, value: float) -> float:
    number = as_float(name, value)
    if not number > 0.0:
        raise ValidationError(f"{name} must be positive, got {value!r}")
    return number


def as_float(name: str, value: float | Decimal | int) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | np.number):
        raise ValidationError(f"{name} must be a number, got {value!r}")
    result = float(value)
    if not math.isfinite(result):
        raise ValidationError(f"{name} must be finite, got {value!r}")
    return result


def json_safe(value: Any) -> Any:
    """Plain JSON types for ``to_dict()``: NaN and infinities become None, dates ISO strings."""
    if value is None or value is pd.NaT or isinstance(value, bool | str):
        return None if value is pd.NaT else value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, pd.Timestamp | datetime | date):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, pd.DataFrame):
        return [
            {str(key): json_safe(item) for key, item in row.items()}
            for row in value.reset_index().to_dict(orient="records")
        ]
    if isinstance(value, pd.Series):
        return {str(json_safe(key)): json_safe(item) for key, item in value.items()}
    if isinstance(value, Mapping):
        return {str(json_safe(key)): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if is_dataclass(value) and not isinstance(value, type):
        return {item.name: json_safe(getattr(value, item.name)) for item in fields(value)}
    return str(value)


def sample_std(values: FloatArray) -> float:
    """Sample standard deviation (ddof=1); NaN, not a RuntimeWarning, below two values.

    Equal values give exactly 0 (summing them leaves ~1e-19 of rounding "variation", which
    would otherwise turn a flat series into a Sharpe ratio of 1e16).
    """
    if len(values) < 2:
        return float("nan")
    deviation = float(np.std(values, ddof=1))
    return 0.0 if deviation <= 1e-10 * float(np.max(np.abs(values))) else deviation


def book_values(market_values: pd.Series[float]) -> pd.Series[float]:
    """Market values of a book (money, signed, one per symbol) as floats; NaN is an error."""
    if len(market_values) == 0:
        raise DataError("there are no positions")
    if market_values.index.has_duplicates:
        raise DataError("market values repeat a symbol; give one value per symbol")
    values = market_values.astype("float64")
    if values.isna().any():
        raise DataError(f"market values are NaN for {values.index[values.isna()].tolist()}")
    return values


def book_equity(values: pd.Series[float], equity: float | Decimal | None) -> float:
    """``equity`` if given, else the book's net market value; it must be positive."""
    base = float(values.sum()) if equity is None else as_float("equity", equity)
    if not base > 0.0:
        hint = "" if equity is not None else " (the net market value; pass equity=...)"
        raise DataError(f"equity must be positive to express fractions of it, got {base:g}{hint}")
    return base
