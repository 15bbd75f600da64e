"""Floor 5: reports. One plain-data model (``Report`` of ``Section``s with ``Metric``s,
``Table``s and ``Chart``s), built per kind from plain inputs (``reporting.builders``) and drawn by
several renderers (``reporting.renderers``: HTML, PDF, XLSX, CSV, JSON, Parquet), so every
format shows the same numbers. Writes are atomic. ``workbench.ops.report`` gathers the inputs
from the ledger, the lake and stored runs.
"""

from workbench.reporting.builders import (
    ExecutionInput,
    HoldingsInput,
    PerformanceInput,
    alerts_report,
    alerts_section,
    execution_report,
    execution_sections,
    holdings_report,
    holdings_sections,
    performance_report,
    performance_sections,
    quality_report,
    quality_section,
    risk_report_model,
    risk_sections,
    slippage_table,
)
from workbench.reporting.ledger_tables import EXPORT_TABLES, LedgerFilter, ledger_frame, utc_bounds
from workbench.reporting.model import (
    Chart,
    ChartKind,
    ChartSeries,
    Metric,
    MetricValue,
    Report,
    Section,
    Table,
    ValueFormat,
    format_value,
)
from workbench.reporting.render import FOLDER_FORMATS, FORMATS, Format, check_format, render_report

__all__ = [
    "EXPORT_TABLES",
    "FOLDER_FORMATS",
    "FORMATS",
    "Chart",
    "ChartKind",
    "ChartSeries",
    "ExecutionInput",
    "Format",
    "HoldingsInput",
    "LedgerFilter",
    "Metric",
    "MetricValue",
    "PerformanceInput",
    "Report",
    "Section",
    "Table",
    "ValueFormat",
    "alerts_report",
    "alerts_section",
    "check_format",
    "execution_report",
    "execution_sections",
    "format_value",
    "holdings_report",
    "holdings_sections",
    "ledger_frame",
    "performance_report",
    "performance_sections",
    "quality_report",
    "quality_section",
    "render_report",
    "risk_report_model",
    "risk_sections",
    "slippage_table",
    "utc_bounds",
]
