"""Reading the lake: rows through pyarrow, SQL through in-memory DuckDB connections.

Rows (``read``, ``wide``, ``latest``) come from ``workbench.data.reader``, which opens each
partition file once, so a read never sees half of a concurrent write (see there for why DuckDB
does not do these). SQL (``sql``, ``coverage``) runs in DuckDB through the catalog's own
``workbench.data.duck.LakeSQL``: an in-memory database per catalog, never a shared DuckDB file.

Dates given as ``date`` are New York trading dates, inclusive at both ends; ``datetime`` bounds
are exact instants (timezone-aware).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from workbench.core.errors import NotFound
from workbench.data import calendar as cal
from workbench.data import reader
from workbench.data.duck import LakeSQL
from workbench.data.location import LakeLocation
from workbench.data.reader import FileRef
from workbench.data.schema import spec_for
from workbench.model import normalize_symbol, validate_period

if TYPE_CHECKING:  # pandas loads where a frame is built: ``read_table`` needs none
    import pandas as pd
    import pyarrow as pa

__all__ = ["Bound", "Catalog", "Coverage"]

Bound = date | datetime | str | None
_LAKE_CALL = re.compile(r"lake\('([a-z0-9_]+)'\)")


@dataclasses.dataclass(frozen=True)
class Coverage:
    """What the lake holds of one symbol in one dataset."""

    dataset: str
    symbol: str
    first: datetime
    last: datetime
    rows: int
    #: New York dates with at least one row
    sessions: int
    #: XNYS sessions from the first to the last date without a row
    missing_sessions: int


class Catalog:
    def __init__(self, location: LakeLocation) -> None:
        self.location = location
        self._sql = LakeSQL(location)
        self._latest = reader.LatestRows()

    # -- what is there ---------------------------------------------------------------------
    def datasets(self) -> list[str]:
        return sorted(
            name
            for name in self.location.datasets()
            if not name.startswith(("_", ".")) and _is_dataset(name)
        )

    def symbols(self, dataset: str = "bars_1d") -> list[str]:
        return sorted(self.location.symbols(spec_for(dataset).name))

    def is_empty(self) -> bool:
        return not any(self.symbols(d) for d in self.datasets())

    def coverage(self, dataset: str | None = None) -> pd.DataFrame:
        """``coverage_rows`` as a frame (``first`` and ``last`` as UTC timestamps)."""
        import pandas as pd

        frame = pd.DataFrame(
            [dataclasses.astuple(row) for row in self.coverage_rows(dataset)],
            columns=[f.name for f in dataclasses.fields(Coverage)],
        )
        if not frame.empty:
            for column in ("first", "last"):
                frame[column] = pd.to_datetime(frame[column], utc=True).astype(
                    "datetime64[us, UTC]"
                )
        return frame

    def coverage_rows(self, dataset: str | None = None) -> list[Coverage]:
        """One row per dataset and symbol: first, last, rows, sessions with data, missing
        sessions (XNYS sessions from first to last without a row). Plain values, no pandas:
        the CLI's ``data list`` prints them as they come."""
        names = [spec_for(dataset).name] if dataset else self.datasets()
        found = []
        for name in names:
            files = self._files(name, None, None, None)
            if not files:
                continue
            tables: dict[str, pa.Table] = {}
            # the lake's own paths (quoted by scan_clause) or registered tables; a constant zone
            query = (
                "SELECT symbol, epoch_us(min(timestamp)), epoch_us(max(timestamp)), "  # nosec B608
                f"count(*), count(DISTINCT {_ny_day('timestamp')}), "
                f"{_ny_day('min(timestamp)')}, {_ny_day('max(timestamp)')} "
                f"FROM {self._sql.scan(files, tables, [])} GROUP BY symbol ORDER BY symbol"
            )
            paths = [ref.path for ref in files]
            rows = self._sql.query_stable(query, (), paths, tables, as_rows=True)
            for symbol, first, last, count, sessions, first_day, last_day in rows:
                expected = cal.session_count(first_day, last_day)
                found.append(
                    Coverage(
                        dataset=name,
                        symbol=symbol,
                        first=_utc(first),
                        last=_utc(last),
                        rows=count,
                        sessions=sessions,
                        missing_sessions=max(0, expected - sessions),
                    )
                )
        return found

    # -- rows ------------------------------------------------------------------------------
    def read(
        self,
        dataset: str,
        symbols: str | Sequence[str] | None = None,
        start: Bound = None,
        end: Bound = None,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Rows of ``dataset`` as a long frame sorted by symbol then timestamp."""
        import pandas as pd

        files, chosen, lower, upper = self._plan(dataset, symbols, start, end, columns)
        if not files:
            return pd.DataFrame(columns=["symbol", "timestamp", *chosen])
        with self.location.guard("reading"):
            rows = reader.read_rows(files, chosen, lower, upper, self.location.filesystem)
        return reader.to_frame(rows)

    def read_table(
        self,
        dataset: str,
        symbol: str,
        start: Bound = None,
        end: Bound = None,
        columns: Sequence[str] | None = None,
    ) -> pa.Table:
        """One symbol's rows as an Arrow table (UTC ``timestamp`` and the columns, no symbol
        column) sorted by time: ``read`` without pandas, for code that only walks the rows."""
        import pyarrow as pa

        files, chosen, lower, upper = self._plan(dataset, symbol, start, end, columns)
        schema = spec_for(dataset).arrow_schema()
        schema = pa.schema([schema.field(name) for name in ["timestamp", *chosen]])
        with self.location.guard("reading"):
            tables = reader.read_tables(files, chosen, lower, upper, self.location.filesystem)
        return pa.concat_tables(tables) if tables else schema.empty_table()

    def _plan(
        self,
        dataset: str,
        symbols: str | Sequence[str] | None,
        start: Bound,
        end: Bound,
        columns: Sequence[str] | None,
    ) -> tuple[list[FileRef], list[str], int | None, int | None]:
        """The files to read, the value columns chosen, the bounds in UTC microseconds."""
        spec = spec_for(dataset)
        wanted = self._resolve_symbols(spec.name, symbols)
        lower, upper = _instant(start, upper=False), _instant(end, upper=True)
        chosen = list(columns) if columns else list(spec.value_columns)
        unknown = set(chosen) - set(spec.value_columns)
        if unknown:
            raise NotFound(
                f"unknown column(s) {', '.join(sorted(unknown))} in {spec.name}: "
                f"expected {', '.join(spec.value_columns)}"
            )
        files = self._files(spec.name, wanted, lower, upper)
        return files, chosen, _micros(lower), _micros(upper)

    def wide(
        self,
        dataset: str,
        symbols: str | Sequence[str] | None = None,
        start: Bound = None,
        end: Bound = None,
        field: str = "close",
    ) -> pd.DataFrame:
        """One column per symbol of ``field``, indexed by timestamp (NaN where a symbol has no
        row)."""
        long = self.read(dataset, symbols, start, end, columns=[field])
        wide = long.pivot(index="timestamp", columns="symbol", values=field)
        wide.columns.name = None
        return wide

    def latest(
        self, dataset: str = "bars_1d", symbols: str | Sequence[str] | None = None
    ) -> pd.DataFrame:
        """The last row per symbol (reads only each symbol's newest year partition)."""
        import pandas as pd

        table = self._latest_table(dataset, symbols)
        if table is None:
            spec = spec_for(dataset)
            return pd.DataFrame(columns=["symbol", "timestamp", *spec.value_columns])
        return reader.to_frame(table)

    def latest_rows(
        self, dataset: str = "bars_1d", symbols: str | Sequence[str] | None = None
    ) -> list[dict[str, Any]]:
        """``latest`` as one dict per symbol, without pandas (what a hot API read needs):
        UTC datetimes, floats (NaN where missing), None for a missing count."""
        table = self._latest_table(dataset, symbols)
        return [] if table is None else table.to_pylist()

    def _latest_table(self, dataset: str, symbols: str | Sequence[str] | None) -> pa.Table | None:
        spec = spec_for(dataset)
        files = []
        for symbol in self._resolve_symbols(spec.name, symbols):
            newest = self.location.newest_file(spec.name, symbol)
            if newest is not None:
                files.append(FileRef(symbol, newest))
        if not files:
            return None
        with self.location.guard("reading"):
            return self._latest.read(
                spec.name,
                files,
                spec.value_columns,
                self.location.identity,
                self.location.filesystem,
            )

    def sql(self, query: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """Run SQL in which ``lake('<dataset>')`` stands for all of a dataset's rows."""
        files: list[str] = []
        tables: dict[str, pa.Table] = {}

        def scan_of(match: re.Match[str]) -> str:
            spec = spec_for(match.group(1))
            found = self._files(spec.name, None, None, None)
            if not found:
                raise NotFound(f"dataset {match.group(1)} has no data")
            files.extend(ref.path for ref in found)
            return self._sql.scan(found, tables, spec.value_columns)

        frame: pd.DataFrame = self._sql.query_stable(
            _LAKE_CALL.sub(scan_of, query), params, files, tables
        )
        return frame

    def close(self) -> None:
        self._sql.close()

    # -- plumbing --------------------------------------------------------------------------
    def _resolve_symbols(self, dataset: str, symbols: str | Sequence[str] | None) -> list[str]:
        stored = self.symbols(dataset)
        if symbols is None:
            return stored
        wanted = [symbols] if isinstance(symbols, str) else list(symbols)
        wanted = sorted({normalize_symbol(s) for s in wanted})
        unknown = [s for s in wanted if s not in stored]
        if unknown:
            hint = (
                f"; the lake has {len(stored)} symbols in {dataset}"
                if stored
                else (f"; {dataset} is empty (run `workbench data load-sample`)")
            )
            raise NotFound(f"unknown symbol(s) in {dataset}: {', '.join(unknown)}{hint}")
        return wanted

    def _files(
        self,
        dataset: str,
        symbols: Iterable[str] | None,
        lower: pd.Timestamp | None,
        upper: pd.Timestamp | None,
    ) -> list[FileRef]:
        first_year = lower.year if lower is not None else None
        last_year = upper.year if upper is not None else None
        return [
            FileRef(symbol, path)
            for symbol in (symbols if symbols is not None else self.symbols(dataset))
            for path in self.location.files(dataset, symbol, first_year, last_year)
        ]


def _is_dataset(name: str) -> bool:
    try:
        spec_for(name)
    except NotFound:
        return False
    return True


def _instant(bound: Bound, *, upper: bool) -> pd.Timestamp | None:
    """A date is a New York trading date: its start, or (for an upper bound) the next day's
    start."""
    if bound is None:
        return None
    import pandas as pd

    if isinstance(bound, str):
        try:
            bound = pd.Timestamp(bound)
        except ValueError:
            raise NotFound(f"not a date: {bound!r} (expected YYYY-MM-DD)") from None
        if bound.tzinfo is None and bound == bound.normalize():
            bound = bound.date()
    # a date the lake's nanosecond timestamps cannot hold is the caller's error, not pandas'
    validate_period(bound, None, first="end" if upper else "start")
    if isinstance(bound, datetime):
        stamp = pd.Timestamp(bound)
        if stamp.tzinfo is None:
            raise NotFound(f"datetime bounds must be timezone-aware, got {bound.isoformat()}")
        return stamp.tz_convert("UTC") + (
            pd.Timedelta(microseconds=1) if upper else pd.Timedelta(0)
        )
    day = pd.Timestamp(bound) + (pd.Timedelta(days=1) if upper else pd.Timedelta(0))
    return day.tz_localize(cal.NEW_YORK).tz_convert("UTC")


def _ny_day(instant: str) -> str:
    """DuckDB SQL for the New York date of a timestamp expression."""
    return f"CAST(timezone('{cal.NEW_YORK}', {instant}) AS DATE)"


def _utc(micros: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)


def _micros(stamp: pd.Timestamp | None) -> int | None:
    return None if stamp is None else int(stamp.value) // 1000  # .value is always in ns
