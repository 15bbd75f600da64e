"""The event bus's topics: one name per kind of event, and what its payload is.

Publishers and subscribers (monitoring's rules, the API's WebSocket fan-out, the live runner)
meet here, so a topic is spelt once. Payloads are ``workbench.model`` objects or plain dicts
with the keys listed; dicts hold JSON-friendly values (str, int, float, bool, None, lists).
"""

from __future__ import annotations

__all__ = [
    "ALERT",
    "BAR",
    "BROKER_STATUS",
    "FILL",
    "JOB",
    "ORDER",
    "ORDER_REJECTED",
    "QUOTE",
    "QUOTES",
    "RECONCILIATION",
    "RISK_DECISION",
    "STREAM_STATUS",
    "TRADE",
    "TRADING_STATE",
]

#: one ``model.Quote``
QUOTE = "market.quote"
#: a batch of quotes as a ``list[model.Quote]``, oldest first (what a fast source publishes)
QUOTES = "market.quotes"
#: one ``model.Trade``
TRADE = "market.trade"
#: one ``model.Bar`` (a completed bar; an updated bar of the same time replaces it)
BAR = "market.bar"
#: a market-data stream connected or dropped: ``{"source", "connected", "reason",
#: "reconnects", "at"}``
STREAM_STATUS = "stream.status"
#: the broker answered or stopped answering: ``{"broker", "connected", "reason", "at"}``
BROKER_STATUS = "broker.status"

#: an order changed state: ``{"account", "order_id", "client_order_id", "symbol", "side",
#: "status", "previous", "kind", "filled_qty", "reason", "strategy", "at"}``
ORDER = "order.event"
#: an order ended rejected, by the risk gate or the broker: ``{"account", "client_order_id",
#: "symbol", "side", "qty", "notional", "rule", "reason", "strategy", "at"}`` (``rule`` is the
#: risk rule's name, or ``"broker"``)
ORDER_REJECTED = "order.rejected"
#: one ``model.Fill`` the ledger has just applied
FILL = "order.fill"
#: the risk gate decided: ``{"account", "client_order_id", "symbol", "approved", "rule",
#: "reason", "checks", "at"}``
RISK_DECISION = "risk.decision"
#: the trading state changed: ``{"account", "state", "previous", "actor", "reason", "at"}``
TRADING_STATE = "trading.state"
#: a reconciliation finished: ``{"account", "ok", "adopted", "fills_applied",
#: "differences": [str], "at"}``
RECONCILIATION = "reconciliation.result"
#: monitoring raised an alert: ``model.Alert``
ALERT = "alert.raised"

#: a job changed state or moved on: ``{"job_id", "kind", "owner", "state", "previous",
#: "progress", "message", "result_id", "error", "at"}`` (``previous`` equals ``state`` when only
#: the progress moved; ``at`` ISO 8601 UTC). The ``jobs`` WebSocket channel shows a job's events
#: to its owner (and to admins).
JOB = "job.state"
