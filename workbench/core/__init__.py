"""Floor 1: settings, clocks, errors, logging, the progress-callback type and the
in-process event bus.

Names load on first use (PEP 562): ``workbench.core.errors`` must stay importable without
pulling pydantic in, because the CLI imports it before it knows whether it needs settings.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = [
    "AuthError",
    "BrokerError",
    "Clock",
    "ConfigError",
    "DataError",
    "EventBus",
    "Fatal",
    "LiveClock",
    "NotFound",
    "PermissionDenied",
    "Progress",
    "RateLimited",
    "ReplayClock",
    "Retryable",
    "RiskRejected",
    "Settings",
    "StoreUnavailable",
    "TestClock",
    "ValidationError",
    "WorkbenchError",
    "load_settings",
]

_HOME = {
    "Clock": "clock",
    "LiveClock": "clock",
    "ReplayClock": "clock",
    "TestClock": "clock",
    "Settings": "config",
    "load_settings": "config",
    "EventBus": "events",
    "Progress": "progress",
}


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'workbench.core' has no attribute {name!r}")
    module = import_module(f"workbench.core.{_HOME.get(name, 'errors')}")
    return getattr(module, name)
