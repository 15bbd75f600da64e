"""The indicator registry: every TA-Lib function plus the workbench's own, by name.

Built on first use (TA-Lib loads then, not when ``workbench.analysis`` is imported). Where a
workbench indicator shares a TA-Lib name (``VWAP``), the workbench one is registered: see
``indicators.custom``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import pandas as pd

from workbench.analysis.indicators.custom import custom_specs
from workbench.analysis.indicators.spec import IndicatorSpec, ParameterValue, unknown_name_message
from workbench.analysis.indicators.talib_specs import talib_specs
from workbench.core.errors import NotFound

__all__ = [
    "get_indicator",
    "indicator_groups",
    "indicator_table",
    "list_indicators",
    "validate_parameters",
]


@functools.cache
def _registry() -> dict[str, IndicatorSpec]:
    specs = {spec.name: spec for spec in talib_specs()}
    specs.update({spec.name: spec for spec in custom_specs()})
    return dict(sorted(specs.items()))


def list_indicators(group: str | None = None) -> list[IndicatorSpec]:
    """Every indicator, by name; ``group`` (case-insensitive) keeps one group."""
    specs = list(_registry().values())
    if group is None:
        return specs
    groups = indicator_groups()
    chosen = {name.lower(): name for name in groups}.get(group.lower())
    if chosen is None:
        valid = f"valid groups: {', '.join(groups)}"
        raise NotFound(unknown_name_message("indicator group", group, groups, valid), valid=groups)
    return [spec for spec in specs if spec.group == chosen]


def indicator_groups() -> list[str]:
    return sorted({spec.group for spec in _registry().values()})


def get_indicator(name: str) -> IndicatorSpec:
    """The spec of ``name`` (case-insensitive); unknown names list the valid ones."""
    registry = _registry()
    spec = registry.get(str(name).strip().upper())
    if spec is None:
        names = list(registry)
        valid = f"valid indicators ({len(names)}): {', '.join(names)}"
        raise NotFound(unknown_name_message("indicator", str(name), names, valid), valid=names)
    return spec


def validate_parameters(
    name: str, params: Mapping[str, object] | None = None
) -> dict[str, ParameterValue]:
    """The full parameter set of indicator ``name``: defaults filled in, each value checked."""
    return get_indicator(name).validate(params)


def indicator_table(group: str | None = None) -> pd.DataFrame:
    """One row per indicator (name, group, display_name, inputs, parameters, outputs, source),
    parameters shown as ``name=default`` for listing."""
    rows = [
        {
            "name": spec.name,
            "group": spec.group,
            "display_name": spec.display_name,
            "inputs": ",".join(spec.inputs),
            "parameters": ",".join(f"{p.name}={p.default:g}" for p in spec.parameters),
            "outputs": ",".join(spec.outputs),
            "source": spec.source,
        }
        for spec in list_indicators(group)
    ]
    return pd.DataFrame(rows).set_index("name")
