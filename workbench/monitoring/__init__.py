"""Floor 5: monitoring. The quote pipeline (validation, latest prices, incremental indicators),
alert rules and the engine that evaluates them, alerts and their deliveries in the ledger,
notification channels, health checks and Prometheus metrics.

May import model, core, data, ledger, analysis, strategy, adapters' ports and exchange; never
execution or reporting, its siblings.

Names load on first use (PEP 562): ``monitor health`` reads only the ledger, and must not
pay for numpy, which the quote pipeline and the price cache import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.core.lazy import lazy_attributes

if TYPE_CHECKING:
    from workbench.monitoring.book import BookPosition, BookView, HistoricalBookVaR, value_books
    from workbench.monitoring.cache import LatestPrice, LatestPrices
    from workbench.monitoring.channels import Channel, ChannelSettings, configured_channels
    from workbench.monitoring.conditions import Trigger
    from workbench.monitoring.delivery import Dispatcher, DispatchResult
    from workbench.monitoring.engine import AlertSink, RuleEngine
    from workbench.monitoring.health import (
        HealthCheck,
        HealthReport,
        HealthThresholds,
        run_health_checks,
    )
    from workbench.monitoring.indicators import EMA, RSI, SMA, make_indicator
    from workbench.monitoring.metrics import MonitorMetrics
    from workbench.monitoring.pipeline import PipelineStats, QuotePipeline
    from workbench.monitoring.quotes import QuoteBatch, SymbolIndex, to_nanos
    from workbench.monitoring.replay import ReplayStep, bars_frame_steps
    from workbench.monitoring.rules import RULE_KINDS, RuleKind, RuleSpec, check_rule
    from workbench.monitoring.service import MonitorService
    from workbench.monitoring.store import (
        AlertRecord,
        AlertRequest,
        DeliveryJob,
        DeliveryRecord,
        MonitorStore,
    )
    from workbench.monitoring.validation import QuoteValidator, ValidationCounts
    from workbench.monitoring.watchers import PortfolioSnapshot

__all__ = [
    "EMA",
    "RSI",
    "RULE_KINDS",
    "SMA",
    "AlertRecord",
    "AlertRequest",
    "AlertSink",
    "BookPosition",
    "BookView",
    "Channel",
    "ChannelSettings",
    "DeliveryJob",
    "DeliveryRecord",
    "DispatchResult",
    "Dispatcher",
    "HealthCheck",
    "HealthReport",
    "HealthThresholds",
    "HistoricalBookVaR",
    "LatestPrice",
    "LatestPrices",
    "MonitorMetrics",
    "MonitorService",
    "MonitorStore",
    "PipelineStats",
    "PortfolioSnapshot",
    "QuoteBatch",
    "QuotePipeline",
    "QuoteValidator",
    "ReplayStep",
    "RuleEngine",
    "RuleKind",
    "RuleSpec",
    "SymbolIndex",
    "Trigger",
    "ValidationCounts",
    "bars_frame_steps",
    "check_rule",
    "configured_channels",
    "make_indicator",
    "run_health_checks",
    "to_nanos",
    "value_books",
]

_HOME = {
    "AlertRecord": "store",
    "AlertRequest": "store",
    "AlertSink": "engine",
    "BookPosition": "book",
    "BookView": "book",
    "Channel": "channels",
    "ChannelSettings": "channels",
    "DeliveryJob": "store",
    "DeliveryRecord": "store",
    "DispatchResult": "delivery",
    "Dispatcher": "delivery",
    "EMA": "indicators",
    "HealthCheck": "health",
    "HealthReport": "health",
    "HealthThresholds": "health",
    "HistoricalBookVaR": "book",
    "LatestPrice": "cache",
    "LatestPrices": "cache",
    "MonitorMetrics": "metrics",
    "MonitorService": "service",
    "MonitorStore": "store",
    "PipelineStats": "pipeline",
    "PortfolioSnapshot": "watchers",
    "QuoteBatch": "quotes",
    "QuotePipeline": "pipeline",
    "QuoteValidator": "validation",
    "RSI": "indicators",
    "RULE_KINDS": "rules",
    "ReplayStep": "replay",
    "RuleEngine": "engine",
    "RuleKind": "rules",
    "RuleSpec": "rules",
    "SMA": "indicators",
    "SymbolIndex": "quotes",
    "Trigger": "conditions",
    "ValidationCounts": "validation",
    "bars_frame_steps": "replay",
    "check_rule": "rules",
    "configured_channels": "channels",
    "make_indicator": "indicators",
    "run_health_checks": "health",
    "to_nanos": "quotes",
    "value_books": "book",
}

__getattr__ = lazy_attributes(__name__, _HOME)
