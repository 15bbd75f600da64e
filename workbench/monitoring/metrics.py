"""Prometheus metrics (prometheus-client) in a registry of their own, not the global one: each
runtime owns a ``MonitorMetrics``, and the API serves ``render()`` at ``/metrics``.

Order, fill, reject and reconciliation counts come from the event bus (``attach``); the
pipeline and the engine update quote, drop, lag and alert figures as they go.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from workbench.core import topics
from workbench.core.events import EventBus

__all__ = ["MonitorMetrics"]


class MonitorMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.orders = Counter(
            "workbench_orders", "Order state changes by status", ["status"], registry=r
        )
        self.rejects = Counter(
            "workbench_order_rejects",
            "Rejected orders by the rule that refused them",
            ["rule"],
            registry=r,
        )
        self.fills = Counter("workbench_fills", "Fills applied to the ledger", registry=r)
        self.alerts = Counter(
            "workbench_alerts", "Alerts raised by severity", ["severity"], registry=r
        )
        self.suppressed = Counter(
            "workbench_alerts_suppressed", "Alert triggers held back", ["reason"], registry=r
        )
        self.deliveries = Counter(
            "workbench_alert_deliveries",
            "Delivery attempts by outcome",
            ["channel", "outcome"],
            registry=r,
        )
        self.quotes = Counter(
            "workbench_pipeline_quotes",
            "Quotes through the pipeline by outcome",
            ["outcome"],
            registry=r,
        )
        self.batches = Counter("workbench_pipeline_batches", "Batches processed", registry=r)
        self.throughput = Gauge(
            "workbench_pipeline_quotes_per_second",
            "Quotes per second over the last processed batch",
            registry=r,
        )
        self.quote_lag = Gauge(
            "workbench_quote_lag_seconds",
            "Clock now minus the newest quote's time, at the last batch",
            registry=r,
        )
        self.alert_latency = Histogram(
            "workbench_alert_latency_seconds",
            "A quote's arrival to its alert's creation",
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
            registry=r,
        )
        self.reconciliation_mismatches = Counter(
            "workbench_reconciliation_mismatches",
            "Reconciliations that found differences",
            registry=r,
        )

    def attach(self, bus: EventBus) -> Callable[[], None]:
        """Count the bus's order, fill, reject and reconciliation events; returns a detach."""
        handlers: dict[str, Callable[[str, Any], None]] = {
            topics.ORDER: lambda _, p: self.orders.labels(status=str(p.get("status"))).inc(),
            topics.ORDER_REJECTED: lambda _, p: self.rejects.labels(rule=str(p.get("rule"))).inc(),
            topics.FILL: lambda _, p: self.fills.inc(),
            topics.RECONCILIATION: self._reconciled,
        }
        stops = [bus.subscribe(topic, handler) for topic, handler in handlers.items()]

        def detach() -> None:
            for stop in stops:
                stop()

        return detach

    def _reconciled(self, topic: str, payload: Any) -> None:
        if not payload.get("ok", True):
            self.reconciliation_mismatches.inc()

    def render(self) -> bytes:
        """The text exposition format, as ``/metrics`` serves it."""
        return generate_latest(self.registry)
