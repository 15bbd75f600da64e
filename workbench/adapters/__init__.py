"""Floor 4: venue adapters. The ports (``ports``: ``Broker``, ``MarketData``, ``MarketStream``)
and one package per venue, alike in shape (``config``, ``data``, ``execution``): ``paper`` (the
exchange's matching engine in-process) and ``alpaca`` (alpaca-py); a venue's SDK is imported
only inside its package."""

from workbench.adapters.ports import (
    Broker,
    BrokerEvent,
    MarketData,
    MarketStream,
    OrderStatusFilter,
    StreamStatus,
)

__all__ = [
    "Broker",
    "BrokerEvent",
    "MarketData",
    "MarketStream",
    "OrderStatusFilter",
    "StreamStatus",
]
