"""The rule engine: routes what the pipeline sees (quote batches, bars, book snapshots, bus
events, the clock) to each rule's condition, then applies cooldown and de-duplication and hands
what is left to a sink (the ledger, or a dry run's list).

Cooldown is per rule and scope, in data time (a quote's or an event's own timestamp), so a
replayed day behaves as the live one did. De-duplication is the ledger's: a rule does not raise
a condition (``rule:scope:state``) again while the alert for it is open or acknowledged.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol, cast

import numpy as np

from workbench.core import topics
from workbench.core.clock import Clock, LiveClock
from workbench.core.events import EventBus
from workbench.model import Bar
from workbench.monitoring.cache import LatestPrices
from workbench.monitoring.conditions import (
    LEVEL_KINDS,
    IndicatorCondition,
    LevelRules,
    PercentMoveCondition,
    Trigger,
)
from workbench.monitoring.metrics import MonitorMetrics
from workbench.monitoring.quotes import QuoteBatch, SymbolIndex, to_nanos
from workbench.monitoring.rules import RuleSpec
from workbench.monitoring.store import AlertRecord, AlertRequest
from workbench.monitoring.watchers import (
    EVENT_KINDS,
    PortfolioCondition,
    PortfolioSnapshot,
    event_trigger,
)

__all__ = ["AlertSink", "RuleEngine"]

_BOOK_KINDS = frozenset({"drawdown", "daily_loss", "weight_drift", "exposure_limit", "var_limit"})


class AlertSink(Protocol):
    def open_keys(self, keys: Collection[str]) -> set[str]: ...

    def raise_alerts(self, requests: Sequence[AlertRequest]) -> list[AlertRecord | None]: ...


_Pending = list[tuple[RuleSpec, Trigger, str | None]]


def _moment(ns: int) -> datetime:
    return datetime.fromtimestamp(ns // 1_000_000_000, UTC).replace(
        microsecond=(ns % 1_000_000_000) // 1000
    )


class RuleEngine:
    def __init__(
        self,
        rules: Sequence[RuleSpec],
        sink: AlertSink,
        *,
        index: SymbolIndex | None = None,
        clock: Clock | None = None,
        bus: EventBus | None = None,
        metrics: MonitorMetrics | None = None,
        on_alert: Callable[[AlertRecord], None] | None = None,
    ) -> None:
        self.sink, self.bus, self.metrics, self.on_alert = sink, bus, metrics, on_alert
        self.index = index if index is not None else SymbolIndex()
        self.clock = clock or LiveClock()
        self._stale_now: set[tuple[int | None, str]] = set()
        self._last_raised: dict[tuple[int | None, str | None], int] = {}
        #: arrival-to-alert latencies in nanoseconds, for the benchmark and the tests
        self.latencies_ns: deque[int] = deque(maxlen=100_000)
        #: the newest alerts this engine raised
        self.raised: deque[AlertRecord] = deque(maxlen=1000)
        # the pipeline's worker and the bus's publishers both raise
        self._lock = threading.Lock()
        self._build(rules)

    def reload(self, rules: Sequence[RuleSpec]) -> None:
        """Take a new set of rules (added, changed or removed elsewhere) without stopping:
        cooldowns carry over by rule id; a changed rule's conditions start afresh."""
        with self._lock:
            self._build(rules)

    def _build(self, rules: Sequence[RuleSpec]) -> None:
        self.rules = [rule for rule in rules if rule.enabled]
        self._moves: dict[int, list[PercentMoveCondition]] = defaultdict(list)
        self._indicators: dict[str, list[IndicatorCondition]] = defaultdict(list)
        self._books: list[PortfolioCondition] = []
        self._events: list[RuleSpec] = []
        self._stale: list[RuleSpec] = []
        levels = [rule for rule in self.rules if rule.kind in LEVEL_KINDS]
        self._levels = LevelRules(levels, [self.index.code(str(r.scope)) for r in levels])
        for rule in self.rules:
            self._add(rule)

    def _add(self, rule: RuleSpec) -> None:
        if rule.kind in LEVEL_KINDS:
            return
        if rule.kind == "percent_move":
            self._moves[self.index.code(str(rule.scope))].append(PercentMoveCondition(rule))
        elif rule.kind == "indicator":
            self._indicators[str(rule.scope)].append(IndicatorCondition(rule))
        elif rule.kind in _BOOK_KINDS:
            self._books.append(PortfolioCondition(rule))
        elif rule.kind in EVENT_KINDS:
            self._events.append(rule)
        elif rule.kind == "stale_data":
            self._stale.append(rule)

    @property
    def event_topics(self) -> set[str]:
        return {topic for rule in self._events for topic in EVENT_KINDS[rule.kind]}

    # -- what the rules see --------------------------------------------------------------------
    def on_batch(self, batch: QuoteBatch) -> list[AlertRecord]:
        """Price rules over a validated batch, grouped by symbol (``QuoteValidator``'s output)."""
        if not (self._levels.rules or self._moves) or len(batch) == 0:
            return []
        codes = batch.symbol
        starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
        ends = np.r_[starts[1:], len(codes)]
        group_of = np.full(int(codes.max()) + 1, -1, dtype=np.int64)
        group_of[codes[starts]] = np.arange(len(starts))
        mid = batch.mid
        pending: _Pending = [
            (rule, trigger, rule.scope)
            for rule, trigger in self._levels.on_groups(batch.ts, mid, starts, ends, group_of)
        ]
        for code, conditions in self._moves.items():
            group = int(group_of[code]) if code < len(group_of) else -1
            if group < 0:
                continue
            rows = slice(int(starts[group]), int(ends[group]))
            for condition in conditions:
                rule = condition.rule
                pending += [
                    (rule, t, rule.scope) for t in condition.on_prices(batch.ts[rows], mid[rows])
                ]
        # one batch's alerts in data-time order, written in one transaction
        pending.sort(key=lambda item: item[1].at_ns)
        return self._fire(pending, batch.arrived_ns)

    def on_bar(self, bar: Bar) -> list[AlertRecord]:
        pending: _Pending = []
        for condition in self._indicators.get(bar.symbol, ()):
            trigger = condition.on_close(bar.close, to_nanos(bar.timestamp))
            if trigger is not None:
                pending.append((condition.rule, trigger, condition.rule.scope))
        return self._fire(pending)

    def on_snapshot(self, book: PortfolioSnapshot) -> list[AlertRecord]:
        pending: _Pending = []
        for condition in self._books:
            trigger = condition.on_snapshot(book)
            if trigger is not None:
                pending.append((condition.rule, trigger, book.account))
        return self._fire(pending)

    def on_event(self, topic: str, payload: Mapping[str, Any]) -> list[AlertRecord]:
        at = payload.get("at")
        if isinstance(at, datetime):
            moment = at
        else:
            moment = datetime.fromisoformat(at) if isinstance(at, str) else self.clock.now()
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        pending: _Pending = []
        for rule in self._events:
            trigger = event_trigger(rule, topic, payload, moment)
            if trigger is not None:
                scope = str(trigger.details.get("source") or trigger.details.get("account") or "")
                pending.append((rule, trigger, rule.scope or scope or None))
        return self._fire(pending)

    def check_stale(self, cache: LatestPrices, now: datetime | None = None) -> list[AlertRecord]:
        """Stale-data rules: a watched symbol without a quote for ``max_age_seconds`` while the
        market is open (XNYS calendar); a fresh quote re-arms the rule."""
        if not self._stale:
            return []
        now = now or self.clock.now()
        if not _market_open(now):
            return []
        now_ns, pending = to_nanos(now), cast(_Pending, [])
        for rule in self._stale:
            symbols = [rule.scope] if rule.scope else [p.symbol for p in cache.snapshot()]
            max_age = int(float(rule.params["max_age_seconds"]) * 1e9)
            for symbol in symbols:
                last = cache.last_seen_ns(symbol)
                key = (rule.id, symbol)
                if last is not None and now_ns - last <= max_age:
                    self._stale_now.discard(key)
                    continue
                if key in self._stale_now:
                    continue
                self._stale_now.add(key)
                age = (
                    "never quoted"
                    if last is None
                    else f"no quote for {(now_ns - last) / 1e9:.0f} s"
                )
                trigger = Trigger(
                    "stale",
                    f"{symbol}: {age} while the market is open",
                    now_ns,
                    {"symbol": symbol, "last_quote_ns": last},
                )
                pending.append((rule, trigger, symbol))
        return self._fire(pending)

    # -- raising -------------------------------------------------------------------------------
    def _fire(self, pending: _Pending, arrived_ns: int = 0) -> list[AlertRecord]:
        if not pending:
            return []
        with self._lock:
            return self._fire_locked(pending, arrived_ns)

    def _fire_locked(self, pending: _Pending, arrived_ns: int) -> list[AlertRecord]:
        """Cooldown and de-duplication in trigger order, so that one batch of n quotes raises
        what n batches of one would: a trigger held back as a duplicate does not start a
        cooldown."""
        keys = [self._dedup_key(rule, trigger, scope) for rule, trigger, scope in pending]
        already_open = self.sink.open_keys(set(keys))
        requests: list[AlertRequest] = []
        queued_at = self.clock.now()
        for (rule, trigger, scope), key in zip(pending, keys, strict=True):
            last = self._last_raised.get((rule.id, scope))
            if last is not None and trigger.at_ns - last < rule.cooldown_seconds * 1_000_000_000:
                self._suppressed("cooldown")
                continue
            if key in already_open:
                self._suppressed("duplicate")
                continue
            already_open.add(key)
            self._last_raised[(rule.id, scope)] = trigger.at_ns
            requests.append(
                AlertRequest(
                    rule=rule,
                    message=trigger.message,
                    dedup_key=key,
                    raised_at=_moment(trigger.at_ns),
                    details=trigger.details,
                    scope=scope,
                    queued_at=queued_at,
                )
            )
        # the ledger checks again in its transaction: another process may have raised it
        raised = [a for a in (self.sink.raise_alerts(requests) if requests else []) if a]
        if raised and arrived_ns:
            latency = time.perf_counter_ns() - arrived_ns
            self.latencies_ns.extend([latency] * len(raised))
            if self.metrics is not None:
                for _ in raised:
                    self.metrics.alert_latency.observe(latency / 1e9)
        for alert in raised:
            if self.metrics is not None:
                self.metrics.alerts.labels(severity=alert.severity.value).inc()
            self.raised.append(alert)
            if self.bus is not None:
                self.bus.publish(topics.ALERT, alert.to_alert())
            if self.on_alert is not None:
                self.on_alert(alert)
        return raised

    @staticmethod
    def _dedup_key(rule: RuleSpec, trigger: Trigger, scope: str | None) -> str:
        return f"{rule.id or rule.name}:{scope or '*'}:{trigger.state}"[:128]

    def _suppressed(self, reason: str) -> None:
        if self.metrics is not None:
            self.metrics.suppressed.labels(reason=reason).inc()


def _market_open(moment: datetime) -> bool:
    from workbench.exchange.sessions import exchange_calendar

    return exchange_calendar().is_open(moment)
