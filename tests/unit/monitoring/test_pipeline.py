"""The pipeline on the bus and in batches: batching does not change what fires, quotes keep
their order against trades and bars, and backpressure keeps the newest quote per symbol."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from tests.unit.monitoring.conftest import T0, batch
from workbench.core import topics
from workbench.core.events import EventBus
from workbench.ledger import Ledger
from workbench.model import Bar, Quote, Trade
from workbench.monitoring import (
    MonitorMetrics,
    MonitorStore,
    QuoteBatch,
    QuotePipeline,
    RuleEngine,
    RuleSpec,
    SymbolIndex,
    check_rule,
)

pytestmark = pytest.mark.requirement("MON-01", "PRF-09")


def pipeline_on(
    folder: Path,
    rules: list[RuleSpec],
    metrics: MonitorMetrics | None = None,
    capacity: int = 10**6,
) -> QuotePipeline:
    folder.mkdir(exist_ok=True)
    ledger = Ledger.from_url(f"sqlite:///{folder / 'ledger.db'}")
    ledger.upgrade()
    store = MonitorStore(ledger)
    checked = [check_rule(r, symbols=None, channels={"log"}) for r in rules]
    stored = [store.add_rule(r) for r in checked]
    engine = RuleEngine(stored, store, index=SymbolIndex(), metrics=metrics)
    return QuotePipeline(engine, metrics=metrics, capacity=capacity)


def walk_rules() -> list[RuleSpec]:
    rules = []
    for i in range(5):
        scope = f"GEN{i}"
        rules += [
            RuleSpec(f"a{i}", "price_above", {"level": 100.5}, scope=scope),
            RuleSpec(f"b{i}", "price_below", {"level": 99.5}, scope=scope),
            RuleSpec(f"c{i}", "price_cross", {"level": 100.0}, scope=scope, cooldown_seconds=30),
            RuleSpec(f"m{i}", "percent_move", {"percent": 0.8, "window_seconds": 20}, scope=scope),
        ]
    return rules


def generated_walk(index: SymbolIndex) -> QuoteBatch:
    rng = np.random.default_rng(11)
    rows = []
    mids = dict.fromkeys(range(5), 100.0)
    for n in range(3000):
        symbol = int(rng.integers(0, 5))
        mids[symbol] *= float(np.exp(rng.normal(0, 0.002)))
        rows.append((f"GEN{symbol}", n * 0.1, mids[symbol] - 0.01, mids[symbol] + 0.01))
    return batch(index, rows)


def test_batch_size_does_not_change_what_fires(tmp_path: Path) -> None:
    whole = pipeline_on(tmp_path / "whole", walk_rules())
    quotes = generated_walk(whole.index)
    whole.process(quotes)
    one_by_one = pipeline_on(tmp_path / "one", walk_rules())
    for code_rows in range(len(quotes)):
        row = quotes.take(np.array([code_rows]))
        names = [whole.index.name(int(c)) for c in row.symbol]
        one_by_one.process(
            QuoteBatch(
                one_by_one.index.codes(names), row.ts, row.bid, row.ask, row.bid_size, row.ask_size
            )
        )
    fired = [(a.rule, a.message) for a in whole.engine.raised]
    assert len(fired) > 10
    assert {a.rule[0] for a in whole.engine.raised} == {"a", "b", "c", "m"}
    assert sorted(fired) == sorted((a.rule, a.message) for a in one_by_one.engine.raised)


def test_bus_quotes_trades_and_bars(tmp_path: Path) -> None:
    metrics = MonitorMetrics()
    pipeline = pipeline_on(
        tmp_path, [RuleSpec("hi", "price_above", {"level": 10.0}, scope="AAPL")], metrics=metrics
    )
    bus = EventBus()
    pipeline.attach(bus)
    later = T0 + timedelta(minutes=1)
    # a bar and a trade stamped after the quotes must not make the quotes look late
    bus.publish(topics.BAR, Bar("AAPL", later, 9, 9, 9, 9, 100))
    bus.publish(topics.TRADE, Trade("AAPL", later, 9.5, 10))
    bus.publish(topics.QUOTE, Quote("AAPL", T0, 9.9, 1, 10.0, 1))
    bus.publish(
        topics.QUOTES,
        [
            Quote("AAPL", T0 + timedelta(seconds=1), 10.2, 1, 10.3, 1),
            Quote("MSFT", T0, 5.0, 1, 4.0, 1),
        ],
    )
    raised = pipeline.drain()
    assert [a.message for a in raised] == ["AAPL rose above 10 at 10.25"]
    stats = pipeline.stats()
    assert stats.accepted == 2 and stats.dropped_invalid["crossed"] == 1
    latest = pipeline.cache.get("AAPL")
    assert latest is not None and latest.mid == 10.25
    exposition = metrics.render().decode()
    assert 'workbench_pipeline_quotes_total{outcome="accepted"} 2.0' in exposition
    assert 'workbench_alerts_total{severity="warning"} 1.0' in exposition
    pipeline.stop()
    bus.publish(topics.QUOTE, Quote("AAPL", later, 11, 1, 11, 1))
    assert pipeline.stats().received == 3  # detached


def test_backpressure_keeps_the_newest_quote_per_symbol(tmp_path: Path) -> None:
    pipeline = pipeline_on(tmp_path, [], capacity=1000)
    index = pipeline.index
    for n in range(30):  # 3,000 quotes arrive and nothing consumes them
        pipeline.submit(
            batch(index, [(f"S{i}", n + i / 100, 10 + n, 10.5 + n) for i in range(100)])
        )
    assert pipeline.stats().pending <= 1000
    pipeline.drain()
    stats = pipeline.stats()
    assert stats.received == 3000
    assert stats.dropped_backpressure + stats.processed == 3000
    assert stats.dropped_backpressure >= 2000
    for i in (0, 57, 99):
        latest = pipeline.cache.get(f"S{i}")
        assert latest is not None and latest.bid == 39  # the last batch (n = 29) won


def test_the_worker_thread_processes_what_arrives(tmp_path: Path) -> None:
    pipeline = pipeline_on(
        tmp_path, [RuleSpec("lo", "price_below", {"level": 5.0}, scope="X")]
    ).start()
    try:
        pipeline.submit(batch(pipeline.index, [("X", 1, 6, 6.1), ("X", 2, 4, 4.1)]))
        assert pipeline.idle(timeout=10)
        assert [a.scope for a in pipeline.engine.raised] == ["X"]
    finally:
        pipeline.stop()
