"""Alerts raised by monitoring rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from workbench.model import _validate
from workbench.model.enums import AlertSeverity, AlertState

__all__ = ["Alert"]


@dataclass(frozen=True, slots=True)
class Alert:
    rule_id: int | None
    severity: AlertSeverity
    message: str
    raised_at: datetime
    state: AlertState = AlertState.OPEN
    scope: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _validate.utc("raised_at", self.raised_at)
        object.__setattr__(self, "severity", AlertSeverity(self.severity))
        object.__setattr__(self, "state", AlertState(self.state))
