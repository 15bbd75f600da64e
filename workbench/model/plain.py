"""Plain values: the one policy that turns any workbench result into JSON-able Python.

Every face that writes JSON (the CLI's ``--json``, the report and ledger exports, the API and
MCP) goes through ``to_plain``, so one order reads the same everywhere:

=====================================  =================================================
value                                  becomes
=====================================  =================================================
``Decimal``                            a string in fixed-point notation, exact and with
                                       its scale (``Decimal("1.50")`` -> ``"1.50"``);
                                       NaN or infinite -> ``None``
``float`` (and numpy floats)           itself; NaN and infinities -> ``None``
``datetime`` (and pandas Timestamp)    ISO 8601, an aware one in UTC with its offset:
                                       ``"2024-01-02T14:30:00+00:00"``; a naive one as it
                                       is, ``"2024-01-02T00:00:00"`` (no zone is invented)
``date``                               ``"YYYY-MM-DD"``; ``time`` -> ISO 8601
``timedelta``                          seconds, a number
``Enum``                               its value
dataclass, pydantic model              a dict of its fields (snake_case keys, as named)
``dict``                               a dict with string keys (keys made plain first)
list, tuple, numpy array, pandas Index a list; a set becomes a sorted list
numpy scalar                           the Python scalar it holds
pandas ``DataFrame``                   a list of records, one dict per row; a named index
                                       becomes leading columns, an unnamed one is dropped
pandas ``Series``                      a dict of index label -> value
``None``, pandas NA / NaT, NaN         ``None``
``Path``, anything else                ``str(value)``
=====================================  =================================================

Decimals are strings, not numbers, because they are what reaches a broker (quantities,
prices, cash): a JSON number is a binary double to most readers, which rounds
``0.1 + 0.2`` and drops the scale; a string is exact, and it is how Alpaca's own API writes
them. Floats stay numbers: they are the results of analysis, already binary.

Aware datetimes are all written in UTC so that one instant has one spelling, whichever zone it
was computed in (the ledger keeps UTC; the lake stamps daily bars at midnight New York). A naive
datetime has no zone to convert from: the analysis engine's daily index is naive New York
session dates, and calling those UTC would move them; so it is written without an offset.

No pandas or numpy import here: ``workbench --help`` loads this module. A pandas or numpy value
can only exist once its library is loaded, so the checks look them up in ``sys.modules``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any

__all__ = ["plain_json", "to_plain"]


def to_plain(value: Any) -> Any:
    """``value`` as JSON-able Python (dict, list, str, int, float, bool, None) by the policy
    in this module's docstring."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Enum):
        return to_plain(value.value)
    if isinstance(value, str | int):
        return value
    if isinstance(value, float):  # numpy's float64 is one too
        return float(value) if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else None
    if _is_pandas_missing(value):
        return None
    if isinstance(value, datetime | date | time | timedelta):
        return _moment(value)
    if isinstance(value, Mapping):
        return {_key(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return _sorted([to_plain(v) for v in value])
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if callable(getattr(value, "model_dump", None)) and not isinstance(value, type):
        return to_plain(value.model_dump())
    numeric = _numpy(value)
    if numeric is not _NOT_NUMPY:
        return numeric
    tabular = _pandas(value)
    if tabular is not _NOT_PANDAS:
        return tabular
    return str(value)


def plain_json(value: Any, *, indent: int | None = None) -> str:
    """``value`` as one JSON document (``to_plain`` first; NaN can no longer occur)."""
    return json.dumps(to_plain(value), indent=indent, allow_nan=False)


def _moment(value: datetime | date | time | timedelta) -> Any:
    if isinstance(value, datetime):
        naive = value.tzinfo is None or value.utcoffset() is None
        return value.isoformat() if naive else value.astimezone(UTC).isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    return value.isoformat()


def _key(key: Any) -> str:
    plain = to_plain(key)
    return plain if isinstance(plain, str) else json.dumps(plain)


def _sorted(items: list[Any]) -> list[Any]:
    try:
        return sorted(items)
    except TypeError:  # mixed kinds: keep them, in a repeatable order
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))


_NOT_NUMPY = object()
_NOT_PANDAS = object()


def _is_pandas_missing(value: Any) -> bool:
    pandas = sys.modules.get("pandas")
    return pandas is not None and (value is pandas.NaT or value is pandas.NA)


def _numpy(value: Any) -> Any:
    numpy = sys.modules.get("numpy")
    if numpy is None:
        return _NOT_NUMPY
    if isinstance(value, numpy.datetime64 | numpy.timedelta64):
        pandas = sys.modules.get("pandas")
        if pandas is None:  # numpy alone: its own ISO text, without a zone
            return None if numpy.isnat(value) else str(value)
        kind = pandas.Timestamp if isinstance(value, numpy.datetime64) else pandas.Timedelta
        return to_plain(kind(value))
    if isinstance(value, numpy.generic):
        return to_plain(value.item())
    if isinstance(value, numpy.ndarray):
        return [to_plain(v) for v in value]
    return _NOT_NUMPY


def _pandas(value: Any) -> Any:
    pandas = sys.modules.get("pandas")
    if pandas is None:
        return _NOT_PANDAS
    if isinstance(value, pandas.DataFrame):
        named = any(level is not None for level in value.index.names)
        flat = value.reset_index() if named else value
        # column by column: ``to_dict(orient="records")`` walks rows through pandas indexing
        names = [_key(k) for k in flat.columns]
        columns = [flat.iloc[:, i].tolist() for i in range(len(names))]
        return [
            {k: to_plain(v) for k, v in zip(names, row, strict=True)}
            for row in zip(*columns, strict=True)
        ]
    if isinstance(value, pandas.Series):
        return {_key(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, pandas.Index):
        return [to_plain(v) for v in value]
    return _NOT_PANDAS
