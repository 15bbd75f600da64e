"""Monitoring across the engines: a monitor's runtime watches the local exchange's stream (a
real socket); a price rule on AAPL raises its alert once however long the price stays above
the level; the alert goes out by email (a real SMTP server), a signed webhook (a real HTTP
endpoint) and, through a real Redis, to the ``/ws`` alerts channel of an API instance
(another runtime); a trader acknowledges and resolves it through the API, which the monitor's
ledger and the audit chain show; the monitor's health follows its stream when it stops.

Proven elsewhere and not repeated: the stream-to-email-and-webhook path with its signature and
latency, and the broker's health when the exchange stops (tests/integration/monitoring/
test_end_to_end.py); retries, dead channels and TLS (tests/integration/monitoring/
test_delivery.py); rule kinds, cooldowns and de-duplication in the engine (tests/unit/
monitoring); the alert routes' permissions (tests/integration/api/test_rbac.py).
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.exchange.conftest import sample_lake
from tests.integration.flows import Floor, WsListener, open_floor, serve_api
from tests.integration.monitoring.conftest import (
    HttpRecorder,
    SmtpServer,
    http_recorder,
    smtp_server,
)
from workbench.adapters.alpaca import AlpacaMarketStream
from workbench.core import topics
from workbench.ops import audit, keys, monitor, users
from workbench.testing import wait_until

__all__ = ["http_recorder", "sample_lake", "smtp_server"]

pytestmark = [pytest.mark.redis, pytest.mark.requirement("MON-02", "MON-03")]

LEVEL = 172.80  # AAPL's quotes stand near 172.5 before the open; it closes above from 13:30


@pytest.fixture(scope="module")
def floor(sample_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Floor]:
    yield from open_floor(
        sample_lake,
        tmp_path_factory.mktemp("monitoring"),
        start=date(2023, 5, 25),
        timeframe="1m",
        stream_poll=0.02,
    )


@pytest.fixture
def channels(
    monkeypatch: pytest.MonkeyPatch, smtp_server: SmtpServer, http_recorder: HttpRecorder
) -> None:
    """Email and webhook configured as an operator does (``ChannelSettings`` reads ``WB_``)."""
    for name, value in {
        "WB_SMTP_HOST": smtp_server.host,
        "WB_SMTP_PORT": str(smtp_server.port),
        "WB_SMTP_TLS": "none",
        "WB_SMTP_TO": "desk@example.com",
        "WB_WEBHOOK_URL": f"{http_recorder.url}/alerts",
        "WB_WEBHOOK_SECRET": "flow-secret",
    }.items():
        monkeypatch.setenv(name, value)


def _wait(condition: Any, what: str) -> None:
    wait_until(condition, what=what, timeout=20)


def test_an_alert_is_raised_once_delivered_everywhere_acknowledged_and_resolved(
    floor: Floor,
    channels: None,
    smtp_server: SmtpServer,
    http_recorder: HttpRecorder,
    redis_url: str,
) -> None:
    fanout = {"redis_url": redis_url, "redis_prefix": f"wbflow-{uuid.uuid4().hex[:8]}"}
    api_rt, monitor_rt = floor.runtime(**fanout), floor.runtime(**fanout)
    users.add(api_rt, "desk", "a long enough password 1", role="trader", actor="test")
    key = keys.create(api_rt, username="desk", actor="test").key
    monitor.add_rule(
        monitor_rt,
        name="aapl-breakout",
        kind="price_above",
        params={"level": LEVEL},
        scope="AAPL",
        severity="critical",
        channels=["email", "webhook"],
        owner="desk",
    )
    mids: list[float] = []
    monitor_rt.bus.subscribe(topics.QUOTE, lambda _, quote: mids.append(quote.mid))
    with serve_api(api_rt, fanout=True) as api:
        client = WsListener(api, key, ["alerts"])
        http = httpx.Client(base_url=f"{api.url}/api/v1", timeout=10)
        http.headers["Authorization"] = f"Bearer {key}"
        service = monitor.start_monitor(monitor_rt, symbols=["AAPL"], stream=True)
        stream = service.stream
        assert isinstance(stream, AlpacaMarketStream)

        def minutes_until(to: str, quotes: int) -> None:
            floor.venue.clock(to=f"2023-05-25T{to}:00Z")
            _wait(lambda: service.pipeline.stats().accepted == quotes, f"{quotes} quotes")

        try:
            _wait(lambda: stream.acknowledged().get("quotes") == ("AAPL",), "the subscription")
            minutes_until("13:37", 8)  # up through the level at 13:30, back below at 13:32
            _wait(lambda: len(client.of("alerts")) == 1, "the alert on /ws")
            (first,) = monitor.list_alerts(monitor_rt)
            acked = http.post(f"/alerts/{first.id}/ack")
            again = http.post(f"/alerts/{first.id}/ack")
            minutes_until("13:44", 15)  # up again at 13:40: the acknowledged alert holds it
            resolved = http.post(f"/alerts/{first.id}/resolve")
            minutes_until("13:47", 18)  # resolved re-arms the rule: up again at 13:45
            _wait(lambda: len(client.of("alerts")) == 2, "the second alert on /ws")
            _wait(lambda: len(smtp_server.messages) == 2, "both emails")
            _wait(lambda: len(http_recorder.to("/alerts")) == 2, "both webhooks")
            live = monitor.health(monitor_rt, monitor=service)
            asyncio_stop(stream)  # the stream ends; the monitor keeps running
            stopped = monitor.health(monitor_rt, monitor=service)
        finally:
            service.stop()
            client.close()
            http.close()
        alerts = monitor.list_alerts(monitor_rt)
        trail = audit.records(monitor_rt, kind="alert.")
        verified = audit.verify(monitor_rt)
    api_rt.close()
    monitor_rt.close()

    crossings = [b > LEVEL >= a for a, b in itertools.pairwise(mids)]
    assert sum(crossings) == 3  # 13:30, 13:40, 13:45: three crossings, two alerts
    assert [a.state for a in alerts] == ["open", "resolved"]  # newest first
    second, first = alerts
    assert (first.acknowledged_by, first.resolved_by) == ("api:desk:key:1", "api:desk:key:1")
    assert acked.status_code == 200 and acked.json()["state"] == "acknowledged"
    assert again.status_code == 422 and "already acknowledged" in again.text
    assert resolved.status_code == 200 and resolved.json()["state"] == "resolved"
    assert [r["kind"] for r in reversed(trail)] == ["alert.acknowledged", "alert.resolved"]
    assert verified.ok

    for alert in alerts:
        assert {d.channel: d.status for d in alert.deliveries} == {
            "email": "sent",
            "webhook": "sent",
        }
    subjects = [m["Subject"] for m in smtp_server.messages]
    assert all(s.startswith("[CRITICAL] aapl-breakout: AAPL rose") for s in subjects)
    hooks = [json.loads(h.body)["alert_id"] for h in http_recorder.to("/alerts")]
    assert hooks == [first.id, second.id]
    on_ws = [(e["details"]["alert_id"], e["details"]["rule"]) for e in client.of("alerts")]
    assert on_ws == [(first.id, "aapl-breakout"), (second.id, "aapl-breakout")]

    checks = {c.name: c for c in live.checks}
    assert checks["stream_lag"].status == "ok", checks["stream_lag"].detail
    down = {c.name: c for c in stopped.checks}["stream_lag"]
    assert down.status == "fail" and "disconnected" in down.detail


def asyncio_stop(stream: AlpacaMarketStream) -> None:
    """Stop a stream running on another thread's loop, as the monitor's own stop does."""
    import asyncio

    asyncio.run(stream.stop())
    _wait(lambda: not stream.status().connected, "the stream to stop")
