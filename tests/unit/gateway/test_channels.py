"""The channel table: docs/api.md shows the one in code; every channel's topics are relayed."""

from __future__ import annotations

from pathlib import Path

from workbench.core import topics
from workbench.gateway.channels import CHANNELS, RELAYED_TOPICS, channel_table, event_frame

DOCS = Path(__file__).parents[3] / "docs" / "api.md"


def test_the_docs_show_the_channel_table_of_the_code() -> None:
    text = DOCS.read_text()
    start = text.index("<!-- ws-channels:start -->") + len("<!-- ws-channels:start -->")
    assert text[start : text.index("<!-- ws-channels:end -->")].strip() == channel_table()


def test_every_channel_topic_is_relayed_and_a_frame_is_json() -> None:
    import json

    assert {t for c in CHANNELS.values() for t in c.topics} == RELAYED_TOPICS
    assert topics.ORDER in RELAYED_TOPICS and topics.BAR not in RELAYED_TOPICS
    frame = json.loads(event_frame("orders", topics.ORDER, '{"symbol": "AAPL"}'))
    assert frame == {
        "type": "event",
        "channel": "orders",
        "topic": topics.ORDER,
        "data": {"symbol": "AAPL"},
    }
