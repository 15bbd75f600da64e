"""The validation rules, vectorised over one batch.

Every rule works on numpy arrays and on one ordering of the batch (by symbol, then time) that
is computed once: duplicate keys are neighbours in it, a symbol's previous close is the row
before, and its New York session dates come out sorted. Most batches arrive in that order
already, and then no sort happens at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from workbench.data import calendar as cal
from workbench.data.quality import Issue, Severity
from workbench.data.schema import DatasetSpec

__all__ = [
    "LINE_COLUMN",
    "Keys",
    "gap_issues",
    "issue",
    "jump_issues",
    "keys_of",
    "merge_same_rule",
    "row_issues",
    "symbol_codes",
]

#: optional column a source adds to say which line of its file a row came from
LINE_COLUMN = "_line"

Mask = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]
_NAT = np.iinfo(np.int64).min
_MICROS_PER_HOUR = 3_600_000_000
_MORE = re.compile(r" \(and \d+ more\)$")


@dataclass(frozen=True)
class Keys:
    """The (symbol, timestamp) keys of a batch as integers, and their sort order."""

    codes: Ints  # symbol number per row, -1 where the symbol is missing
    names: npt.NDArray[np.object_]  # symbol of each code
    micros: Ints  # UTC microseconds per row, _NAT where the timestamp is missing
    order: Ints  # row positions sorted by (code, micros), stable
    in_order: bool  # the batch was sorted already (order is 0..n-1)

    @property
    def valid(self) -> Mask:
        valid: Mask = (self.codes >= 0) & (self.micros != _NAT)
        return valid


def keys_of(frame: pd.DataFrame, codes: Ints, names: npt.NDArray[np.object_]) -> Keys:
    """``codes`` number the symbols in order of first appearance (``symbol_codes``), so a
    batch grouped by symbol and sorted in time needs no sort."""
    micros = frame["timestamp"].to_numpy("datetime64[us]").view(np.int64)
    same = codes[1:] == codes[:-1]
    in_order = bool(((codes[1:] > codes[:-1]) | (same & (micros[1:] > micros[:-1]))).all())
    order = np.arange(len(frame)) if in_order else np.lexsort((micros, codes))
    return Keys(codes, names, micros, order, in_order)


def symbol_codes(symbols: pd.Series) -> tuple[Ints, npt.NDArray[np.object_]]:
    """``pd.factorize`` of ``symbols`` (-1 for a missing one), hashing one value per run of
    equal neighbours rather than per row: batches come grouped by symbol."""
    values = pa.array(symbols, from_pandas=True)
    if len(values) < 2:
        run_starts = np.arange(len(values))
    else:
        differs = pc.fill_null(pc.not_equal(values[1:], values[:-1]), True)
        run_starts = np.flatnonzero(np.r_[True, differs.to_numpy(zero_copy_only=False)])
    run_codes, names = pd.factorize(symbols.iloc[run_starts], sort=False, use_na_sentinel=True)
    codes = np.repeat(run_codes.astype(np.int64), np.diff(np.r_[run_starts, len(values)]))
    return codes, np.asarray(names, dtype=object)


def issue(
    frame: pd.DataFrame,
    mask: Mask,
    rule: str,
    severity: Severity,
    describe: Callable[[pd.Series], str],
) -> Issue:
    """An issue holding every offending row (``_index`` is its position in the batch)."""
    rows = frame.loc[mask].copy()
    rows.insert(0, "_index", np.flatnonzero(mask))
    first = rows.iloc[0]
    more = f" (and {len(rows) - 1} more)" if len(rows) > 1 else ""
    message = f"{rule}: line {first[LINE_COLUMN]}: {describe(first)}{_key_of(first)}{more}"
    return Issue(rule, severity, len(rows), message, rows)


def _key_of(row: pd.Series) -> str:
    """`` (SPY 2015-03-05)``: the row's symbol and New York time, when both are known."""
    symbol, stamp = row.get("symbol"), row.get("timestamp")
    if not isinstance(symbol, str) or not isinstance(stamp, pd.Timestamp) or stamp.tzinfo is None:
        return ""
    local = stamp.tz_convert("America/New_York")
    shown = local.strftime("%Y-%m-%d" if local == local.normalize() else "%Y-%m-%d %H:%M")
    return f" ({symbol} {shown})"


def row_issues(frame: pd.DataFrame, spec: DatasetSpec, keys: Keys) -> list[Issue]:
    """Symbol format, duplicate keys, signs, OHLC consistency, zero values, crossed quotes."""
    issues: list[Issue] = []

    def check(
        mask: Mask, rule: str, severity: Severity, describe: Callable[[pd.Series], str]
    ) -> None:
        if mask.any():
            issues.append(issue(frame, mask, rule, severity, describe))

    from workbench.model._validate import SYMBOL_PATTERN

    good = np.array([isinstance(s, str) and bool(SYMBOL_PATTERN.match(s)) for s in keys.names])
    bad_symbol = np.ones(len(frame), dtype=bool)
    known = keys.codes >= 0
    bad_symbol[known] = ~good[keys.codes[known]] if len(good) else True
    check(bad_symbol, "symbol", "error", lambda r: f"symbol {r['symbol']!r} is not a valid ticker")
    check(
        _duplicates(keys),
        "duplicate",
        "error",
        lambda r: f"{r['symbol']} {r['timestamp']} appears more than once",
    )
    values = {c: frame[c].to_numpy(dtype=np.float64, na_value=np.nan) for c in spec.value_columns}
    for column in (*spec.price_columns, *spec.size_columns):
        check(values[column] < 0, "negative", "error", _negative(column))
    if spec.kind == "bars":
        o, h, lo, c = (values[k] for k in ("open", "high", "low", "close"))
        check(lo > h, "ohlc", "error", lambda r: f"low {r['low']} is above high {r['high']}")
        check(
            (lo <= h) & ((h < np.fmax(o, c)) | (lo > np.fmin(o, c))),
            "ohlc",
            "error",
            lambda r: (
                f"open/close {r['open']}/{r['close']} outside low..high {r['low']}..{r['high']}"
            ),
        )
        check(values["volume"] == 0, "zero_volume", "warning", lambda r: "volume is zero")
        check(
            (o == 0) | (h == 0) | (lo == 0) | (c == 0),
            "zero_price",
            "warning",
            lambda r: "a price is zero",
        )
    if spec.kind == "quotes":
        bid, ask = values["bid_price"], values["ask_price"]
        check(
            (bid > ask) & (ask > 0),
            "crossed",
            "warning",
            lambda r: f"bid {r['bid_price']} above ask {r['ask_price']}",
        )
        check((bid == 0) | (ask == 0), "zero_price", "warning", lambda r: "a zero bid or ask")
    return issues


def _negative(column: str) -> Callable[[pd.Series], str]:
    def describe(row: pd.Series) -> str:
        return f"{column} {row[column]} is negative"

    return describe


def _duplicates(keys: Keys) -> Mask:
    """Second and later rows of a key; the stable order keeps the first one in the batch."""
    mask = np.zeros(len(keys.codes), dtype=bool)
    if len(mask) < 2:
        return mask
    codes, micros = keys.codes[keys.order], keys.micros[keys.order]
    repeat = (codes[1:] == codes[:-1]) & (micros[1:] == micros[:-1]) & (micros[1:] != _NAT)
    mask[keys.order[1:][repeat]] = True
    return mask


def jump_issues(
    frame: pd.DataFrame, spec: DatasetSpec, keys: Keys, threshold: float
) -> list[Issue]:
    """A close (or trade price) that moved more than ``threshold`` from the symbol's last one."""
    column = "close" if spec.kind == "bars" else "price"
    order = keys.order[keys.valid[keys.order]]
    if len(order) < 2:
        return []
    price = frame[column].to_numpy(dtype=np.float64, na_value=np.nan)[order]
    with np.errstate(divide="ignore", invalid="ignore"):
        move = price[1:] / price[:-1] - 1
    move[keys.codes[order][1:] != keys.codes[order][:-1]] = np.nan
    jumped = np.abs(move) > threshold
    if not jumped.any():
        return []
    moves = np.full(len(frame), np.nan)
    moves[order[1:]] = move
    mask = np.zeros(len(frame), dtype=bool)
    mask[order[1:][jumped]] = True
    return [
        issue(
            frame,
            mask,
            "jump",
            "warning",
            lambda r: f"{r['symbol']} {column} moved {moves[r['_index']]:+.1%} at {r['timestamp']}",
        )
    ]


def gap_issues(spec: DatasetSpec, keys: Keys, calendar_name: str) -> list[Issue]:
    """Sessions between a symbol's first and last bar that have no bar at all."""
    order = keys.order[keys.valid[keys.order]]
    if not len(order):
        return []
    codes, days = keys.codes[order], _new_york_days(keys.micros[order])
    # within a symbol the days are sorted: keep the first row of each (symbol, day)
    first = np.ones(len(days), dtype=bool)
    first[1:] = (codes[1:] != codes[:-1]) | (days[1:] != days[:-1])
    codes, days = codes[first], days[first]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    stops = np.r_[starts[1:], len(codes)]
    sessions = cal.session_days(calendar_name)
    missing_symbols: list[str] = []
    missing_days: list[Ints] = []
    for start, stop in zip(starts, stops, strict=True):
        have = days[start:stop]
        expected = sessions[
            np.searchsorted(sessions, have[0]) : np.searchsorted(sessions, have[-1], side="right")
        ]
        missing = expected[~np.isin(expected, have, assume_unique=True)]
        if len(missing):
            missing_symbols.extend([str(keys.names[codes[start]])] * len(missing))
            missing_days.append(missing)
    if not missing_symbols:
        return []
    session_dates = pd.to_datetime(np.concatenate(missing_days), unit="D").date
    rows = pd.DataFrame({"symbol": missing_symbols, "session": session_dates})
    by_symbol = (
        rows.groupby("symbol", sort=False).size().sort_values(ascending=False, kind="stable")
    )
    worst = ", ".join(f"{s} {n}" for s, n in by_symbol.head(3).items())
    message = (
        f"gap: {len(rows)} {calendar_name} session(s) with no {spec.name} bar "
        f"({worst}{', ...' if len(by_symbol) > 3 else ''})"
    )
    return [Issue("gap", "warning", len(rows), message, rows)]


def _new_york_days(micros: Ints) -> Ints:
    """New York calendar day (days since 1970-01-01) of each UTC instant.

    New York's UTC offset is a whole number of hours, so the day follows from the UTC hour:
    the timezone conversion runs once per distinct hour, not once per row (a minute batch has
    60 rows per hour). ``micros`` are grouped by symbol and sorted in each group, so equal
    hours are neighbours.
    """
    hours = micros // _MICROS_PER_HOUR
    starts = np.flatnonzero(np.r_[True, hours[1:] != hours[:-1]])
    utc = pd.DatetimeIndex(hours[starts].astype("datetime64[h]"), tz="UTC")
    local = utc.tz_convert(cal.NEW_YORK).tz_localize(None).to_numpy().astype("datetime64[D]")
    per_run = local.astype(np.int64)
    return np.repeat(per_run, np.diff(np.r_[starts, len(hours)]))


def merge_same_rule(issues: list[Issue]) -> list[Issue]:
    """One issue per rule (a rule checked column by column counts rows, not cells); the
    message of the first check is kept, with the count of further rows brought up to date."""
    merged: dict[str, Issue] = {}
    for found in issues:
        seen = merged.get(found.rule)
        if seen is None or "_index" not in found.rows.columns:
            merged.setdefault(found.rule, found)
            continue
        rows = pd.concat([seen.rows, found.rows]).drop_duplicates("_index").sort_values("_index")
        message = _MORE.sub("", seen.message)
        if len(rows) > 1:
            message += f" (and {len(rows) - 1} more)"
        merged[found.rule] = Issue(found.rule, found.severity, len(rows), message, rows)
    return list(merged.values())
