"""Rows of partition files, read with pyarrow: each file opened exactly once.

Why not DuckDB for these reads: ``read_parquet`` opens a file at bind time, keeps its footer,
and opens the file again to scan it with that footer. A writer's ``os.replace`` in between
hands the scan a different file than the footer describes, and the read fails ("Invalid data")
or decodes the wrong bytes; the concurrency tests caught it. ``pq.ParquetFile`` reads footer
and pages through one descriptor, so a read sees one whole version of every file, whatever
writers do meanwhile. It is also the faster path for the common small read (one symbol's
five years: six files), where DuckDB's planning and its pandas conversion dominate.
DuckDB remains the engine for SQL over the lake (``Catalog.sql``, ``Catalog.coverage``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

if TYPE_CHECKING:
    import pandas as pd
    from pyarrow.fs import FileSystem

__all__ = [
    "FileRef",
    "Identity",
    "LatestRows",
    "identity",
    "open_parquet",
    "read_rows",
    "read_tables",
    "to_frame",
]

#: below this many files a thread pool costs more than it saves
_PARALLEL_FROM = 12
_READ_THREADS = min(8, 2 * (os.cpu_count() or 1))

Identity = tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class FileRef:
    symbol: str
    path: str


def identity(path: str) -> Identity | None:
    """What changes whenever a file is replaced (a new inode, and new times)."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def open_parquet(path: str, filesystem: FileSystem | None = None) -> pq.ParquetFile:
    """A partition file opened once. A local file is read through one descriptor; an object is
    fetched whole in one GET (partition objects are small, and one response is one version)."""
    if filesystem is None:
        return pq.ParquetFile(path)
    with filesystem.open_input_stream(path, compression=None) as stream:
        return pq.ParquetFile(pa.BufferReader(stream.read_buffer()))


def read_rows(
    files: Sequence[FileRef],
    columns: Sequence[str],
    lower: int | None = None,
    upper: int | None = None,
    filesystem: FileSystem | None = None,
) -> pa.Table:
    """``symbol, timestamp, <columns>`` of ``files`` (given grouped by symbol, years ascending)
    with ``lower <= timestamp < upper`` (UTC microseconds); files are sorted by timestamp.
    ``filesystem`` opens the paths (None: local files)."""
    tables = read_tables(files, columns, lower, upper, filesystem)
    return _with_symbols(tables, [ref.symbol for ref in files], ["timestamp", *columns])


def read_tables(
    files: Sequence[FileRef],
    columns: Sequence[str],
    lower: int | None = None,
    upper: int | None = None,
    filesystem: FileSystem | None = None,
) -> list[pa.Table]:
    """``read_rows`` without the symbol column: one table per file, in the order given. No
    Arrow array is built from Python or numpy values here, which would make pyarrow import
    pandas."""
    wanted = ["timestamp", *columns]

    def one(ref: FileRef) -> pa.Table:
        table = open_parquet(ref.path, filesystem).read(columns=wanted, use_threads=False)
        if lower is None and upper is None:
            return table
        micros = table.column("timestamp").cast(pa.int64()).to_numpy()
        start = 0 if lower is None else int(np.searchsorted(micros, lower))
        stop = len(micros) if upper is None else int(np.searchsorted(micros, upper))
        return table.slice(start, max(0, stop - start))

    if len(files) >= _PARALLEL_FROM:
        with ThreadPoolExecutor(min(_READ_THREADS, len(files))) as pool:
            tables = list(pool.map(one, files))
    else:
        tables = [one(ref) for ref in files]
    return tables


def to_frame(table: pa.Table) -> pd.DataFrame:
    """pandas with the lake's dtypes: UTC timestamps, nullable Int64 counts, str symbols."""
    import pandas as pd

    frame: pd.DataFrame = table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    return frame


class LatestRows:
    """The last row of a symbol's newest partition file, remembered per file version.

    A file that is replaced gets a new inode and new times, so a remembered row is used only
    while ``identity`` of its file is unchanged; the identity is taken before the file is read,
    so a row read from a newer version than its identity says is merely read again next time.
    """

    def __init__(self) -> None:
        self._rows: dict[tuple[str, str], tuple[Identity, pa.Table]] = {}
        self._lock = threading.Lock()

    def read(
        self,
        dataset: str,
        files: Sequence[FileRef],
        columns: Sequence[str],
        identify: Callable[[str], Identity | None] = identity,
        filesystem: FileSystem | None = None,
    ) -> pa.Table:
        wanted = ["timestamp", *columns]
        found: list[pa.Table | None] = []
        missing: list[tuple[int, FileRef, Identity]] = []
        for index, ref in enumerate(files):
            now = identify(ref.path)
            with self._lock:
                known = self._rows.get((dataset, ref.path))
            if now is not None and known is not None and known[0] == now:
                found.append(known[1])
            else:
                found.append(None)
                if now is not None:
                    missing.append((index, ref, now))
        if missing:

            def last(item: tuple[int, FileRef, Identity]) -> pa.Table:
                parquet = open_parquet(item[1].path, filesystem)
                group = parquet.read_row_group(
                    parquet.num_row_groups - 1, columns=list(wanted), use_threads=False
                )
                return group.slice(max(0, group.num_rows - 1))

            if len(missing) >= _PARALLEL_FROM:
                with ThreadPoolExecutor(min(_READ_THREADS, len(missing))) as pool:
                    rows = list(pool.map(last, missing))
            else:
                rows = [last(item) for item in missing]
            with self._lock:
                for (index, ref, now), row in zip(missing, rows, strict=True):
                    self._rows[(dataset, ref.path)] = (now, row)
                    found[index] = row
        present = [(ref.symbol, t) for ref, t in zip(files, found, strict=True) if t is not None]
        return _with_symbols([t for _, t in present], [s for s, _ in present], wanted)


def _with_symbols(tables: list[pa.Table], symbols: list[str], wanted: list[str]) -> pa.Table:
    if not tables:
        return pa.table({"symbol": pa.array([], pa.string())})
    counts = np.array([t.num_rows for t in tables])
    names, codes = np.unique(np.array(symbols, dtype=object), return_inverse=True)
    symbol = pa.array(names.tolist(), pa.string()).take(pa.array(np.repeat(codes, counts)))
    table = pa.concat_tables(tables).select(wanted)
    return table.add_column(0, "symbol", symbol)
