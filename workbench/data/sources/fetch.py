"""Fetch from a historical source only what the lake lacks.

For each symbol, the sessions of the exchange calendar between ``start`` and ``end`` that have
no bar in the lake are grouped into contiguous ranges, and only those ranges are requested. A
second fetch of the same window therefore asks the source for nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

import pandas as pd

from workbench.core.errors import NotFound
from workbench.core.progress import Progress
from workbench.data import calendar as cal
from workbench.data.lake import IngestReport, Lake
from workbench.data.schema import bars_dataset

__all__ = ["FetchReport", "HistoricalSource", "fetch_missing", "missing_ranges"]


class HistoricalSource(Protocol):
    """What a venue adapter provides to fill the lake."""

    name: str

    def fetch_bars(
        self, symbols: Sequence[str], start: datetime, end: datetime, timeframe: str
    ) -> pd.DataFrame:
        """Bars in [start, end) as a long frame: symbol, timestamp (UTC), open, high, low,
        close, volume, and trade_count / vwap where the source has them."""
        ...


@dataclass(frozen=True)
class FetchReport:
    dataset: str
    requested: dict[str, list[tuple[date, date]]]
    rows_fetched: int
    ingests: list[IngestReport] = field(default_factory=list)

    @property
    def rows_written(self) -> int:
        return sum(r.written for r in self.ingests)


def missing_ranges(
    lake: Lake, dataset: str, symbol: str, start: date, end: date
) -> list[tuple[date, date]]:
    """Contiguous runs of sessions in [start, end] for which the lake holds no bar of ``symbol``."""
    sessions = cal.sessions_between(start, end, lake.calendar)
    have: set[date] = set()
    if symbol in lake.symbols(dataset):
        rows = lake.catalog.read(dataset, symbol, start, end, columns=["close"])
        if not rows.empty:  # an empty read has untyped (object) columns
            have = set(rows["timestamp"].dt.tz_convert(cal.NEW_YORK).dt.date)
    ranges: list[tuple[date, date]] = []
    previous: date | None = None
    for session in (s.date() for s in sessions):
        if session in have:
            previous = None
            continue
        if previous is not None and ranges:
            ranges[-1] = (ranges[-1][0], session)
        else:
            ranges.append((session, session))
        previous = session
    return ranges


def fetch_missing(
    lake: Lake,
    source: HistoricalSource,
    symbols: Sequence[str],
    start: date,
    end: date,
    *,
    timeframe: str = "1d",
    progress: Progress | None = None,
) -> FetchReport:
    dataset = bars_dataset(timeframe)
    if start > end:
        raise NotFound(f"empty date range: start {start} is after end {end}")
    plan = {s: missing_ranges(lake, dataset, s, start, end) for s in symbols}
    jobs = [(symbol, first, last) for symbol, ranges in plan.items() for first, last in ranges]
    ingests: list[IngestReport] = []
    fetched = 0
    for done, (symbol, first, last) in enumerate(jobs, start=1):
        frame = source.fetch_bars(
            [symbol], _ny_start(first), _ny_start(last + timedelta(days=1)), timeframe
        )
        fetched += len(frame)
        if len(frame):
            ingests.append(lake.ingest(frame, dataset, source=f"{source.name}:{symbol}"))
        if progress is not None:
            progress(done, len(jobs), f"{symbol} {first}..{last}")
    return FetchReport(dataset=dataset, requested=plan, rows_fetched=fetched, ingests=ingests)


def _ny_start(day: date) -> datetime:
    stamp: datetime = pd.Timestamp(day).tz_localize(cal.NEW_YORK).tz_convert("UTC").to_pydatetime()
    return stamp
