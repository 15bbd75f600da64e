"""Every rule kind on a replayed sequence in which its condition comes true twice, 100 s of data
time apart (resolving each alert at once, so de-duplication stays out of the way): it fires
twice without a cooldown, and once with a cooldown longer than the gap."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.unit.monitoring.conftest import T0, batch
from workbench.core import topics
from workbench.core.clock import ReplayClock
from workbench.model import AlertState, Bar
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

OPEN = datetime(2024, 3, 5, 14, 35, tzinfo=UTC)  # 09:35 New York, a Tuesday
Step = Callable[[RuleEngine], object]


def quotes(*rows: tuple[float, float]) -> list[Step]:
    return [
        lambda e, s=s, m=m: e.on_batch(batch(e.index, [("AAPL", s, m - 0.01, m + 0.01)]))
        for s, m in rows
    ]


def books(*rows: tuple[float, float, dict[str, float]]) -> list[Step]:
    return [
        lambda e, s=s, eq=eq, w=w: e.on_snapshot(
            PortfolioSnapshot(
                "main",
                T0 + timedelta(seconds=s),
                eq,
                100_000.0,
                w,
                gross_exposure=eq * sum(abs(v) for v in w.values()),
                var=eq * 0.02 * len(w),
            )
        )
        for s, eq, w in rows
    ]


def events(topic: str, payloads: list[dict[str, Any]]) -> list[Step]:
    return [
        lambda e, p=p, s=s: e.on_event(topic, {**p, "at": (T0 + timedelta(seconds=s)).isoformat()})
        for s, p in zip((0, 100), payloads, strict=True)
    ]


def bars(closes: list[float], step: timedelta) -> list[Step]:
    return [
        lambda e, n=n, c=c: e.on_bar(Bar("AAPL", T0 + n * step, c, c, c, c, 1))
        for n, c in enumerate(closes)
    ]


def stale(clock: ReplayClock) -> list[Step]:
    cache_of: dict[int, LatestPrices] = {}

    def cache(e: RuleEngine) -> LatestPrices:
        return cache_of.setdefault(id(e), LatestPrices(e.index))

    def quote_at(seconds: float) -> Step:
        return lambda e: cache(e).set_price("AAPL", 1.0, OPEN + timedelta(seconds=seconds))

    def check_at(seconds: float) -> Step:
        return lambda e: e.check_stale(cache(e), OPEN + timedelta(seconds=seconds))

    return [quote_at(0), check_at(90), quote_at(95), check_at(100), check_at(190)]


RSI_CLOSES = [10, 9, 10, 9, 10, 11, 12, 13, 12, 11, 10, 9, 10, 11, 12, 13]  # > 70 on 5 and 14
SCENARIOS: dict[str, tuple[str, dict[str, Any], list[Step]]] = {
    "price_above": ("AAPL", {"level": 100}, quotes((0, 99), (1, 101), (50, 99), (100, 101))),
    "price_below": ("AAPL", {"level": 100}, quotes((0, 101), (1, 99), (50, 101), (100, 99))),
    "price_cross": ("AAPL", {"level": 100}, quotes((0, 101), (1, 99), (100, 101))),
    "percent_move": (
        "AAPL",
        {"percent": 1, "window_seconds": 5},
        quotes((0, 100), (1, 102), (50, 102), (100, 102), (101, 104)),
    ),
    "indicator": (
        "AAPL",
        {"indicator": "RSI", "timeperiod": 3, "op": ">", "value": 70},
        bars(RSI_CLOSES, timedelta(seconds=11)),
    ),
    "drawdown": (
        "main",
        {"max_drawdown": 0.1},
        books((0, 100_000, {}), (1, 85_000, {}), (50, 110_000, {}), (100, 95_000, {})),
    ),
    "daily_loss": (
        "main",
        {"max_loss": 5_000},
        books((0, 90_000, {}), (50, 100_000, {}), (100, 90_000, {})),
    ),
    "weight_drift": (
        "main",
        {"targets": {"AAPL": 0.5}, "band": 0.1},
        books((0, 1e5, {"AAPL": 0.7}), (50, 1e5, {"AAPL": 0.5}), (100, 1e5, {"AAPL": 0.3})),
    ),
    "exposure_limit": (
        "main",
        {"limit": 1e5, "utilisation": 0.8},
        books((0, 1e5, {"AAPL": 0.9}), (50, 1e5, {"AAPL": 0.5}), (100, 1e5, {"AAPL": 0.85})),
    ),
    "var_limit": (
        "main",
        {"limit": 3_000},
        books((0, 1e5, {"A": 1, "B": 1}), (50, 1e5, {"A": 1}), (100, 1e5, {"A": 1, "B": 1})),
    ),
    "stale_data": ("AAPL", {"max_age_seconds": 60}, []),
    "disconnected": (
        "",
        {},
        events(
            topics.STREAM_STATUS, [{"source": "alpaca", "connected": False, "reason": "eof"}] * 2
        ),
    ),
    "order_rejected": (
        "",
        {},
        events(
            topics.ORDER_REJECTED,
            [
                {"symbol": "AAPL", "client_order_id": "c1", "rule": "max_qty"},
                {"symbol": "AAPL", "client_order_id": "c2", "rule": "max_qty"},
            ],
        ),
    ),
    "reconciliation_mismatch": (
        "",
        {},
        events(
            topics.RECONCILIATION, [{"account": "main", "ok": False, "differences": ["cash"]}] * 2
        ),
    ),
}


def run(store: MonitorStore, kind: str, cooldown: int) -> list[datetime]:
    scope, params, steps = SCENARIOS[kind]
    clock = ReplayClock(OPEN)
    if kind == "stale_data":
        steps = stale(clock)
    rule = check_rule(
        RuleSpec(
            f"{kind}-{cooldown}", kind, params, scope=scope or None, cooldown_seconds=cooldown
        ),
        symbols=None,
        channels=(),
    )
    engine = RuleEngine([store.add_rule(rule)], store, index=SymbolIndex(), clock=clock)
    for step in steps:
        step(engine)
        for alert in store.alerts(state=AlertState.OPEN):
            store.resolve(alert.id, by="test", at=T0)
    return [alert.raised_at for alert in engine.raised]


@pytest.mark.parametrize("kind", sorted(SCENARIOS))
def test_fires_twice_without_cooldown_and_once_inside_it(store: MonitorStore, kind: str) -> None:
    free = run(store, kind, cooldown=0)
    assert len(free) == 2, free
    gap = (free[1] - free[0]).total_seconds()
    assert 90 <= gap <= 100, gap
    assert run(store, kind, cooldown=120) == free[:1]
