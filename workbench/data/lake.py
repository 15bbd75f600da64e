"""The market-data lake: validate, then write partitions; read through the catalog.

``Lake`` is what ``workbench.open().data`` returns. Writes go through ``ingest`` only, so every
row in the lake has passed validation under some policy.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from workbench.core.errors import DataError
from workbench.core.progress import Progress
from workbench.data.catalog import Bound, Catalog, Coverage
from workbench.data.location import LakeLocation, LocalLake, open_location
from workbench.data.quality import QualityReport
from workbench.data.schema import DatasetSpec, bars_dataset, spec_for
from workbench.data.store import PartitionWrite

if TYPE_CHECKING:  # pandas loads where a frame is built or validated, not with the lake
    import pandas as pd

__all__ = ["WRITE_THREADS", "IngestReport", "Lake"]

#: Partitions written at once. Each partition has its own lock, and fsync and file I/O release
#: the GIL, so a bulk load of many small partitions overlaps its waits on the disk.
WRITE_THREADS = min(8, 2 * (os.cpu_count() or 1))


@dataclass(frozen=True)
class IngestReport:
    dataset: str
    quality: QualityReport
    new: int
    replaced: int
    unchanged: int
    conflicting: int
    partitions_written: int

    @property
    def written(self) -> int:
        return self.new + self.replaced

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "new": self.new,
            "replaced": self.replaced,
            "unchanged": self.unchanged,
            "conflicting": self.conflicting,
            "partitions_written": self.partitions_written,
            "quality": self.quality.to_dict(),
        }


class Lake:
    def __init__(
        self,
        root: Path | str,
        *,
        policy: str = "reject",
        jump_threshold: float = 0.25,
        calendar: str = "XNYS",
    ) -> None:
        #: the folder, or the object store (``s3://bucket/prefix``): see workbench.data.location
        self.location: LakeLocation = open_location(root)
        self.policy = policy
        self.jump_threshold = jump_threshold
        self.calendar = calendar
        self.catalog = Catalog(self.location)

    @property
    def url(self) -> str:
        """Where the lake is, for messages: its folder or its URL."""
        return self.location.url

    @property
    def root(self) -> Path:
        """The lake's local folder (an object-store lake has none: DataError)."""
        if isinstance(self.location, LocalLake):
            return self.location.root
        raise DataError(f"the lake at {self.url} is in an object store, not a local folder")

    # -- writing ---------------------------------------------------------------------------
    def ingest(
        self,
        frame: pd.DataFrame,
        dataset: str,
        *,
        source: str = "frame",
        symbol: str | None = None,
        policy: str | None = None,
        upsert: bool = False,
        progress: Progress | None = None,
    ) -> IngestReport:
        """Validate ``frame`` and merge it into ``dataset``. Nothing is written from a batch the
        policy rejects (ValidationError, with the report). Loading the same rows twice changes
        nothing; a different value for a stored key replaces it only with ``upsert=True``."""
        from workbench.data import validation

        spec = spec_for(dataset)
        batch = validation.validate(
            frame,
            spec,
            source=source,
            policy=policy or self.policy,
            symbol=symbol,
            jump_threshold=self.jump_threshold,
            calendar_name=self.calendar,
        )
        jobs = _partitions(batch.frame, spec)
        writes = _write_all(self.location, spec, jobs, upsert=upsert, progress=progress)
        return IngestReport(
            dataset=spec.name,
            quality=batch.report,
            new=sum(w.new for w in writes),
            replaced=sum(w.replaced for w in writes),
            unchanged=sum(w.unchanged for w in writes),
            conflicting=sum(w.conflicting for w in writes),
            partitions_written=sum(w.changed for w in writes),
        )

    def quality(self, dataset: str, symbols: str | Sequence[str] | None = None) -> QualityReport:
        """Run every validation rule over what the lake holds (nothing is written)."""
        from workbench.data import validation

        spec = spec_for(dataset)
        rows = self.catalog.read(spec.name, symbols)
        return validation.validate(
            rows,
            spec,
            source=f"lake:{spec.name}",
            policy="warn",
            jump_threshold=self.jump_threshold,
            calendar_name=self.calendar,
        ).report

    # -- reading ---------------------------------------------------------------------------
    def bars(
        self,
        symbols: str | Sequence[str] | None = None,
        start: Bound = None,
        end: Bound = None,
        timeframe: str = "1d",
    ) -> pd.DataFrame:
        """OHLCV bars as a long frame (symbol, timestamp, open, high, low, close, volume, ...)."""
        return self.catalog.read(bars_dataset(timeframe), symbols, start, end)

    def bars_table(
        self, symbol: str, start: Bound = None, end: Bound = None, timeframe: str = "1d"
    ) -> pa.Table:
        """One symbol's bars as an Arrow table (timestamp, open, ..., no symbol column), read
        without pandas: for code that walks the rows (the paper book's bar feed)."""
        return self.catalog.read_table(bars_dataset(timeframe), symbol, start, end)

    def prices(
        self,
        symbols: str | Sequence[str] | None = None,
        start: Bound = None,
        end: Bound = None,
        timeframe: str = "1d",
        field: str = "close",
    ) -> pd.DataFrame:
        """A wide frame: one column per symbol of ``field`` (default close)."""
        return self.catalog.wide(bars_dataset(timeframe), symbols, start, end, field=field)

    def latest(
        self, symbols: str | Sequence[str] | None = None, dataset: str = "bars_1d"
    ) -> pd.DataFrame:
        return self.catalog.latest(dataset, symbols)

    def latest_rows(
        self, symbols: str | Sequence[str] | None = None, dataset: str = "bars_1d"
    ) -> list[dict[str, Any]]:
        return self.catalog.latest_rows(dataset, symbols)

    def coverage(self, dataset: str | None = None) -> pd.DataFrame:
        return self.catalog.coverage(dataset)

    def coverage_rows(self, dataset: str | None = None) -> list[Coverage]:
        return self.catalog.coverage_rows(dataset)

    def datasets(self) -> list[str]:
        return self.catalog.datasets()

    def symbols(self, dataset: str = "bars_1d") -> list[str]:
        return self.catalog.symbols(dataset)

    def is_empty(self) -> bool:
        return self.catalog.is_empty()

    def read(
        self,
        dataset: str,
        symbols: str | Sequence[str] | None = None,
        start: Bound = None,
        end: Bound = None,
    ) -> pd.DataFrame:
        return self.catalog.read(dataset, symbols, start, end)

    def sql(self, query: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """DuckDB SQL where ``lake('bars_1d')`` stands for a dataset."""
        return self.catalog.sql(query, params)

    def resample(
        self,
        symbols: str | Sequence[str] | None,
        timeframe: str,
        to: str,
        start: Bound = None,
        end: Bound = None,
    ) -> pd.DataFrame:
        from workbench.data.resample import resample_bars

        return resample_bars(self.bars(symbols, start, end, timeframe), to)

    def close(self) -> None:
        self.catalog.close()


_Job = tuple[str, int, pa.Table]


def _partitions(rows: pd.DataFrame, spec: DatasetSpec) -> list[_Job]:
    """(symbol, year, rows) per partition: one Arrow table for the batch, then zero-copy
    slices. ``rows`` is grouped by symbol and sorted by time (as ``validate`` returns it)."""
    if rows.empty:
        return []
    micros = rows["timestamp"].to_numpy("datetime64[us]")
    schema = spec.arrow_schema()
    table = pa.Table.from_arrays(
        [pa.array(micros.view(np.int64), type=pa.int64()).cast(schema.field("timestamp").type)]
        + [pa.array(rows[name].array, type=schema.field(name).type) for name in spec.value_columns],
        schema=schema,
    )
    symbols = pa.array(rows["symbol"], type=pa.string())
    years = micros.astype("datetime64[Y]").astype(np.int64)
    boundary = np.r_[True, years[1:] != years[:-1]]
    if len(symbols) > 1:
        import pyarrow.compute as pc  # here: slow to import, and only a write needs it

        boundary[1:] |= pc.not_equal(symbols[1:], symbols[:-1]).to_numpy(zero_copy_only=False)
    starts = np.flatnonzero(boundary)
    stops = np.r_[starts[1:], len(rows)]
    return [
        (symbols[int(start)].as_py(), 1970 + int(years[start]), table.slice(start, stop - start))
        for start, stop in zip(starts, stops, strict=True)
    ]


def _write_all(
    location: LakeLocation,
    spec: DatasetSpec,
    jobs: list[_Job],
    *,
    upsert: bool,
    progress: Progress | None,
) -> list[PartitionWrite]:
    def label(job: _Job) -> str:
        return f"{spec.name} {job[0]} {job[1]}"

    if len(jobs) == 1:
        symbol, year, part = jobs[0]
        done = [location.write_partition(spec, symbol, year, part, upsert=upsert)]
        if progress is not None:
            progress(1, 1, label(jobs[0]))
        return done
    with ThreadPoolExecutor(max_workers=WRITE_THREADS, thread_name_prefix="lake-write") as pool:
        futures = {
            pool.submit(location.write_partition, spec, s, y, part, upsert=upsert): (s, y, part)
            for s, y, part in jobs
        }
        try:
            for finished, future in enumerate(as_completed(futures), start=1):
                future.result()  # the first failure stops the batch
                if progress is not None:
                    progress(finished, len(jobs), label(futures[future]))
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return [future.result() for future in futures]
