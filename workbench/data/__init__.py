"""Floor 2: the market-data lake (Parquet files queried by DuckDB), its validation and sources."""

from workbench.data.bar_writer import LakeBarWriter
from workbench.data.catalog import Catalog
from workbench.data.lake import IngestReport, Lake
from workbench.data.quality import Issue, QualityReport
from workbench.data.schema import BAR_COLUMNS, BAR_TIMEFRAMES, DatasetSpec, bars_dataset, spec_for

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
