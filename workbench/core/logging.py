"""Structured logging: JSON lines in production, readable lines in development.

Secrets never reach a log: a filter masks every configured secret value wherever it appears.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import Any

__all__ = ["JsonFormatter", "SecretMaskingFilter", "configure_logging", "secret_values"]

_RESERVED = set(vars(logging.makeLogRecord({})))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        payload.update({k: v for k, v in vars(record).items() if k not in _RESERVED})
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


class SecretMaskingFilter(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if len(s) >= 4]

    def filter(self, record: logging.LogRecord) -> bool:
        if self._secrets:
            message = record.getMessage()
            masked = message
            for secret in self._secrets:
                masked = masked.replace(secret, "***")
            if masked != message:
                record.msg, record.args = masked, None
        return True


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of the record (pytest and notebooks
    swap it), not to the stream that was current when logging was configured."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def configure_logging(
    level: str = "INFO", fmt: str = "console", secrets: list[str] | None = None
) -> None:
    """Configure the ``workbench`` logger tree (not the root: notebooks keep their own).

    Records still propagate, so a host that has its own root handlers (pytest's capture, a
    notebook's) sees them too; the faces that call this (the CLI) have no root handlers.
    """
    handler = _StderrHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(SecretMaskingFilter(secrets or []))
    logger = logging.getLogger("workbench")
    logger.handlers[:] = [handler]
    logger.setLevel(level)


_SECRET_SUFFIXES = ("_PASSWORD", "_SECRET", "_TOKEN", "_KEY")


def secret_values(settings: Any) -> list[str]:
    """Every configured secret's value in ``settings``, for the filter that masks them."""
    from workbench.core.config import secret_fields

    values = []
    for dotted in secret_fields():
        node: Any = settings
        for part in dotted.split("."):
            node = getattr(node, part)
        if node is not None:
            values.append(node.get_secret_value())
    # secrets read outside Settings (the notification channels' WB_SMTP_PASSWORD,
    # WB_WEBHOOK_SECRET, WB_TWILIO_AUTH_TOKEN...) are masked by the shape of their name
    values.extend(
        value
        for name, value in os.environ.items()
        if name.startswith("WB_") and name.endswith(_SECRET_SUFFIXES) and value
    )
    return values
