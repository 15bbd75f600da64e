"""The ``/ws`` channels: which bus topics each carries and the permission a caller's role needs
to subscribe. One table (``CHANNELS``); docs/api.md shows it and a test checks they agree."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workbench.core import topics
from workbench.model import Permission

__all__ = [
    "CHANNELS",
    "JOB_TOPIC",
    "RELAYED_TOPICS",
    "Channel",
    "channel_table",
    "channels_of",
    "event_frame",
    "of_symbols",
]

#: a job changed state (``topics.JOB``: ``{"job_id", "owner", "state", "progress", ...}``)
JOB_TOPIC = topics.JOB


@dataclass(frozen=True)
class Channel:
    name: str
    permission: Permission
    topics: tuple[str, ...]
    what: str
    #: when set, an event reaches only the user its payload names under this key, unless the
    #: caller's role has ``see_all``
    owner_key: str | None = None
    see_all: Permission | None = None
    #: when set, a subscriber may ask for some symbols only: an event (or each item of a
    #: batch) names its symbol under this key
    symbol_key: str | None = None


CHANNELS: Mapping[str, Channel] = {
    channel.name: channel
    for channel in (
        Channel(
            "quotes",
            Permission.READ_MARKET_DATA,
            (topics.QUOTE, topics.QUOTES),
            "live quotes (one, or a batch as a list); `symbols` narrows a subscription",
            symbol_key="symbol",
        ),
        Channel(
            "orders",
            Permission.READ_PORTFOLIO,
            (topics.ORDER, topics.ORDER_REJECTED),
            "an order changed state; an order was rejected (risk rule or broker)",
        ),
        Channel("fills", Permission.READ_PORTFOLIO, (topics.FILL,), "a fill the ledger booked"),
        Channel(
            "portfolio",
            Permission.READ_PORTFOLIO,
            (topics.FILL, topics.TRADING_STATE, topics.RECONCILIATION),
            "what changes the account: fills, the trading state, reconciliations",
        ),
        Channel("alerts", Permission.READ_PORTFOLIO, (topics.ALERT,), "monitoring raised an alert"),
        Channel(
            "jobs",
            Permission.RUN_BACKTESTS,
            (JOB_TOPIC,),
            "a job changed state or progressed (the caller's own; an admin sees all)",
            owner_key="owner",
            see_all=Permission.MANAGE_USERS,
        ),
    )
}

_BY_TOPIC: dict[str, tuple[Channel, ...]] = {}
for _channel in CHANNELS.values():
    for _topic in _channel.topics:
        _BY_TOPIC[_topic] = (*_BY_TOPIC.get(_topic, ()), _channel)

#: every topic a channel carries: what the relay sends over Redis
RELAYED_TOPICS = frozenset(_BY_TOPIC)


def channels_of(topic: str) -> tuple[Channel, ...]:
    return _BY_TOPIC.get(topic, ())


def event_frame(channel: str, topic: str, data_json: str) -> str:
    """The text frame a subscriber gets: ``data_json`` is already JSON (serialised once per
    event, not once per client)."""
    head = json.dumps({"type": "event", "channel": channel, "topic": topic})
    return f'{head[:-1]}, "data": {data_json}}}'


def owner_of(channel: Channel, data: Any) -> str | None:
    if channel.owner_key is None or not isinstance(data, dict):
        return None
    owner = data.get(channel.owner_key)
    return str(owner) if owner is not None else None


def of_symbols(channel: Channel, data: Any, symbols: frozenset[str]) -> Any | None:
    """``data`` narrowed to ``symbols``: a quote of another symbol is None, a batch keeps the
    quotes of those symbols (None when it keeps none)."""
    key = channel.symbol_key
    if isinstance(data, list):
        kept = [item for item in data if isinstance(item, dict) and item.get(key) in symbols]
        return kept or None
    if isinstance(data, dict) and data.get(key) in symbols:
        return data
    return None


def channel_table() -> str:
    """The table docs/api.md shows (a test keeps the two the same)."""
    from workbench.model import Role, can

    roles = list(Role)
    head = "| channel | topics | permission | " + " | ".join(r.value for r in roles) + " | what |"
    rows = [head, "|" + "---|" * (len(roles) + 4)]
    for channel in CHANNELS.values():
        allowed = " | ".join("yes" if can(r, channel.permission) else "-" for r in roles)
        listed = ", ".join(f"`{t}`" for t in channel.topics)
        rows.append(
            f"| `{channel.name}` | {listed} | `{channel.permission.value}` | {allowed} "
            f"| {channel.what} |"
        )
    return "\n".join(rows)
