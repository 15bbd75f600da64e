"""Floor 2: the market-data lake (Parquet files queried by DuckDB), its validation and sources.

Names load on first use (PEP 562), so that a module of the package (``workbench.data.calendar``,
the lake read by the paper book) can be imported without pandas, which only the frame-building
members need.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.core.lazy import lazy_attributes

if TYPE_CHECKING:
    from workbench.data.bar_writer import LakeBarWriter
    from workbench.data.catalog import Catalog
    from workbench.data.lake import IngestReport, Lake
    from workbench.data.quality import Issue, QualityReport
    from workbench.data.schema import (
        BAR_COLUMNS,
        BAR_TIMEFRAMES,
        DatasetSpec,
        bars_dataset,
        spec_for,
    )

__all__ = [
    "BAR_COLUMNS",
    "BAR_TIMEFRAMES",
    "Catalog",
    "DatasetSpec",
    "IngestReport",
    "Issue",
    "Lake",
    "LakeBarWriter",
    "QualityReport",
    "bars_dataset",
    "spec_for",
]

_HOME = {
    "BAR_COLUMNS": "schema",
    "BAR_TIMEFRAMES": "schema",
    "Catalog": "catalog",
    "DatasetSpec": "schema",
    "IngestReport": "lake",
    "Issue": "quality",
    "Lake": "lake",
    "LakeBarWriter": "bar_writer",
    "QualityReport": "quality",
    "bars_dataset": "schema",
    "spec_for": "schema",
}

__getattr__ = lazy_attributes(__name__, _HOME)
