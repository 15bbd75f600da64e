"""What every notification channel is, and where channel settings come from.

A channel sends one alert or raises: ``Retryable`` for what another attempt may cure (a refused
connection, a timeout, a 5xx or 429), ``Fatal`` for what it will not (a 4xx, bad credentials).
Secrets come from the environment only (``WB_...``), never from a file or a rule.
"""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from workbench.monitoring.store import AlertRecord

__all__ = ["Channel", "ChannelSettings", "alert_text", "alert_title"]


class ChannelSettings(BaseSettings):
    """The channels' settings, from ``WB_...`` environment variables only. A channel exists
    when its address is set (``WB_SMTP_HOST``, ``WB_WEBHOOK_URL``...); ``log`` and ``inapp``
    always do."""

    model_config = SettingsConfigDict(env_prefix="WB_", extra="ignore")

    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    #: starttls upgrades a plain connection, ssl connects over TLS, none sends in the clear
    smtp_tls: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_from: str = "workbench@localhost"
    smtp_to: str | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    slack_webhook_url: str | None = None
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_from: str | None = None
    twilio_to: str | None = None
    twilio_base_url: str = "https://api.twilio.com"
    #: seconds one attempt of one channel may take
    channel_timeout: float = 10.0


class Channel(Protocol):
    name: str

    def send(self, alert: AlertRecord, *, timeout: float) -> None:
        """Deliver ``alert`` or raise ``Retryable`` / ``Fatal``."""
        ...


def alert_title(alert: AlertRecord) -> str:
    return f"[{alert.severity.value.upper()}] {alert.rule or 'alert'}: {alert.message}"


def alert_text(alert: AlertRecord) -> str:
    lines = [
        alert.message,
        "",
        f"rule: {alert.rule or '(removed)'}",
        f"severity: {alert.severity.value}",
        f"scope: {alert.scope or '(all)'}",
        f"raised at: {alert.raised_at.isoformat()}",
        f"alert id: {alert.id}",
    ]
    lines += [f"{key}: {value}" for key, value in sorted(alert.details.items())]
    return "\n".join(lines)
