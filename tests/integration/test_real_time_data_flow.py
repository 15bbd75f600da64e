"""Market data in real time across the engines: the local exchange replays the bundled minute
bars of 2023-05-25 on its stream (a real socket); a monitor's runtime takes them through its
market stream port (the Alpaca adapter) into its bus, writes the bars to a lake with the bar
writer, runs the alert rules on the quotes and relays the quotes through a real Redis to an API
instance (another runtime) whose ``/ws`` quotes channel a client follows. Half-way the exchange
drops every stream: the port reconnects, and across the reconnect no bar or quote is lost or
doubled, anywhere. The same bars replayed from the lake raise the same alert.

Proven elsewhere and not repeated: subscriptions, the reconnect's status events and the bar
writer's batches on one stream (tests/integration/adapters/test_alpaca_stream.py); a price
alert to email and webhook from the stream (tests/integration/monitoring/test_end_to_end.py);
``/ws`` authentication, rights, heartbeats, slow clients and cross-instance fan-out of orders
(tests/system/test_api_websocket.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.integration.exchange.conftest import sample_lake
from tests.integration.flows import Floor, WsListener, open_floor, serve_api
from workbench.core import topics
from workbench.data import Lake, LakeBarWriter
from workbench.ledger import Ledger
from workbench.monitoring.replay import bars_frame_steps
from workbench.monitoring.service import MonitorService
from workbench.ops import keys, monitor, users
from workbench.testing import wait_until

__all__ = ["sample_lake"]

pytestmark = [pytest.mark.redis, pytest.mark.requirement("CON-03", "MON-01", "MON-04")]

SYMBOLS = ["AAPL", "TSLA"]
FIRST_BAR = datetime(2023, 5, 25, 13, 29, tzinfo=UTC)
#: AAPL's quotes stand near 172.5 before the open; the 13:30 bar closes at 173.03
LEVEL = 172.80


@pytest.fixture(scope="module")
def floor(sample_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Floor]:
    yield from open_floor(
        sample_lake,
        tmp_path_factory.mktemp("real-time"),
        start=date(2023, 5, 25),
        timeframe="1m",
        stream_poll=0.02,
    )


def _minutes(stamps: list[datetime]) -> list[int]:
    return [int((stamp - FIRST_BAR) / timedelta(minutes=1)) for stamp in stamps]


def _wait(condition: Any, what: str) -> None:
    wait_until(condition, what=what, timeout=20)


def test_stream_to_lake_rules_and_websocket_across_a_dropped_connection(
    floor: Floor, redis_url: str, tmp_path: Path
) -> None:
    fanout = {"redis_url": redis_url, "redis_prefix": f"wbflow-{uuid.uuid4().hex[:8]}"}
    api_rt, monitor_rt = floor.runtime(**fanout), floor.runtime(**fanout)
    users.add(api_rt, "quant", "a long enough password 1", role="analyst", actor="test")
    key = keys.create(api_rt, username="quant", actor="test").key
    monitor.add_rule(
        monitor_rt,
        name="aapl-breakout",
        kind="price_above",
        params={"level": LEVEL},
        scope="AAPL",
        owner="desk",
    )
    bars: list[Any] = []
    monitor_rt.bus.subscribe(topics.BAR, lambda _, bar: bars.append(bar))
    writer = LakeBarWriter(Lake(tmp_path / "stream-lake"), batch_size=1000, flush_after_s=60)
    with serve_api(api_rt, fanout=True) as api:
        client = WsListener(api, key, ["quotes"])
        service = monitor.start_monitor(monitor_rt)
        try:
            stream = monitor_rt.market_stream(bars_to=writer)
            service.run_stream(stream, symbols=SYMBOLS)
            _wait(lambda: stream.acknowledged().get("bars") == tuple(SYMBOLS), "the subscription")
            floor.venue.clock(to="2023-05-25T13:33:00Z")  # bars 13:29 .. 13:32
            _wait(lambda: len(client.of("quotes")) == 8, "the first quotes on /ws")

            dropped = floor.venue.http.post("/admin/faults", json={"drop_streams": True}).json()
            assert dropped["dropped_streams"] >= 1
            _wait(lambda: stream.status().reconnects >= 1, "the reconnection")
            _wait(lambda: stream.acknowledged().get("bars") == tuple(SYMBOLS), "resubscribed")
            floor.venue.clock(to="2023-05-25T13:37:00Z")  # bars 13:33 .. 13:36
            _wait(lambda: len(client.of("quotes")) == 16, "the later quotes on /ws")
            _wait(lambda: len(bars) == 16, "every bar on the monitor's bus")
        finally:
            service.stop()  # stops the stream, which writes the bars it holds
            client.close()
        alerts, rules = service.store.alerts(), service.store.rules()
    api_rt.close()
    monitor_rt.close()

    for symbol in SYMBOLS:
        seen = [b.timestamp for b in bars if b.symbol == symbol]
        assert _minutes(seen) == list(range(8)), f"{symbol} bars across the reconnect: {seen}"
        quoted = [
            pd.Timestamp(q["timestamp"]).to_pydatetime()
            for q in client.of("quotes")
            if q["symbol"] == symbol
        ]
        assert _minutes(quoted) == list(range(1, 9)), f"{symbol} quotes on /ws: {quoted}"

    landed = writer.lake.bars(SYMBOLS, timeframe="1m").sort_values(["symbol", "timestamp"])
    source = Lake(floor.home / "lake").bars(
        SYMBOLS, FIRST_BAR.date(), FIRST_BAR.date(), timeframe="1m"
    )
    source = source[(source["timestamp"] >= FIRST_BAR) & (source["timestamp"] < _at(8))]
    columns = ["symbol", "timestamp", "open", "high", "low", "close", "volume"]
    pd.testing.assert_frame_equal(
        landed[columns].reset_index(drop=True),
        source.sort_values(["symbol", "timestamp"])[columns].reset_index(drop=True),
        check_dtype=False,
    )
    assert writer.rejected == 0 and writer.held == 0

    (alert,) = alerts  # raised once, not again after the reconnect
    assert alert.rule == "aapl-breakout" and alert.details["price"] > LEVEL

    # the same minutes replayed from the lake through the monitor raise the same alert
    replay_ledger = Ledger.from_url(f"sqlite:///{tmp_path / 'replay.db'}")
    replay_ledger.upgrade()
    replay = MonitorService(replay_ledger, {}, tick_seconds=3600)
    replay.store.add_rule(rules[0])
    replay = MonitorService(replay_ledger, {}, tick_seconds=3600)  # loads the rule
    with replay.start(dispatch=False):
        replay.replay(bars_frame_steps(source, replay.pipeline.index))
        _wait(lambda: replay.store.alerts(), "the replay's alert")
    (replayed,) = replay.store.alerts()
    assert replayed.rule == alert.rule and replayed.details["price"] > LEVEL
    replay_ledger.dispose()


def _at(minute: int) -> datetime:
    return FIRST_BAR + timedelta(minutes=minute)
