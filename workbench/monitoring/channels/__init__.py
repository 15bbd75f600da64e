"""Notification channels: email (SMTP), a signed webhook, Slack, SMS (Twilio), in-app, log.
``configured_channels`` builds the ones the environment configures, by name."""

from workbench.monitoring.channels.base import Channel, ChannelSettings, alert_text, alert_title
from workbench.monitoring.channels.email import EmailChannel
from workbench.monitoring.channels.http import (
    SIGNATURE_HEADER,
    SlackChannel,
    TwilioSmsChannel,
    WebhookChannel,
    sign,
)
from workbench.monitoring.channels.local import InAppChannel, LogChannel

__all__ = [
    "SIGNATURE_HEADER",
    "Channel",
    "ChannelSettings",
    "EmailChannel",
    "InAppChannel",
    "LogChannel",
    "SlackChannel",
    "TwilioSmsChannel",
    "WebhookChannel",
    "alert_text",
    "alert_title",
    "configured_channels",
    "sign",
]


def configured_channels(settings: ChannelSettings | None = None) -> dict[str, Channel]:
    """Every channel the environment configures, by the name a rule uses for it."""
    settings = settings if settings is not None else ChannelSettings()
    channels: dict[str, Channel] = {"log": LogChannel(), "inapp": InAppChannel()}
    if settings.smtp_host and settings.smtp_to:
        channels["email"] = EmailChannel(settings)
    if settings.webhook_url:
        channels["webhook"] = WebhookChannel(settings)
    if settings.slack_webhook_url:
        channels["slack"] = SlackChannel(settings)
    if settings.twilio_account_sid:
        channels["sms"] = TwilioSmsChannel(settings)
    return channels
