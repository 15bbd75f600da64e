"""One builder per report kind: plain inputs in, a ``Report`` (or its sections) out."""

from workbench.reporting.builders.digest import (
    alerts_report,
    alerts_section,
    quality_report,
    quality_section,
)
from workbench.reporting.builders.execution import (
    ExecutionInput,
    execution_report,
    execution_sections,
    slippage_table,
)
from workbench.reporting.builders.holdings import (
    HoldingsInput,
    holdings_report,
    holdings_sections,
)
from workbench.reporting.builders.performance import (
    PerformanceInput,
    performance_report,
    performance_sections,
)
from workbench.reporting.builders.risk import risk_report_model, risk_sections
from workbench.reporting.builders.validation import ValidationInput, validation_report

__all__ = [
    "ExecutionInput",
    "HoldingsInput",
    "PerformanceInput",
    "ValidationInput",
    "alerts_report",
    "alerts_section",
    "execution_report",
    "execution_sections",
    "holdings_report",
    "holdings_sections",
    "performance_report",
    "performance_sections",
    "quality_report",
    "quality_section",
    "risk_report_model",
    "risk_sections",
    "slippage_table",
    "validation_report",
]
