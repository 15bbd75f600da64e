"""End to end: the local exchange's market-data stream -> ``AlpacaMarketStream`` -> the event
bus -> the quote pipeline -> a price alert -> email (a real SMTP server) and a signed webhook
(a real HTTP endpoint), with the latency from the quote's arrival to the alert printed.

The exchange replays the bundled minute bars of 2023-05-25 from 13:29 UTC; AAPL's quotes stand
near 172.5 before the open and the 13:30 bar closes at 173.03, above the rule's 172.80.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from tests.integration.exchange.conftest import KEY, SECRET, Venue
from tests.integration.exchange.conftest import sample_lake as sample_lake
from tests.integration.exchange.conftest import start_venue as start_venue
from tests.integration.monitoring.conftest import HttpRecorder, SmtpServer, wait_for
from workbench.adapters.alpaca import AlpacaConfig, AlpacaMarketStream
from workbench.core import topics
from workbench.core.events import EventBus
from workbench.ledger import Ledger
from workbench.model import AlertSeverity
from workbench.monitoring import ChannelSettings, RuleSpec, check_rule, configured_channels
from workbench.monitoring.channels import SIGNATURE_HEADER, sign
from workbench.monitoring.service import MonitorService

pytestmark = pytest.mark.requirement("MON-04")

LEVEL = 172.80


def test_stream_to_email_and_webhook(
    start_venue: Callable[..., Venue],
    tmp_path: Path,
    smtp_server: SmtpServer,
    http_recorder: HttpRecorder,
    capsys: pytest.CaptureFixture[str],
) -> None:
    venue = start_venue(start=date(2023, 5, 25), timeframe="1m", stream_poll=0.02)
    venue.trading().get_account()  # binds the key's secret before the stream signs in
    ledger = Ledger.from_url(f"sqlite:///{tmp_path / 'ledger.db'}")
    ledger.upgrade()
    channels = configured_channels(
        ChannelSettings.model_validate(
            {
                "smtp_host": smtp_server.host,
                "smtp_port": smtp_server.port,
                "smtp_tls": "none",
                "smtp_to": "desk@example.com",
                "webhook_url": f"{http_recorder.url}/alerts",
                "webhook_secret": "e2e-secret",
            }
        )
    )
    bus = EventBus()
    quotes: list[float] = []
    bus.subscribe(topics.QUOTE, lambda _, quote: quotes.append(quote.mid))
    service = MonitorService(ledger, channels, bus=bus, tick_seconds=3600)
    rule = check_rule(
        RuleSpec(
            "aapl-breakout",
            "price_above",
            {"level": LEVEL},
            scope="AAPL",
            severity=AlertSeverity.CRITICAL,
            channels=("email", "webhook"),
            owner="e2e",
        ),
        symbols={"AAPL"},
        channels=channels,
    )
    service.store.add_rule(rule)
    service = MonitorService(ledger, channels, bus=bus, tick_seconds=3600)  # loads the rule
    stream = AlpacaMarketStream(
        AlpacaConfig(
            api_key=KEY,
            secret_key=SECRET,
            url=venue.url,
            data_url=venue.url,
            stream_url=venue.url.replace("http", "ws") + "/v2/iex",
            reconnect_min_s=0.05,
            reconnect_max_s=0.2,
        ),
        bus,
    )
    with service.start():
        service.run_stream(stream, symbols=["AAPL"])
        wait_for(lambda: stream.acknowledged().get("quotes") == ("AAPL",), "the subscription")
        venue.clock(to="2023-05-25T13:35:00Z")
        wait_for(lambda: len(smtp_server.messages) == 1, "the email")
        wait_for(lambda: len(http_recorder.to("/alerts")) == 1, "the webhook")
        latencies = list(service.engine.latencies_ns)
        stats = service.pipeline.stats()

    assert quotes[0] < LEVEL < max(quotes), "the replay should cross the level"
    (alert,) = service.store.alerts()
    assert alert.rule == "aapl-breakout" and alert.details["price"] > LEVEL
    assert {d.channel: d.status for d in alert.deliveries} == {"email": "sent", "webhook": "sent"}
    assert smtp_server.messages[0]["Subject"].startswith("[CRITICAL] aapl-breakout: AAPL rose")
    (hook,) = http_recorder.to("/alerts")
    assert json.loads(hook.body)["alert_id"] == alert.id
    stamp = hook.headers["X-Workbench-Timestamp"]
    assert hook.headers[SIGNATURE_HEADER] == sign("e2e-secret", stamp, hook.body)
    assert stats.accepted == len(quotes) and stats.alerts == 1
    with capsys.disabled():
        print(
            f"\nquote arrival -> alert created: {len(latencies)} alert(s), "
            f"median {statistics.median(latencies) / 1e6:.3f} ms "
            f"(quotes {len(quotes)}, pipeline batches {stats.batches})"
        )
    ledger.dispose()


def test_health_asks_the_configured_broker(
    start_venue: Callable[..., Venue],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from workbench.ops import monitor
    from workbench.runtime import Runtime

    venue = start_venue()
    for name, value in {
        "WB_BROKER": "alpaca",
        "WB_ALPACA__API_KEY": KEY,
        "WB_ALPACA__SECRET_KEY": SECRET,
        "WB_ALPACA__URL": venue.url,
    }.items():
        monkeypatch.setenv(name, value)
    with Runtime.from_settings() as rt:
        rt.ledger  # noqa: B018 - migrates, as `workbench db upgrade` would
        report = monitor.health(rt)
        checks = {c.name: c for c in report.checks}
        assert checks["broker"].status == "ok" and "answered" in checks["broker"].detail
        assert checks["clock_drift"].status == "ok", checks["clock_drift"].detail
        venue.server.stop()
        down = {c.name: c for c in monitor.health(rt).checks}
    assert down["broker"].status == "fail" and down["clock_drift"].status == "fail"


def test_the_live_view_follows_the_stream(
    start_venue: Callable[..., Venue],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from workbench.ops import monitor
    from workbench.runtime import Runtime

    venue = start_venue(start=date(2023, 5, 25), timeframe="1m", stream_poll=0.02)
    venue.trading().get_account()
    for name, value in {
        "WB_ALPACA__API_KEY": KEY,
        "WB_ALPACA__SECRET_KEY": SECRET,
        "WB_ALPACA__URL": venue.url,
        "WB_ALPACA__DATA_URL": venue.url,
        "WB_ALPACA__STREAM_URL": venue.url.replace("http", "ws") + "/v2/iex",
    }.items():
        monkeypatch.setenv(name, value)
    with Runtime.from_settings() as rt:
        service = monitor.start_monitor(rt, symbols=["AAPL", "TSLA"], stream=True)
        try:
            stream = service.stream
            assert isinstance(stream, AlpacaMarketStream)
            wait_for(
                lambda: stream.acknowledged().get("quotes") == ("AAPL", "TSLA"), "the subscription"
            )
            venue.clock(to="2023-05-25T13:31:00Z")

            def both_symbols_quoted() -> bool:
                # a minute bar prices the view too, and may come before the quotes' batch
                seen = monitor.watch_view(service)
                return len(seen.quotes) == 2 and seen.pipeline["accepted"] >= 2

            wait_for(both_symbols_quoted, "both symbols, by quotes")
            view = monitor.watch_view(service)
        finally:
            service.stop()
    assert sorted(q["symbol"] for q in view.quotes) == ["AAPL", "TSLA"]
    assert view.pipeline["accepted"] >= 2 and view.positions == [] and view.alerts == []
