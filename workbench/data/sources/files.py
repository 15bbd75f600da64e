"""CSV and Parquet files as lake batches: column names mapped, lines numbered for messages.

Common spellings are recognised (Date/date/datetime/time/t, Open/o, Volume/v, Name/ticker...);
``mapping`` names the rest (``{"Px Last": "close"}``). Naive timestamps need ``tz``, except
date-only daily bars, which are New York session dates stamped at midnight New York time.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from workbench.core.errors import DataError, NotFound
from workbench.data.calendar import NEW_YORK
from workbench.data.schema import DatasetSpec
from workbench.data.validation import LINE_COLUMN

__all__ = ["SYNONYMS", "read_file"]

SYNONYMS: dict[str, tuple[str, ...]] = {
    "timestamp": ("timestamp", "date", "datetime", "time", "t", "date_time"),
    "symbol": ("symbol", "ticker", "name", "s", "sym"),
    "open": ("open", "o"),
    "high": ("high", "h"),
    "low": ("low", "l"),
    "close": ("close", "c", "last"),
    "volume": ("volume", "v", "vol"),
    "trade_count": ("trade_count", "n", "trades"),
    "vwap": ("vwap", "vw"),
    "bid_price": ("bid_price", "bid", "bp"),
    "bid_size": ("bid_size", "bs"),
    "ask_price": ("ask_price", "ask", "ap"),
    "ask_size": ("ask_size", "as"),
    "price": ("price", "p"),
    "size": ("size", "qty", "quantity"),
}


def read_file(
    path: Path,
    spec: DatasetSpec,
    *,
    mapping: Mapping[str, str] | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """Read ``path`` (.csv, .csv.gz, .parquet) into columns the lake's validation understands."""
    path = Path(path)
    try:
        exists, regular = path.exists(), path.is_file()
    except OSError as error:  # a name too long for the file system, a path it cannot look at
        raise NotFound(f"{path}: cannot read it ({error.strerror})") from None
    if not exists:
        raise NotFound(f"{path}: no such file")
    if not regular:
        raise NotFound(f"{path}: not a regular file (give a .csv, .csv.gz or .parquet file)")
    frame = _read(path)
    frame = frame.drop(columns=[c for c in frame.columns if str(c).startswith("Unnamed:")])
    frame = frame.rename(columns=_column_map(frame.columns, spec, mapping or {}, path))
    if "timestamp" in frame.columns:
        frame["timestamp"] = _localise(frame["timestamp"], spec, tz, path)
    # line in the file of each row, for messages: the header is line 1
    frame[LINE_COLUMN] = (
        range(2, len(frame) + 2) if path.suffix != ".parquet" else range(1, len(frame) + 1)
    )
    return frame


def _read(path: Path) -> pd.DataFrame:
    name = path.name.lower()
    try:
        if name.endswith(".parquet"):
            return pd.read_parquet(path)
        if name.endswith((".csv", ".csv.gz", ".txt")):
            # Everything as text first: validation names the line of a value that is no number.
            return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise DataError(f"{path}: cannot be read: {_first_line(exc)}") from None
    raise DataError(f"{path}: unsupported file type (expected .csv, .csv.gz or .parquet)")


def _column_map(
    columns: pd.Index, spec: DatasetSpec, mapping: Mapping[str, str], path: Path
) -> dict[str, str]:
    wanted = {"timestamp", "symbol", *spec.value_columns}
    bad_targets = set(mapping.values()) - wanted
    if bad_targets:
        raise DataError(
            f"column mapping names unknown target(s) {', '.join(sorted(bad_targets))}; "
            f"expected some of {', '.join(sorted(wanted))}"
        )
    missing_sources = set(mapping) - set(map(str, columns))
    if missing_sources:
        raise DataError(
            f"{path}: mapped column(s) {', '.join(sorted(missing_sources))} not in the file "
            f"(columns: {', '.join(map(str, columns))})"
        )
    renamed = dict(mapping)
    taken = set(mapping.values())
    for column in map(str, columns):
        if column in renamed:
            continue
        key = column.strip().lower().replace(" ", "_")
        for target, spellings in SYNONYMS.items():
            if target in wanted and target not in taken and key in spellings:
                renamed[column] = target
                taken.add(target)
                break
    return renamed


def _localise(values: pd.Series, spec: DatasetSpec, tz: str | None, path: Path) -> pd.Series:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values
    if pd.api.types.is_datetime64_dtype(values.dtype):
        text = values.dt.strftime("%Y-%m-%dT%H:%M:%S.%f")
    else:
        text = values.astype("string").str.strip()
    has_zone = text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True, na=False)
    if has_zone.all():
        return pd.Series(text)
    # A daily file without times holds New York session dates. A value that is no date at all
    # does not change that: it stays as written, and validation names its line.
    has_time = text.str.contains(r"\d:\d", regex=True, na=False)
    zone = tz or (NEW_YORK if spec.timeframe == "1d" and not has_time.any() else None)
    if zone is None:
        return pd.Series(text)  # validation names the first line without a timezone
    parsed = pd.to_datetime(text, errors="coerce", format="mixed")
    try:
        localised = parsed.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
    except Exception as exc:
        raise DataError(f"{path}: cannot apply timezone {zone!r}: {_first_line(exc)}") from None
    result = localised.dt.tz_convert("UTC").astype("string")
    # keep the original text where parsing failed, so the message quotes what the file said
    return pd.Series(result.where(localised.notna(), text))


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
