"""The channel table: docs/api.md shows the one in code; every channel's topics are relayed."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.core import topics
from workbench.gateway.channels import CHANNELS, RELAYED_TOPICS, channel_table, event_frame

pytestmark = pytest.mark.requirement("INT-05")

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


def test_a_job_event_is_its_owners_on_the_jobs_channel() -> None:
    """The payload the job store publishes names the owner the jobs channel filters on."""
    from datetime import UTC, datetime

    from workbench.core.events import EventBus
    from workbench.gateway.channels import owner_of
    from workbench.ops.jobs._store import JobInfo, publish

    bus = EventBus()
    seen: list[object] = []
    bus.subscribe(topics.JOB, lambda _topic, payload: seen.append(payload))
    info = JobInfo(7, "backtest", "alice", "running", 0.5, None, {}, None, None, None, 1,
                   datetime.now(UTC), None, None)  # fmt: skip
    publish(type("Rt", (), {"bus": bus})(), info, "queued")  # type: ignore[arg-type]
    assert owner_of(CHANNELS["jobs"], seen[0]) == "alice"
