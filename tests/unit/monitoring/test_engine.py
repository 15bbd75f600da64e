"""Each rule kind fires exactly when its condition becomes true on a replayed sequence, not
again while it stays true, not again inside its cooldown, and not while its alert is open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.unit.monitoring.conftest import T0, batch
from workbench.core import topics
from workbench.core.clock import ReplayClock
from workbench.core.events import EventBus
from workbench.model import AlertSeverity, AlertState, Bar
from workbench.monitoring import (
    LatestPrices,
    MonitorStore,
    PortfolioSnapshot,
    RuleEngine,
    RuleSpec,
    SymbolIndex,
    check_rule,
)

pytestmark = pytest.mark.requirement("MON-02")


def engine_for(store: MonitorStore, *rules: RuleSpec, **options: Any) -> RuleEngine:
    checked = [check_rule(r, symbols=None, channels={"log", "inapp"}) for r in rules]
    stored = [store.add_rule(rule) for rule in checked]
    return RuleEngine(stored, store, index=SymbolIndex(), **options)


def prices(engine: RuleEngine, symbol: str, mids: list[tuple[float, float]]) -> list[float]:
    """Feed (seconds, mid) quotes one batch; the mids at which alerts were raised."""
    rows = [(symbol, s, m - 0.01, m + 0.01) for s, m in mids]
    return [round(a.details["price"], 6) for a in engine.on_batch(batch(engine.index, rows))]


def test_price_above_fires_on_each_rise_outside_its_cooldown(store: MonitorStore) -> None:
    engine = engine_for(
        store,
        RuleSpec("aapl-150", "price_above", {"level": 150.0}, scope="AAPL", cooldown_seconds=60),
    )
    assert prices(engine, "AAPL", [(0, 149), (1, 151), (2, 152), (3, 149)]) == [151]
    store.resolve(engine.raised[-1].id, by="test", at=T0)
    # rises again 10 s later: inside the cooldown
    assert prices(engine, "AAPL", [(11, 151), (12, 148)]) == []
    # and 70 s after the first alert: outside it
    assert prices(engine, "AAPL", [(71, 150.5), (72, 152)]) == [150.5]
    assert [a.message for a in store.alerts()] == [
        "AAPL rose above 150 at 150.5",
        "AAPL rose above 150 at 151",
    ]


def test_an_open_alert_is_not_raised_twice(store: MonitorStore) -> None:
    engine = engine_for(
        store, RuleSpec("msft-below", "price_below", {"level": 100.0}, scope="MSFT")
    )
    assert prices(engine, "MSFT", [(0, 99), (1, 101), (2, 98)]) == [99]
    alert = engine.raised[-1]
    store.acknowledge(alert.id, by="ops", at=T0)
    assert prices(engine, "MSFT", [(3, 101), (4, 97)]) == []  # acknowledged is still open
    store.resolve(alert.id, by="ops", at=T0)
    assert prices(engine, "MSFT", [(5, 101), (6, 96)]) == [96]


def test_price_cross_fires_both_ways_but_not_on_the_first_quote(store: MonitorStore) -> None:
    engine = engine_for(store, RuleSpec("ibm-cross", "price_cross", {"level": 50.0}, scope="IBM"))
    assert prices(engine, "IBM", [(0, 51), (1, 52), (2, 49), (3, 48)]) == [49]
    assert prices(engine, "IBM", [(4, 50.5)]) == [50.5]
    assert [a.details["level"] for a in engine.raised] == [50.0, 50.0]


def test_percent_move_within_its_window(store: MonitorStore) -> None:
    engine = engine_for(
        store,
        RuleSpec("spy-move", "percent_move", {"percent": 2, "window_seconds": 60}, scope="SPY"),
    )
    # +1.5 % in 30 s, then +2.5 % against the price 60 s back, then drifts slowly
    sequence = [(0, 100), (30, 101.5), (59, 102.5), (61, 102.6), (200, 103), (260, 103.5)]
    assert prices(engine, "SPY", sequence) == [102.5]
    assert engine.raised[0].details["reference"] == 100


def test_indicator_rule_on_bar_closes(store: MonitorStore) -> None:
    engine = engine_for(
        store,
        RuleSpec(
            "rsi-hot",
            "indicator",
            {"indicator": "RSI", "timeperiod": 3, "op": ">", "value": 70},
            scope="AAPL",
            severity=AlertSeverity.INFO,
        ),
    )
    closes = [10, 9, 10, 9, 10, 11, 12, 13, 12, 11, 10, 9, 10, 11, 12, 13]
    fired = []
    for day, close in enumerate(closes):
        bar = Bar("AAPL", T0 + timedelta(days=day), close, close, close, close, 1000)
        for alert in engine.on_bar(bar):
            fired.append(day)
            store.resolve(alert.id, by="test", at=T0)
    # TA-Lib's RSI(3) of these closes passes 70 on day 5 (70.4) and again on day 14 (75.5)
    assert fired == [5, 14]
    assert engine.raised[0].message.startswith("AAPL RSI(3) is ")


def book(equity: float, day_start: float | None = None, **fields: Any) -> PortfolioSnapshot:
    return PortfolioSnapshot("main", T0, equity, day_start, **fields)


def test_drawdown_and_daily_loss(store: MonitorStore) -> None:
    engine = engine_for(
        store,
        RuleSpec("dd", "drawdown", {"max_drawdown": 0.1}, scope="main", channels=("log",)),
        RuleSpec("day", "daily_loss", {"max_loss": 5000}),
    )
    raised = [
        [a.details.get("drawdown", a.details.get("loss")) for a in engine.on_snapshot(snap)]
        for snap in (
            book(100_000, 100_000),
            book(120_000, 100_000),
            book(107_000, 110_000),
            book(105_000, 110_000),
            book(130_000, 110_000),
            book(104_000, 110_000),
        )
    ]
    assert raised[:2] == [[], []]
    assert raised[2] == [pytest.approx(13_000 / 120_000)]
    assert raised[3] == [5000]
    assert raised[4] == []  # a new peak: both conditions clear
    # both true again, but both alerts are still open: not raised twice
    assert raised[5] == []
    assert [d.channel for d in engine.raised[0].deliveries] == ["log"]


def test_weight_drift_exposure_and_var(store: MonitorStore) -> None:
    engine = engine_for(
        store,
        RuleSpec("drift", "weight_drift", {"targets": {"AAPL": 0.5, "MSFT": 0.5}, "band": 0.05}),
        RuleSpec("gross", "exposure_limit", {"limit": 1_000_000, "utilisation": 0.8}),
        RuleSpec("var", "var_limit", {"limit": 20_000}),
    )
    fine = book(1e6, weights={"AAPL": 0.52, "MSFT": 0.47}, gross_exposure=790_000, var=17_000)
    assert engine.on_snapshot(fine) == []
    drifted = book(1e6, weights={"AAPL": 0.58, "MSFT": 0.42}, gross_exposure=810_000, var=18_500)
    assert sorted(a.rule for a in engine.on_snapshot(drifted)) == ["drift", "gross", "var"]
    assert engine.raised[0].details["drift"] == {
        "AAPL": pytest.approx(0.08),
        "MSFT": pytest.approx(-0.08),
    }


def test_event_rules_from_the_bus_payloads(store: MonitorStore) -> None:
    bus = EventBus()
    engine = engine_for(
        store,
        RuleSpec("down", "disconnected", {}, severity=AlertSeverity.CRITICAL, cooldown_seconds=300),
        RuleSpec("rejects", "order_rejected", {}, scope="AAPL"),
        RuleSpec("recon", "reconciliation_mismatch", {}),
        bus=bus,
    )
    seen: list[Any] = []
    bus.subscribe(topics.ALERT, lambda _, alert: seen.append(alert))
    stamp = "2024-03-05T15:00:00+00:00"
    assert (
        engine.on_event(topics.STREAM_STATUS, {"source": "alpaca", "connected": True, "at": stamp})
        == []
    )
    stopped = {"source": "alpaca", "connected": False, "reason": "stopped", "at": stamp}
    assert engine.on_event(topics.STREAM_STATUS, stopped) == []  # a deliberate stop
    down = {"source": "alpaca", "connected": False, "reason": "socket closed", "at": stamp}
    assert len(engine.on_event(topics.STREAM_STATUS, down)) == 1
    store.resolve(engine.raised[-1].id, by="t", at=T0)
    later = {**down, "at": "2024-03-05T15:04:00+00:00"}
    assert engine.on_event(topics.STREAM_STATUS, later) == []  # inside the 300 s cooldown
    reject = {
        "symbol": "MSFT",
        "client_order_id": "c1",
        "rule": "max_notional",
        "side": "buy",
        "reason": "too big",
        "at": stamp,
    }
    assert engine.on_event(topics.ORDER_REJECTED, reject) == []  # another symbol
    assert len(engine.on_event(topics.ORDER_REJECTED, {**reject, "symbol": "AAPL"})) == 1
    ok = {"account": "main", "ok": True, "differences": [], "at": stamp}
    assert engine.on_event(topics.RECONCILIATION, ok) == []
    bad = {**ok, "ok": False, "differences": ["AAPL qty 10 vs broker 12"]}
    assert engine.on_event(topics.RECONCILIATION, bad)[0].message.endswith(
        "AAPL qty 10 vs broker 12"
    )
    assert [a.severity for a in seen] == [
        AlertSeverity.CRITICAL,
        AlertSeverity.WARNING,
        AlertSeverity.WARNING,
    ]
    assert engine.raised[0].state == AlertState.OPEN


def test_stale_data_only_while_the_market_is_open(store: MonitorStore) -> None:
    tuesday_open = datetime(2024, 3, 5, 14, 35, tzinfo=UTC)  # 09:35 New York
    clock = ReplayClock(tuesday_open)
    engine = engine_for(
        store, RuleSpec("stale", "stale_data", {"max_age_seconds": 60}, scope="AAPL"), clock=clock
    )
    cache = LatestPrices(engine.index)
    cache.set_price("AAPL", 150.0, tuesday_open)
    assert engine.check_stale(cache) == []
    clock.advance(timedelta(seconds=90))
    assert [a.scope for a in engine.check_stale(cache)] == ["AAPL"]
    assert engine.check_stale(cache) == []  # still stale: one alert
    saturday = datetime(2024, 3, 9, 15, 0, tzinfo=UTC)
    assert engine.check_stale(cache, now=saturday) == []
