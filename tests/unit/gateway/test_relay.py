"""The relay queues bus events without waiting and gives up the oldest when Redis is away."""

from __future__ import annotations

import socket

import pytest

from workbench.core import topics
from workbench.core.events import EventBus
from workbench.gateway.relay import EventRelay, decode, encode

pytestmark = pytest.mark.requirement("INT-05")


def test_an_envelope_round_trips_and_garbage_is_ignored() -> None:
    event = decode(encode("me", topics.ORDER, {"symbol": "AAPL"}))
    assert event is not None and (event.origin, event.topic) == ("me", topics.ORDER)
    assert event.data == {"symbol": "AAPL"}
    assert decode(b"not json") is None and decode('{"topic": "x"}') is None


def test_without_redis_publishing_never_blocks_and_flush_returns() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bus = EventBus()
    relay = EventRelay(f"redis://127.0.0.1:{port}/0", "test", "me", capacity=5)
    relay.attach(bus)
    for n in range(50):
        bus.publish(topics.ORDER, {"n": n})
    bus.publish(topics.BAR, {"not": "relayed"})
    assert relay.flush(timeout=10)  # every event published or given up
    relay.close()
    assert relay.published == 0 and relay.dropped == 50
