"""Alerts delivered through each channel to a real local counterpart (an SMTP server, HTTP
endpoints), and a channel that is down: retried with backoff, recorded, others unaffected."""

from __future__ import annotations

import base64
import json
import ssl
import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest
from pydantic import SecretStr

from tests.integration.monitoring.conftest import (
    HttpRecorder,
    SmtpServer,
    closed_port_url,
    wait_for,
)
from workbench.core.clock import ReplayClock
from workbench.model import AlertSeverity
from workbench.monitoring import (
    AlertRecord,
    AlertRequest,
    ChannelSettings,
    Dispatcher,
    MonitorStore,
    RuleSpec,
    configured_channels,
)
from workbench.monitoring.channels import SIGNATURE_HEADER, EmailChannel, InAppChannel, sign

pytestmark = pytest.mark.requirement("MON-03")

NOW = datetime(2024, 3, 5, 15, 0, tzinfo=UTC)


def settings(**values: object) -> ChannelSettings:
    return ChannelSettings.model_validate(values)


def raise_one(store: MonitorStore, channels: tuple[str, ...], name: str = "aapl") -> AlertRecord:
    rule = store.add_rule(
        RuleSpec(
            name,
            "price_above",
            {"level": 150.0},
            scope="AAPL",
            severity=AlertSeverity.CRITICAL,
            channels=channels,
        )
    )
    (alert,) = store.raise_alerts(
        [
            AlertRequest(
                rule,
                message="AAPL rose above 150 at 151",
                dedup_key=f"{name}:up",
                raised_at=NOW,
                details={"price": 151.0},
                scope="AAPL",
            )
        ]
    )
    assert alert is not None
    return alert


def statuses(store: MonitorStore, alert_id: int) -> dict[str, tuple[str, int]]:
    return {d.channel: (d.status, d.attempts) for d in store.alert(alert_id).deliveries}


def test_every_channel_reaches_its_counterpart(
    store: MonitorStore, smtp_server: SmtpServer, http_recorder: HttpRecorder
) -> None:
    config = settings(
        smtp_host=smtp_server.host,
        smtp_port=smtp_server.port,
        smtp_tls="none",
        smtp_user="alerts",
        smtp_password="s3cret",
        smtp_to="ops@example.com",
        webhook_url=f"{http_recorder.url}/hook",
        webhook_secret="hook-key",
        slack_webhook_url=f"{http_recorder.url}/slack",
        twilio_account_sid="AC123",
        twilio_auth_token="tw-token",
        twilio_from="+15550001",
        twilio_to="+15550002",
        twilio_base_url=http_recorder.url,
    )
    channels = configured_channels(config)
    assert sorted(channels) == ["email", "inapp", "log", "slack", "sms", "webhook"]
    alert = raise_one(store, tuple(channels))
    result = Dispatcher(store, channels, clock=ReplayClock(NOW)).dispatch_due()
    assert sorted(result.sent) and not result.retrying and not result.failed
    assert set(statuses(store, alert.id).values()) == {("sent", 1)}

    (mail,) = smtp_server.messages
    assert smtp_server.logins == ["alerts"]
    assert mail["Subject"] == "[CRITICAL] aapl: AAPL rose above 150 at 151"
    assert mail["To"] == "ops@example.com" and mail["X-Workbench-Alert-Id"] == str(alert.id)

    (hook,) = http_recorder.to("/hook")
    stamp = hook.headers["X-Workbench-Timestamp"]
    assert hook.headers[SIGNATURE_HEADER] == sign("hook-key", stamp, hook.body)
    assert json.loads(hook.body)["message"] == "AAPL rose above 150 at 151"

    (slack,) = http_recorder.to("/slack")
    assert json.loads(slack.body)["text"].startswith("*[CRITICAL] aapl: AAPL rose above 150")

    (sms,) = http_recorder.to("/2010-04-01/Accounts/AC123/Messages.json")
    form = {k: v[0] for k, v in parse_qs(sms.body.decode()).items()}
    assert form == {
        "From": "+15550001",
        "To": "+15550002",
        "Body": "[CRITICAL] aapl: AAPL rose above 150 at 151",
    }
    assert sms.headers["Authorization"] == "Basic " + base64.b64encode(b"AC123:tw-token").decode()

    inapp = channels["inapp"]
    assert isinstance(inapp, InAppChannel) and [a.id for a in inapp.feed()] == [alert.id]


def test_email_over_tls_with_login(store: MonitorStore, smtp_tls_server: SmtpServer) -> None:
    channel = EmailChannel(
        settings(
            smtp_host="localhost",
            smtp_port=smtp_tls_server.port,
            smtp_tls=smtp_tls_server.tls,
            smtp_user="alerts",
            smtp_password=SecretStr("s3cret"),
            smtp_to="a@b.example",
        )
    )
    assert smtp_tls_server.cert is not None
    channel.ssl_context = ssl.create_default_context(cafile=str(smtp_tls_server.cert))
    alert = raise_one(store, ("email",))
    result = Dispatcher(store, {"email": channel}, clock=ReplayClock(NOW)).dispatch_due()
    assert len(result.sent) == 1 and statuses(store, alert.id) == {"email": ("sent", 1)}
    assert smtp_tls_server.logins == ["alerts"] and len(smtp_tls_server.messages) == 1


def test_a_channel_that_is_down_is_retried_and_recorded(
    store: MonitorStore, smtp_server: SmtpServer
) -> None:
    clock = ReplayClock(NOW)
    channels = configured_channels(
        settings(
            smtp_host=smtp_server.host,
            smtp_port=smtp_server.port,
            smtp_tls="none",
            smtp_to="ops@example.com",
            webhook_url=closed_port_url(),
        )
    )
    alert = raise_one(store, ("webhook", "email", "log"))
    dispatcher = Dispatcher(store, channels, clock=clock, max_attempts=3, backoff=2.0)

    first = dispatcher.dispatch_due()
    assert len(first.sent) == 2 and len(first.retrying) == 1
    assert statuses(store, alert.id) == {
        "webhook": ("pending", 1),
        "email": ("sent", 1),
        "log": ("sent", 1),
    }
    down = next(d for d in store.alert(alert.id).deliveries if d.channel == "webhook")
    assert "ConnectError" in (down.last_error or "")
    assert down.next_attempt_at == NOW + timedelta(seconds=2)

    assert dispatcher.dispatch_due().to_dict() == {"sent": 0, "retrying": 0, "failed": 0}
    clock.advance(timedelta(seconds=2))
    assert dispatcher.dispatch_due().to_dict() == {"sent": 0, "retrying": 1, "failed": 0}
    clock.advance(timedelta(seconds=3))
    assert dispatcher.dispatch_due().to_dict() == {"sent": 0, "retrying": 0, "failed": 0}
    clock.advance(timedelta(seconds=1))  # 4 s after the second attempt
    assert dispatcher.dispatch_due().to_dict() == {"sent": 0, "retrying": 0, "failed": 1}
    assert statuses(store, alert.id)["webhook"] == ("failed", 3)
    assert len(smtp_server.messages) == 1
    assert store.delivery_counts() == {"sent": 2, "failed": 1}


def test_a_refusal_is_not_retried(store: MonitorStore, http_recorder: HttpRecorder) -> None:
    http_recorder.status["/hook"] = 401
    channels = configured_channels(settings(webhook_url=f"{http_recorder.url}/hook"))
    alert = raise_one(store, ("webhook",))
    result = Dispatcher(store, channels, clock=ReplayClock(NOW)).dispatch_due()
    assert result.to_dict() == {"sent": 0, "retrying": 0, "failed": 1}
    (delivery,) = store.alert(alert.id).deliveries
    assert delivery.status == "failed" and "refused with 401" in (delivery.last_error or "")


def test_an_unconfigured_channel_fails_visibly(store: MonitorStore) -> None:
    alert = raise_one(store, ("pager",))
    result = Dispatcher(
        store, configured_channels(settings()), clock=ReplayClock(NOW)
    ).dispatch_due()
    assert result.to_dict()["failed"] == 1
    assert "'pager' is not configured" in (store.alert(alert.id).deliveries[0].last_error or "")


def test_a_hanging_channel_does_not_hold_up_the_others(
    store: MonitorStore, smtp_server: SmtpServer, http_recorder: HttpRecorder
) -> None:
    http_recorder.hold = threading.Event()
    channels = configured_channels(
        settings(
            smtp_host=smtp_server.host,
            smtp_port=smtp_server.port,
            smtp_tls="none",
            smtp_to="ops@example.com",
            webhook_url=f"{http_recorder.url}/hook",
        )
    )
    with Dispatcher(store, channels, timeout=20) as dispatcher:
        dispatcher.start(poll_seconds=0.05)
        alert = raise_one(store, ("webhook", "email"))
        dispatcher.wake()
        wait_for(lambda: statuses(store, alert.id)["email"] == ("sent", 1), "the email")
        wait_for(lambda: len(http_recorder.to("/hook")) == 1, "the webhook to be received")
        assert statuses(store, alert.id)["webhook"] == ("pending", 0)  # still in flight
        http_recorder.hold.set()
        wait_for(lambda: statuses(store, alert.id)["webhook"] == ("sent", 1), "the webhook")
