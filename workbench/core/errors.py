"""The one error hierarchy of the workbench.

Every failure a user can cause or meet is one of these; each face maps them once
(CLI exit code and a one-line message, HTTP status and a problem body, MCP tool error)::

    WorkbenchError
    ├── ConfigError            settings that do not validate, or an environment that cannot run them
    │   └── StoreUnavailable   a store's server (the ledger's database) down or restarting
    ├── DataError              market data that cannot be read, parsed or stored
    │   ├── ValidationError    a batch that breaks the lake's rules (carries the quality report)
    │   └── NotFound           an unknown symbol, dataset, run, order, file...
    ├── RiskRejected           an order the pre-trade risk gate refused (names the rule)
    ├── BrokerError            the venue failed us
    │   ├── Retryable          worth another try: timeouts, 5xx, 429 (resend only when idempotent)
    │   └── Fatal              the venue refused: do not retry
    ├── AuthError              who you are could not be established
    ├── PermissionDenied       who you are may not do this
    └── RateLimited            too many requests; ``retry_after`` says when to come back

Messages are written for the person who caused them: they name the file, row, column,
setting or rule, and say what was expected. A name pasted in by mistake (thousands of
characters) is cut short in the message, so the message stays readable.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "AuthError",
    "BrokerError",
    "ConfigError",
    "DataError",
    "Fatal",
    "NotFound",
    "PermissionDenied",
    "RateLimited",
    "Retryable",
    "RiskRejected",
    "StoreUnavailable",
    "ValidationError",
    "WorkbenchError",
]


class WorkbenchError(Exception):
    """Base of every error the workbench raises on purpose."""

    #: short machine-readable kind, used by the API's problem bodies and the CLI's --json errors
    code = "workbench_error"

    def __init__(self, message: str, **details: Any) -> None:
        message = _OVERLONG.sub(_cut, message)
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, **self.details}


#: a run of characters without a space longer than any path or name a person types
_OVERLONG = re.compile(r"\S{121,}")


def _cut(match: re.Match[str]) -> str:
    return f"{match.group()[:80]}… ({len(match.group()):,} characters)"


class ConfigError(WorkbenchError):
    code = "config_error"

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message, problems=problems or [])
        self.problems = problems or []


class StoreUnavailable(ConfigError):
    """A store that is configured right but does not answer now; nothing of the call that met
    it was written, and the same call succeeds once the store is back."""

    code = "store_unavailable"


class DataError(WorkbenchError):
    code = "data_error"


class ValidationError(DataError):
    code = "validation_error"

    def __init__(self, message: str, report: Any = None) -> None:
        super().__init__(message)
        self.report = report


class NotFound(DataError):
    code = "not_found"


class RiskRejected(WorkbenchError):
    code = "risk_rejected"

    def __init__(self, message: str, rule: str, **details: Any) -> None:
        super().__init__(message, rule=rule, **details)
        self.rule = rule


class BrokerError(WorkbenchError):
    code = "broker_error"


class Retryable(BrokerError):
    code = "broker_retryable"


class Fatal(BrokerError):
    code = "broker_fatal"


class AuthError(WorkbenchError):
    code = "auth_error"


class PermissionDenied(WorkbenchError):
    code = "permission_denied"


class RateLimited(WorkbenchError):
    code = "rate_limited"

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after
