from __future__ import annotations

import io
import json
import logging
from datetime import UTC, datetime, timedelta, timezone

import pytest

from workbench.core.clock import LiveClock, ReplayClock
from workbench.core.errors import DataError
from workbench.core.events import EventBus
from workbench.core.logging import JsonFormatter, SecretMaskingFilter, configure_logging


def test_live_clock_is_utc_and_current() -> None:
    now = LiveClock().now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert abs((datetime.now(UTC) - now).total_seconds()) < 5


def test_replay_clock_stands_still_until_moved() -> None:
    start = datetime(2017, 1, 3, 14, 30, tzinfo=UTC)
    clock = ReplayClock(start)
    assert clock.now() == clock.now() == start
    assert clock.advance(timedelta(minutes=1)) == start + timedelta(minutes=1)
    clock.set(datetime(2017, 1, 4, tzinfo=UTC))
    assert clock.now() == datetime(2017, 1, 4, tzinfo=UTC)


def test_replay_clock_converts_offsets_to_utc() -> None:
    eastern = timezone(timedelta(hours=-5))
    assert ReplayClock(datetime(2017, 1, 3, 9, 30, tzinfo=eastern)).now() == datetime(
        2017, 1, 3, 14, 30, tzinfo=UTC
    )


def test_replay_clock_refuses_naive_and_backwards_times() -> None:
    with pytest.raises(DataError, match="timezone-aware"):
        ReplayClock(datetime(2017, 1, 3))
    clock = ReplayClock(datetime(2017, 1, 3, tzinfo=UTC))
    with pytest.raises(DataError, match="only moves forward"):
        clock.set(datetime(2017, 1, 2, tzinfo=UTC))
    with pytest.raises(DataError, match="only moves forward"):
        clock.advance(timedelta(seconds=-1))


def test_event_bus_delivers_to_topic_and_wildcard_subscribers() -> None:
    bus = EventBus()
    seen: list[tuple[str, object]] = []
    bus.subscribe("fill", lambda topic, payload: seen.append(("fill", payload)))
    unsubscribe = bus.subscribe("*", lambda topic, payload: seen.append(("*", topic)))
    assert bus.publish("fill", 1) == 2
    unsubscribe()
    assert bus.publish("fill", 2) == 1
    assert bus.publish("quote", 3) == 0
    assert seen == [("fill", 1), ("*", "fill"), ("fill", 2)]


def test_a_failing_handler_does_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    bus = EventBus()
    received: list[object] = []

    def broken(topic: str, payload: object) -> None:
        raise RuntimeError("channel down")

    bus.subscribe("alert", broken)
    bus.subscribe("alert", lambda topic, payload: received.append(payload))
    with caplog.at_level(logging.ERROR, logger="workbench.core.events"):
        assert bus.publish("alert", "price above 100") == 1
    assert received == ["price above 100"]
    assert "channel down" in caplog.text


def test_json_formatter_emits_one_json_object_with_extras() -> None:
    record = logging.makeLogRecord(
        {
            "name": "workbench.x",
            "levelname": "INFO",
            "msg": "filled %s",
            "args": ("AAPL",),
            "order": 7,
        }
    )
    payload = json.loads(JsonFormatter().format(record))
    assert payload["message"] == "filled AAPL"
    assert payload["order"] == 7
    assert payload["level"] == "info"


@pytest.mark.requirement("SEC-05")
def test_secrets_never_reach_the_log() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(SecretMaskingFilter(["sk-live-123456"]))
    logger = logging.getLogger("workbench.test.secret")
    logger.addHandler(handler)
    try:
        logger.warning("connecting with %s", "sk-live-123456")
    finally:
        logger.removeHandler(handler)
    assert "sk-live-123456" not in stream.getvalue()
    assert "***" in stream.getvalue()


def test_configure_logging_sets_the_workbench_tree_only() -> None:
    configure_logging("WARNING", "json", secrets=["topsecret"])
    logger = logging.getLogger("workbench")
    try:
        assert logger.level == logging.WARNING
        assert isinstance(logger.handlers[0].formatter, JsonFormatter)
    finally:
        logger.handlers.clear()
        logger.setLevel(logging.NOTSET)


def test_cli_runtime_masks_configured_secrets_in_logs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from workbench.interfaces.cli._common import open_runtime

    monkeypatch.setenv("WB_ALPACA__SECRET_KEY", "sk-runtime-secret")
    open_runtime()
    try:
        logging.getLogger("workbench.test").warning("key is sk-runtime-secret")
    finally:
        logging.getLogger("workbench").handlers.clear()
        logging.getLogger("workbench").setLevel(logging.NOTSET)
    err = capsys.readouterr().err
    assert "sk-runtime-secret" not in err
    assert "key is ***" in err


def test_channel_secrets_read_outside_settings_are_masked_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from workbench.core.config import load_settings
    from workbench.core.logging import secret_values

    monkeypatch.setenv("WB_SMTP_PASSWORD", "smtp-pass-1")
    monkeypatch.setenv("WB_WEBHOOK_SECRET", "hook-secret-2")
    monkeypatch.setenv("WB_TWILIO_AUTH_TOKEN", "twilio-token-3")
    monkeypatch.setenv("WB_SMTP_HOST", "mail.example.org")
    masked = secret_values(load_settings())
    assert {"smtp-pass-1", "hook-secret-2", "twilio-token-3"} <= set(masked)
    assert "mail.example.org" not in masked
