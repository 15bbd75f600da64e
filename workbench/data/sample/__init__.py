"""The real market data bundled with the workbench (see PROVENANCE.md beside this file).

``load_sample`` puts it in the lake: it is the embedded default every demo and test uses. The
sample is loaded under the ``drop`` policy, so the few rows the source got wrong (two SPY days
whose low is above the open or close, a Yahoo glitch) are reported and left out, not stored.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.core.errors import NotFound
from workbench.core.progress import Progress

if TYPE_CHECKING:
    import pandas as pd

    from workbench.data.lake import IngestReport

__all__ = [
    "SAMPLE_DATASETS",
    "SAMPLE_DIR",
    "load_sample",
    "read_sample",
    "symbol_names",
    "symbol_table",
]

SAMPLE_DIR = Path(__file__).resolve().parent
#: dataset -> what it holds, in load order (daily first: everything else builds on it)
SAMPLE_DATASETS = {
    "bars_1d": "60 S&P 500 stocks 2013-02-08..2018-02-07 (IEX via Kaggle), ^GSPC and ^IXIC "
    "1999-2018, SPY 2007-12-31..2017-12-29 and 2020-09-01..2021-01-12 (Yahoo Finance)",
    "bars_30m": "AAPL, GOOGL, TSLA 30-minute bars 2023-02-02..2023-05-19, extended hours",
    "bars_5m": "AAPL, GOOGL, TSLA 5-minute bars 2023-05-11..2023-05-26, extended hours",
    "bars_1m": "AAPL, GOOGL, TSLA 1-minute bars 2023-05-24..2023-05-26, extended hours",
}


def read_sample(dataset: str) -> pd.DataFrame:
    """The bundled rows of one dataset, exactly as shipped (not validated)."""
    path = SAMPLE_DIR / f"{dataset}.parquet"
    if dataset not in SAMPLE_DATASETS or not path.exists():
        raise NotFound(
            f"no bundled sample for {dataset!r}: expected one of {', '.join(SAMPLE_DATASETS)}"
        )
    import pandas as pd

    return pd.read_parquet(path)


@lru_cache(maxsize=1)
def _symbols() -> pd.DataFrame:
    import pandas as pd

    return pd.read_csv(SAMPLE_DIR / "symbols.csv", dtype=str, keep_default_na=False)


def symbol_names() -> dict[str, str]:
    """symbol -> name of every bundled symbol, read without pandas (the paper book's assets)."""
    with open(SAMPLE_DIR / "symbols.csv", newline="", encoding="utf-8") as file:
        return {row["symbol"]: row["name"] for row in csv.DictReader(file)}


def symbol_table() -> pd.DataFrame:
    """symbol, name, sector, asset_class for every bundled symbol (GICS sectors of 2013-2018)."""
    return _symbols().copy()


def load_sample(lake: object, progress: Progress | None = None) -> list[IngestReport]:
    """Ingest every bundled dataset into ``lake`` (a ``workbench.data.Lake``); idempotent."""
    from workbench.data.lake import Lake

    if not isinstance(lake, Lake):
        raise TypeError("load_sample needs a workbench.data.Lake")
    reports: list[IngestReport] = []
    total = len(SAMPLE_DATASETS)
    for index, dataset in enumerate(SAMPLE_DATASETS):
        if progress is not None:
            progress(index, total, f"loading {dataset}")
        reports.append(
            lake.ingest(read_sample(dataset), dataset, source=f"sample:{dataset}", policy="drop")
        )
    if progress is not None:
        progress(total, total, "sample loaded")
    return reports
