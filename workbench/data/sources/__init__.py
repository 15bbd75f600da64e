"""Where market data comes from: bundled files, CSV/Parquet files, and historical sources.

``HistoricalSource`` is the port a venue adapter implements (``workbench.adapters.alpaca``);
the data layer only asks it for bars and never imports a venue SDK.
"""

from workbench.data.sources.fetch import (
    FetchReport,
    HistoricalSource,
    fetch_missing,
    missing_ranges,
)
from workbench.data.sources.files import read_file

__all__ = ["FetchReport", "HistoricalSource", "fetch_missing", "missing_ranges", "read_file"]
