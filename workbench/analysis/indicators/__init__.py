"""Technical indicators: the TA-Lib function set and the workbench's own, in one registry with
metadata (inputs, parameters with defaults and ranges, outputs), computed over one symbol or
many. TA-Lib is imported on first use."""

from workbench.analysis.indicators.compute import (
    compute_indicator,
    compute_indicators,
    indicator_label,
)
from workbench.analysis.indicators.custom import (
    momentum_12_1,
    realized_volatility,
    rolling_zscore,
    session_vwap,
)
from workbench.analysis.indicators.registry import (
    get_indicator,
    indicator_groups,
    indicator_table,
    list_indicators,
    validate_parameters,
)
from workbench.analysis.indicators.spec import IndicatorSpec, ParameterSpec

__all__ = [
    "IndicatorSpec",
    "ParameterSpec",
    "compute_indicator",
    "compute_indicators",
    "get_indicator",
    "indicator_groups",
    "indicator_label",
    "indicator_table",
    "list_indicators",
    "momentum_12_1",
    "realized_volatility",
    "rolling_zscore",
    "session_vwap",
    "validate_parameters",
]
