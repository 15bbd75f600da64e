"""What the API's instances share, through Redis when ``WB_REDIS_URL`` is set and in-process
otherwise: the event hub behind ``/ws`` (``hub``, ``session``, ``channels``), the relay that
carries the event bus of any process to every instance (``relay``), and the rate-limit token
buckets (``ratelimit``).

Nothing here knows HTTP or a web framework: a connection is the small ``Connection`` protocol
(``session``), and the caller's identity comes from an ``authenticate`` function the API hands
in (``ops.auth``). Submodules are imported directly; this package imports nothing at start-up
(a CLI command with Redis configured attaches the relay without paying for the hub)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.core.lazy import lazy_attributes

if TYPE_CHECKING:
    from workbench.gateway.channels import CHANNELS, Channel, channel_table
    from workbench.gateway.hub import FanoutState, Hub
    from workbench.gateway.ratelimit import LimiterState, RateLimiter
    from workbench.gateway.relay import EventRelay
    from workbench.gateway.session import ClientSession, Connection

__all__ = [
    "CHANNELS",
    "Channel",
    "ClientSession",
    "Connection",
    "EventRelay",
    "FanoutState",
    "Hub",
    "LimiterState",
    "RateLimiter",
    "channel_table",
]

__getattr__ = lazy_attributes(
    __name__,
    {
        "CHANNELS": "channels",
        "Channel": "channels",
        "channel_table": "channels",
        "FanoutState": "hub",
        "Hub": "hub",
        "LimiterState": "ratelimit",
        "RateLimiter": "ratelimit",
        "EventRelay": "relay",
        "Connection": "session",
        "ClientSession": "session",
    },
)
