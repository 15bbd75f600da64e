"""Use cases of monitoring: alert rules (add, list, remove, test on the lake's history), alerts
(list, acknowledge, resolve), deliveries, and the running monitor behind the live view. Health
and readiness live in ``ops.health`` and are named here too.

Channel settings come from ``WB_...`` environment variables (``ChannelSettings``); a rule may
name only a channel the environment configures, and a symbol only one the lake holds.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from workbench.core.errors import ValidationError
from workbench.model import AlertSeverity, AlertState, validate_period
from workbench.monitoring import (
    RULE_KINDS,
    AlertRecord,
    AlertRequest,
    Channel,
    ChannelSettings,
    Dispatcher,
    DispatchResult,
    MonitorStore,
    RuleSpec,
    check_rule,
    configured_channels,
)
from workbench.ops.health import HealthReport, Readiness, health, readiness

if TYPE_CHECKING:
    from workbench.monitoring.service import MonitorService
    from workbench.runtime import Runtime

__all__ = [
    "AlertRecord",
    "HealthReport",
    "Readiness",
    "RuleDryRun",
    "RuleSpec",
    "WatchView",
    "acknowledge_alert",
    "add_rule",
    "channel_names",
    "deliver",
    "dry_run_rule",
    "health",
    "list_alerts",
    "list_rules",
    "metrics_text",
    "readiness",
    "remove_rule",
    "resolve_alert",
    "rule_kinds",
    "start_monitor",
    "watch_view",
]

_MARKET_KINDS = frozenset(
    {"price_above", "price_below", "price_cross", "percent_move", "indicator"}
)


def _channels() -> dict[str, Channel]:
    return configured_channels(ChannelSettings())


def _store(rt: Runtime) -> MonitorStore:
    return MonitorStore(rt.ledger)


def _symbols(rt: Runtime) -> list[str]:
    lake = rt.data
    return lake.symbols("bars_1d") if "bars_1d" in lake.datasets() else []


def channel_names() -> list[str]:
    return sorted(_channels())


def rule_kinds() -> dict[str, str]:
    return {name: kind.summary for name, kind in RULE_KINDS.items()}


def add_rule(
    rt: Runtime,
    *,
    name: str,
    kind: str,
    params: Mapping[str, Any],
    scope: str | None = None,
    severity: str = "warning",
    channels: Sequence[str] = (),
    cooldown_seconds: int = 0,
    owner: str | None = None,
    actor: str | None = None,
) -> RuleSpec:
    """Check and store a rule; ``actor`` (default: ``owner``) is who, for the audit chain."""
    try:
        level = AlertSeverity(severity)
    except ValueError:
        valid = ", ".join(s.value for s in AlertSeverity)
        raise ValidationError(f"unknown severity {severity!r}; valid: {valid}") from None
    spec = RuleSpec(
        name=name,
        kind=kind,
        params=dict(params),
        severity=level,
        scope=scope,
        channels=tuple(channels),
        cooldown_seconds=cooldown_seconds,
        owner=owner,
    )
    checked = check_rule(spec, symbols=_symbols(rt), channels=_channels())
    return _store(rt).add_rule(checked, actor=actor or owner or "unknown")


def list_rules(rt: Runtime) -> list[RuleSpec]:
    return _store(rt).rules()


def remove_rule(rt: Runtime, name: str, *, actor: str | None = None) -> RuleSpec:
    """Delete a rule (its alerts stay), audited with ``actor``."""
    return _store(rt).remove_rule(name, actor=actor or "unknown")


@dataclass(frozen=True)
class RuleDryRun:
    """What a rule would have raised over the lake's daily bars: a dry run, nothing stored."""

    rule: RuleSpec
    start: date | None
    end: date | None
    bars: int
    alerts: list[dict[str, Any]] = field(default_factory=list)


class _DryRun:
    def __init__(self) -> None:
        self.alerts: list[dict[str, Any]] = []

    def open_keys(self, keys: Collection[str]) -> set[str]:
        return set()  # a dry run resolves each alert at once

    def raise_alerts(self, requests: Sequence[AlertRequest]) -> list[AlertRecord | None]:
        found: list[AlertRecord | None] = []
        for r in requests:
            self.alerts.append(
                {"raised_at": r.raised_at, "message": r.message, "details": r.details}
            )
            found.append(
                AlertRecord(
                    len(self.alerts),
                    r.rule.id,
                    r.rule.name,
                    r.rule.severity,
                    AlertState.OPEN,
                    r.message,
                    r.scope,
                    r.details,
                    r.dedup_key,
                    r.raised_at,
                )
            )
        return found


def dry_run_rule(
    rt: Runtime, name: str, *, start: date | None = None, end: date | None = None
) -> RuleDryRun:
    """Replay the lake's daily closes of the rule's symbol through it; cooldown applies, and
    each alert counts as resolved at once (so repeats show)."""
    from workbench.monitoring import RuleEngine, SymbolIndex
    from workbench.monitoring.replay import bars_frame_steps

    validate_period(start, end)
    rule = _store(rt).rule(name)
    if rule.kind not in _MARKET_KINDS:
        raise ValidationError(
            f"rules test replays market data; a {rule.kind} rule watches the book or events"
        )
    frame = rt.data.bars(rule.scope, start, end)
    sink = _DryRun()
    engine = RuleEngine([rule], sink, index=SymbolIndex())
    count = 0
    for step in bars_frame_steps(frame, engine.index):
        engine.on_batch(step.quotes)
        for bar in step.bars:
            engine.on_bar(bar)
        count += len(step.quotes)
    return RuleDryRun(rule, start, end, count, sink.alerts)


def list_alerts(rt: Runtime, *, state: str | None = None, limit: int = 50) -> list[AlertRecord]:
    try:
        wanted = None if state is None else AlertState(state)
    except ValueError:
        valid = ", ".join(s.value for s in AlertState)
        raise ValidationError(f"unknown alert state {state!r}; valid: {valid}") from None
    return _store(rt).alerts(state=wanted, limit=limit)


def acknowledge_alert(rt: Runtime, alert_id: int, *, by: str | None) -> AlertRecord:
    """Acknowledge an open alert; ``by`` is recorded on it and is the audit chain's actor."""
    return _store(rt).acknowledge(alert_id, by=by, at=rt.clock.now())


def resolve_alert(rt: Runtime, alert_id: int, *, by: str | None) -> AlertRecord:
    return _store(rt).resolve(alert_id, by=by, at=rt.clock.now())


def deliver(rt: Runtime) -> DispatchResult:
    """Send every delivery due now, once (retries stay queued for the next call)."""
    settings = ChannelSettings()
    dispatcher = Dispatcher(
        _store(rt), _channels(), clock=rt.clock, timeout=settings.channel_timeout
    )
    with dispatcher:
        return dispatcher.dispatch_due()


def metrics_text(rt: Runtime) -> bytes:
    """The runtime's Prometheus figures in the text exposition format."""
    return rt.metrics.render()


def start_monitor(
    rt: Runtime,
    *,
    symbols: Sequence[str] = (),
    replay_from: date | None = None,
    stream: bool = False,
    pace_seconds: float = 0.5,
) -> MonitorService:
    """The running monitor on the runtime's bus. Market data comes from the runtime's market
    stream (``stream``: quotes, trades and bars of ``symbols`` from ``WB_DATA__SOURCE``, Alpaca
    at ``WB_ALPACA__...`` or the local exchange), from a replay of the lake's daily bars from
    ``replay_from`` (a thread), or from whatever else publishes on the bus."""
    # here, not at the top: the service and its quote pipeline import numpy, which the other
    # use cases here (``health`` above all, a simple read) do not need
    from workbench.monitoring.book import HistoricalBookVaR
    from workbench.monitoring.service import MonitorService

    if stream and replay_from is not None:
        raise ValidationError("watch a stream or replay the lake, not both")
    if stream and not symbols:
        raise ValidationError("a stream needs the symbols to subscribe to, e.g. --symbols AAPL")
    settings = ChannelSettings()
    uses_var = any(rule.kind == "var_limit" for rule in _store(rt).rules(enabled_only=True))
    service = MonitorService(
        rt.ledger,
        _channels(),
        bus=rt.bus,
        clock=rt.clock,
        channel_timeout=settings.channel_timeout,
        tick_seconds=1.0,
        var=HistoricalBookVaR(rt.data) if uses_var else None,
    )
    service.start()
    if stream:
        service.run_stream(rt.market_stream(), symbols=symbols)
    if replay_from is not None:
        import threading

        from workbench.monitoring.replay import bars_frame_steps

        frame = rt.data.bars(list(symbols) or None, replay_from, None)
        steps = bars_frame_steps(frame, service.pipeline.index)
        threading.Thread(
            target=service.replay,
            args=(steps,),
            kwargs={"pace_seconds": pace_seconds},
            name="wb-monitor-replay",
            daemon=True,
        ).start()
    return service


@dataclass(frozen=True)
class WatchView:
    """One frame of ``monitor watch``: latest quotes, positions, newest alerts, pipeline."""

    quotes: list[dict[str, Any]]
    positions: list[dict[str, Any]]
    alerts: list[AlertRecord]
    pipeline: dict[str, Any]


def watch_view(service: MonitorService, *, alerts: int = 10) -> WatchView:
    book = service.tick()
    positions = [
        {
            "account": p.account,
            "symbol": p.symbol,
            "qty": p.qty,
            "price": p.price,
            "market_value": p.market_value,
            "unrealized_pl": p.unrealized_pl,
            "priced": p.priced,
        }
        for p in book.positions
    ]
    quotes = [price.to_dict() for price in service.pipeline.cache.snapshot()]
    return WatchView(
        quotes, positions, service.store.alerts(limit=alerts), service.pipeline.stats().to_dict()
    )
