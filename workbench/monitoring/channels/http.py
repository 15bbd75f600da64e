"""Channels that POST over HTTP: a signed JSON webhook, a Slack-compatible incoming webhook,
and SMS through Twilio's REST API. The transport is injectable (httpx) for unit tests."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import TYPE_CHECKING, Any

from workbench.core.errors import ConfigError, Fatal, Retryable
from workbench.monitoring.channels.base import ChannelSettings, alert_title
from workbench.monitoring.store import AlertRecord

if TYPE_CHECKING:
    import httpx

__all__ = ["SIGNATURE_HEADER", "SlackChannel", "TwilioSmsChannel", "WebhookChannel", "sign"]

#: ``sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">``, keyed with WB_WEBHOOK_SECRET
SIGNATURE_HEADER = "X-Workbench-Signature"
TIMESTAMP_HEADER = "X-Workbench-Timestamp"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature a receiver recomputes: the timestamp in the signed text stops replays."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def alert_payload(alert: AlertRecord) -> dict[str, Any]:
    return {
        "alert_id": alert.id,
        "rule": alert.rule,
        "rule_id": alert.rule_id,
        "severity": alert.severity.value,
        "state": alert.state.value,
        "message": alert.message,
        "scope": alert.scope,
        "details": alert.details,
        "raised_at": alert.raised_at.isoformat(),
    }


def _post(
    name: str, url: str, timeout: float, transport: httpx.BaseTransport | None, **request: Any
) -> None:
    import httpx  # here, not at the top: every command that loads monitoring loads this module

    try:
        with httpx.Client(timeout=timeout, transport=transport) as client:
            answer = client.post(url, **request)
    except httpx.HTTPError as error:
        raise Retryable(f"{name}: {type(error).__name__} posting to {url}: {error}") from None
    if answer.status_code >= 500 or answer.status_code == 429:
        raise Retryable(f"{name}: {url} answered {answer.status_code}: {answer.text[:200]}")
    if answer.status_code >= 400:
        raise Fatal(f"{name}: {url} refused with {answer.status_code}: {answer.text[:200]}")


class WebhookChannel:
    def __init__(
        self,
        settings: ChannelSettings,
        name: str = "webhook",
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not settings.webhook_url:
            raise ConfigError("the webhook channel needs WB_WEBHOOK_URL")
        self.name, self.url, self.transport = name, settings.webhook_url, transport
        self._secret = settings.webhook_secret

    def send(self, alert: AlertRecord, *, timeout: float) -> None:
        body = json.dumps(alert_payload(alert), separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: timestamp}
        if self._secret is not None:
            headers[SIGNATURE_HEADER] = sign(self._secret.get_secret_value(), timestamp, body)
        _post(self.name, self.url, timeout, self.transport, content=body, headers=headers)


class SlackChannel:
    def __init__(
        self,
        settings: ChannelSettings,
        name: str = "slack",
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not settings.slack_webhook_url:
            raise ConfigError("the slack channel needs WB_SLACK_WEBHOOK_URL")
        self.name, self.url, self.transport = name, settings.slack_webhook_url, transport

    def send(self, alert: AlertRecord, *, timeout: float) -> None:
        raised = f"{alert.raised_at:%Y-%m-%d %H:%M:%S} UTC"
        text = f"*{alert_title(alert)}*\nscope {alert.scope or 'all'}, raised {raised}"
        _post(self.name, self.url, timeout, self.transport, json={"text": text})


class TwilioSmsChannel:
    def __init__(
        self,
        settings: ChannelSettings,
        name: str = "sms",
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        needed = (
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            settings.twilio_from,
            settings.twilio_to,
        )
        if not all(needed):
            raise ConfigError(
                "the sms channel needs WB_TWILIO_ACCOUNT_SID, WB_TWILIO_AUTH_TOKEN, "
                "WB_TWILIO_FROM and WB_TWILIO_TO"
            )
        self.name, self.transport = name, transport
        self.sid = str(settings.twilio_account_sid)
        self._token = settings.twilio_auth_token
        self.sender, self.recipient = str(settings.twilio_from), str(settings.twilio_to)
        base = settings.twilio_base_url.rstrip("/")
        self.url = f"{base}/2010-04-01/Accounts/{self.sid}/Messages.json"

    def send(self, alert: AlertRecord, *, timeout: float) -> None:
        token = self._token.get_secret_value() if self._token else ""
        body = alert_title(alert)[:1600]  # Twilio's limit for one message body
        form = {"From": self.sender, "To": self.recipient, "Body": body}
        _post(self.name, self.url, timeout, self.transport, data=form, auth=(self.sid, token))
