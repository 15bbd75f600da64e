"""Validation before anything reaches the lake.

``validate`` coerces a batch to its dataset's schema, runs every rule, and applies a policy:

* ``reject`` (default): any error and nothing is written; the ValidationError carries the report.
* ``drop``: rows that break an error rule are left out and counted; the rest is written.
* ``warn``: every storable row is written; problems are only reported. Rows that cannot be
  stored at all (no timestamp, a second row for the same key, a price that is not a number)
  are still left out.

Errors: schema and dtypes, symbol format, UTC timestamps, duplicate keys, negative or missing
values, OHLC consistency. Warnings: gaps against the exchange calendar, suspicious jumps, zero
volume or prices, crossed quotes. The rules themselves live in ``workbench.data.rules``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from workbench.core.errors import ValidationError
from workbench.data import rules
from workbench.data.quality import Issue, QualityReport
from workbench.data.rules import LINE_COLUMN
from workbench.data.schema import DatasetSpec
from workbench.model import normalize_symbol

__all__ = ["LINE_COLUMN", "POLICIES", "Batch", "normalise", "validate"]

POLICIES = ("reject", "drop", "warn")
#: rules whose rows cannot be stored whatever the policy
_UNSTORABLE = frozenset({"timestamp", "duplicate", "not_a_number", "missing_value", "symbol"})
_ZONE = r"(?:Z|[+-]\d\d:?\d\d)$"


@dataclass(frozen=True)
class Batch:
    """A validated batch: the rows to write and the report that says what happened.

    ``frame`` is grouped by symbol (in order of first appearance) and sorted by time within
    each symbol, with a fresh RangeIndex: the order partition writes want.
    """

    frame: pd.DataFrame
    report: QualityReport


@dataclass(frozen=True)
class _Normalised:
    frame: pd.DataFrame
    issues: list[Issue]
    codes: npt.NDArray[np.int64]
    names: npt.NDArray[np.object_]


def normalise(
    frame: pd.DataFrame, spec: DatasetSpec, *, source: str, symbol: str | None = None
) -> tuple[pd.DataFrame, list[Issue]]:
    """Coerce to ``symbol, timestamp, <values>, _line`` (row order and count kept, positional
    index); returns the issues found on the way. A missing column is a ValidationError straight
    away: no row of such a batch is usable."""
    done = _normalise(frame, spec, source=source, symbol=symbol)
    return done.frame, done.issues


def validate(
    frame: pd.DataFrame,
    spec: DatasetSpec,
    *,
    source: str,
    policy: str = "reject",
    symbol: str | None = None,
    jump_threshold: float = 0.25,
    calendar_name: str = "XNYS",
    check_gaps: bool = True,
) -> Batch:
    if policy not in POLICIES:
        raise ValidationError(
            f"unknown validation policy {policy!r}: expected {', '.join(POLICIES)}"
        )
    rows_in = len(frame)
    done = _normalise(frame, spec, source=source, symbol=symbol)
    rows, issues = done.frame, done.issues
    keys = rules.keys_of(rows, done.codes, done.names)
    issues += rules.row_issues(rows, spec, keys)
    if check_gaps and spec.kind == "bars" and rows_in:
        issues += rules.gap_issues(spec, keys, calendar_name)
    if spec.kind in ("bars", "trades") and rows_in:
        issues += rules.jump_issues(rows, spec, keys, jump_threshold)
    issues = rules.merge_same_rule(issues)
    has_errors = any(i.severity == "error" for i in issues)
    drop_rules = {i.rule for i in issues if i.severity == "error"} if policy == "drop" else set()
    drop_rules |= _UNSTORABLE
    bad = np.zeros(rows_in, dtype=bool)
    for found in issues:
        if found.rule in drop_rules and "_index" in found.rows.columns:
            bad[found.rows["_index"].to_numpy()] = True
    report = QualityReport(
        dataset=spec.name,
        source=source,
        policy=policy,
        rows_in=rows_in,
        rows_accepted=0 if policy == "reject" and has_errors else rows_in - int(bad.sum()),
        issues=tuple(_public(i) for i in issues),
    )
    if policy == "reject" and not report.ok:
        raise ValidationError(f"rejected, nothing written: {report.headline()}", report=report)
    kept = rows.drop(columns=[LINE_COLUMN])
    if bad.any() or not keys.in_order:
        kept = kept.take(keys.order[~bad[keys.order]]).reset_index(drop=True)
    return Batch(frame=kept, report=report)


def _normalise(
    frame: pd.DataFrame, spec: DatasetSpec, *, source: str, symbol: str | None
) -> _Normalised:
    if "symbol" not in frame.columns and symbol is None:
        raise ValidationError(
            f"{source}: no symbol column and no symbol given (columns: {_listed(frame)})"
        )
    missing = [c for c in ("timestamp", *spec.required) if c not in frame.columns]
    if missing:
        raise ValidationError(
            f"{source}: missing column(s) {', '.join(missing)} for {spec.name} "
            f"(columns found: {_listed(frame)})"
        )
    count = len(frame)
    lines = (
        frame[LINE_COLUMN].to_numpy() if LINE_COLUMN in frame.columns else np.arange(1, count + 1)
    )
    if "symbol" in frame.columns:
        symbols, codes, names = _symbols(frame["symbol"].reset_index(drop=True))
    else:
        cleaned = normalize_symbol(str(symbol), check=False)  # the rules check every row
        symbols = pd.Series(cleaned, index=pd.RangeIndex(count), dtype="str")
        codes, names = np.zeros(count, dtype=np.int64), np.array([cleaned], dtype=object)
    raw = pd.DataFrame({"symbol": symbols, LINE_COLUMN: lines})  # for messages
    columns: dict[str, Any] = {"symbol": symbols}
    issues: list[Issue] = []
    columns["timestamp"], unparsed = _timestamps(frame["timestamp"], raw, source)
    if unparsed.any():
        issues.append(
            _raw_issue(
                raw,
                "timestamp",
                frame["timestamp"],
                unparsed,
                "timestamp",
                lambda r: f"timestamp {r['timestamp']!r} is not a date/time",
            )
        )
    for column in spec.value_columns:
        if column not in frame.columns:
            empty = np.full(count, np.nan)
            columns[column] = _counts(empty) if column == "trade_count" else empty
            continue
        numbers, text, absent = _numbers(frame[column], whole=column == "trade_count")
        if text.any():
            issues.append(
                _raw_issue(
                    raw,
                    column,
                    frame[column],
                    text,
                    "not_a_number",
                    _says(column, "{value!r} is not a number"),
                )
            )
        if column in spec.required and absent.any():
            issues.append(
                _raw_issue(
                    raw,
                    column,
                    frame[column],
                    absent,
                    "missing_value",
                    _says(column, "is empty"),
                )
            )
        columns[column] = _counts(numbers) if column == "trade_count" else numbers
    columns[LINE_COLUMN] = lines
    normalised = pd.DataFrame(columns, index=pd.RangeIndex(count), copy=False)
    return _Normalised(normalised, issues, codes, names)


def _symbols(
    raw: pd.Series,
) -> tuple[pd.Series, npt.NDArray[np.int64], npt.NDArray[np.object_]]:
    """Trimmed, upper-case symbols with their codes; the cleaning runs once per distinct value."""
    symbols = raw if isinstance(raw.dtype, pd.StringDtype) else raw.astype("str")
    codes, names = rules.symbol_codes(symbols)
    cleaned = [normalize_symbol(str(s), check=False) for s in names]
    if cleaned == list(names):
        return symbols, codes, names
    # cleaning can merge spellings ("aapl", "AAPL "): number the cleaned names again
    renumbered, merged = pd.factorize(pd.Series(cleaned, dtype=object), sort=False)
    codes = np.where(codes >= 0, renumbered[np.maximum(codes, 0)], -1).astype(np.int64)
    names = np.asarray(merged, dtype=object)
    text = [names[code] if code >= 0 else None for code in codes.tolist()]
    return pd.Series(text, index=raw.index, dtype="str"), codes, names


def _timestamps(
    raw: pd.Series, view: pd.DataFrame, source: str
) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
    """UTC microsecond timestamps, and where a value is no date/time. A value without a
    timezone raises straight away: guessing one would store the wrong instant."""
    raw = raw.reset_index(drop=True)
    if isinstance(raw.dtype, pd.DatetimeTZDtype):
        parsed = raw.dt.tz_convert("UTC")
    elif pd.api.types.is_datetime64_dtype(raw.dtype):
        raise ValidationError(
            f"{source}: timestamps have no timezone; give one (e.g. --tz America/New_York) "
            "so they can be stored as UTC"
        )
    else:
        text = raw.astype("string")
        parsed = pd.to_datetime(text, errors="coerce", utc=True, format="ISO8601")
        naive = (parsed.notna() & ~text.str.contains(_ZONE, regex=True, na=False)).to_numpy()
        if naive.any():
            first = int(naive.argmax())
            raise ValidationError(
                f"{source}: line {view[LINE_COLUMN].iloc[first]}: timestamp {raw.iloc[first]!r} "
                "has no timezone; give one (e.g. --tz America/New_York) so it can be stored as UTC"
            )
    parsed = parsed.astype("datetime64[us, UTC]")
    return parsed, parsed.isna().to_numpy()


def _numbers(
    raw: pd.Series, *, whole: bool
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Values as float64 (NaN where absent), where a value is text or not finite (or, for a
    ``whole`` column, has a fraction), and where a value is absent."""
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        numbers = raw.to_numpy(dtype=np.float64, na_value=np.nan)
        absent = np.isnan(numbers)
        text = np.isinf(numbers)
    else:
        numbers = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        absent = raw.isna().to_numpy()
        text = ~absent & ~np.isfinite(numbers)
    if whole:
        with np.errstate(invalid="ignore"):
            text |= np.isfinite(numbers) & (numbers != np.round(numbers))
    if text.any():
        numbers = np.where(text, np.nan, numbers)
    return numbers, text, absent


def _says(column: str, what: str) -> Callable[[pd.Series], str]:
    """How a row's ``column`` is described: ``what`` may use ``{value!r}``."""

    def describe(row: pd.Series) -> str:
        return f"column {column!r}: " + what.format(value=row[column])

    return describe


def _counts(numbers: npt.NDArray[np.float64]) -> pd.api.extensions.ExtensionArray:
    """Whole numbers as nullable Int64 (NaN becomes NA)."""
    return pd.Series(numbers).astype("Int64").array


def _raw_issue(
    view: pd.DataFrame,
    column: str,
    raw: pd.Series,
    mask: npt.NDArray[np.bool_],
    rule: str,
    describe: Callable[[pd.Series], str],
) -> Issue:
    """An issue whose rows show ``column`` as the source had it (the text, not the NaN)."""
    shown = view.assign(**{column: raw.to_numpy()})
    return rules.issue(shown, mask, rule, "error", describe)


def _public(found: Issue) -> Issue:
    """The issue as reported: rows without the internal position, the line as ``line``."""
    rows = found.rows.drop(columns=["_index"], errors="ignore").rename(
        columns={LINE_COLUMN: "line"}
    )
    return Issue(
        found.rule, found.severity, found.count, found.message, rows.reset_index(drop=True)
    )


def _listed(frame: pd.DataFrame) -> str:
    return ", ".join(map(str, frame.columns)) or "none"
