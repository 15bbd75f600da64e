"""Use cases of the market-data lake: load the sample, import files, fetch, list, show, check."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.core.errors import DataError, NotFound
from workbench.core.progress import Progress
from workbench.data import IngestReport, QualityReport, bars_dataset, spec_for
from workbench.data.schema import BAR_COLUMNS
from workbench.model import validate_period
from workbench.model.symbols import normalize_symbols

if TYPE_CHECKING:  # pandas and the sources load where a command computes with them
    import pandas as pd

    from workbench.data.catalog import Coverage
    from workbench.data.sources import FetchReport
    from workbench.runtime import Runtime

__all__ = [
    "BAR_COLUMNS",
    "BarsPage",
    "SampleLoad",
    "bars_page",
    "coverage",
    "coverage_rows",
    "fetch",
    "import_file",
    "latest",
    "latest_rows",
    "load_sample",
    "quality",
    "show",
]


@dataclass(frozen=True)
class SampleLoad:
    reports: list[IngestReport]

    @property
    def written(self) -> int:
        return sum(r.written for r in self.reports)


def load_sample(rt: Runtime, progress: Progress | None = None) -> SampleLoad:
    """Load the bundled real data into the lake (a second load writes nothing)."""
    from workbench.data.sample import load_sample as load

    return SampleLoad(reports=[r for r in load(rt.data, progress) if isinstance(r, IngestReport)])


def import_file(
    rt: Runtime,
    path: Path,
    *,
    dataset: str = "bars_1d",
    symbol: str | None = None,
    mapping: Mapping[str, str] | None = None,
    tz: str | None = None,
    policy: str | None = None,
    upsert: bool = False,
    progress: Progress | None = None,
) -> IngestReport:
    from workbench.data.sources import read_file

    spec = spec_for(dataset)
    frame = read_file(path, spec, mapping=mapping, tz=tz)
    return rt.data.ingest(
        frame,
        spec.name,
        source=str(path),
        symbol=symbol,
        policy=policy,
        upsert=upsert,
        progress=progress,
    )


def fetch(
    rt: Runtime,
    symbols: Sequence[str],
    start: date,
    end: date,
    *,
    timeframe: str = "1d",
    progress: Progress | None = None,
) -> FetchReport:
    """Fetch only what the lake lacks from the runtime's historical source (``WB_DATA__SOURCE``:
    Alpaca, or whatever ``WB_ALPACA__DATA_URL`` points at)."""
    from workbench.data.sources import fetch_missing

    validate_period(start, end)
    return fetch_missing(
        rt.data,
        rt.historical_source,
        normalize_symbols(symbols),
        start,
        end,
        timeframe=timeframe,
        progress=progress,
    )


def coverage(rt: Runtime, dataset: str | None = None) -> pd.DataFrame:
    return rt.data.coverage(dataset)


def coverage_rows(rt: Runtime, dataset: str | None = None) -> list[Coverage]:
    """``coverage`` as plain rows, without pandas (what the CLI prints)."""
    return rt.data.coverage_rows(dataset)


def show(
    rt: Runtime,
    symbol: str,
    *,
    start: date | None = None,
    end: date | None = None,
    timeframe: str = "1d",
    tail: int | None = 20,
) -> pd.DataFrame:
    """One symbol's bars (the last ``tail`` rows, or all with ``tail=None``)."""
    if tail is not None and tail < 1:
        raise DataError(f"--tail must be at least 1, got {tail}")
    bars = rt.data.bars(symbol, start, end, timeframe)
    if bars.empty:
        raise NotFound(f"no {bars_dataset(timeframe)} bars for {symbol.upper()} in that range")
    return bars.tail(tail) if tail is not None else bars


def quality(
    rt: Runtime, dataset: str = "bars_1d", symbols: Sequence[str] | None = None
) -> QualityReport:
    if not rt.data.symbols(dataset):
        raise NotFound(f"{dataset} is empty: run `workbench data load-sample` or `data import`")
    return rt.data.quality(dataset, symbols)


@dataclass(frozen=True)
class BarsPage:
    """``limit`` bars of one symbol from the ``offset``-th of ``total`` in the range, oldest
    first."""

    symbol: str
    timeframe: str
    total: int
    offset: int
    limit: int
    bars: pd.DataFrame


def bars_page(
    rt: Runtime,
    symbol: str,
    *,
    start: date | None = None,
    end: date | None = None,
    timeframe: str = "1d",
    limit: int = 500,
    offset: int = 0,
) -> BarsPage:
    if limit < 1 or offset < 0:
        raise DataError(f"limit must be at least 1 and offset at least 0, got {limit}, {offset}")
    name = normalize_symbols([symbol])[0]
    bars = rt.data.bars(name, start, end, timeframe)
    if bars.empty:
        raise NotFound(f"no {bars_dataset(timeframe)} bars for {name} in that range")
    page = bars.iloc[offset : offset + limit].reset_index(drop=True)
    return BarsPage(name, timeframe, len(bars), offset, limit, page)


def latest(
    rt: Runtime, symbols: Sequence[str] | None = None, *, timeframe: str = "1d"
) -> pd.DataFrame:
    """The newest bar of each symbol (of ``symbols``, or every one the lake holds)."""
    wanted = normalize_symbols(symbols) if symbols else None
    return rt.data.latest(wanted, bars_dataset(timeframe))


def latest_rows(
    rt: Runtime, symbols: Sequence[str] | None = None, *, timeframe: str = "1d"
) -> list[dict[str, Any]]:
    """``latest`` as one dict per symbol, without building a DataFrame (the API's hot read)."""
    wanted = normalize_symbols(symbols) if symbols else None
    return rt.data.latest_rows(wanted, bars_dataset(timeframe))
