"""Rules, alerts and deliveries in the ledger, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from workbench.core.errors import NotFound, ValidationError
from workbench.ledger import Ledger
from workbench.model import AlertSeverity, AlertState
from workbench.monitoring import AlertRequest, MonitorStore, RuleSpec

pytestmark = pytest.mark.requirement("MON-02")

NOW = datetime(2024, 3, 5, 15, 0, tzinfo=UTC)


@pytest.fixture
def ledger_store(ledger_url: str) -> Iterator[MonitorStore]:
    ledger = Ledger.from_url(ledger_url)
    ledger.upgrade()
    yield MonitorStore(ledger)
    ledger.dispose()


def request(rule: RuleSpec, key: str, message: str = "m") -> AlertRequest:
    return AlertRequest(rule, message, key, NOW, {"n": 1}, rule.scope, queued_at=NOW)


def test_rules_persist_with_their_owner_and_names_are_unique(ledger_store: MonitorStore) -> None:
    rule = ledger_store.add_rule(
        RuleSpec(
            "aapl",
            "price_above",
            {"level": 150.0},
            AlertSeverity.CRITICAL,
            "AAPL",
            ("email", "log"),
            cooldown_seconds=60,
            owner="ana",
        )
    )
    assert rule.id is not None
    assert ledger_store.rule("aapl") == rule == ledger_store.rule(str(rule.id))
    assert ledger_store.rules()[0].to_dict()["channels"] == ["email", "log"]
    with pytest.raises(ValidationError, match="a rule named 'aapl' already exists"):
        ledger_store.add_rule(RuleSpec("aapl", "price_below", {"level": 1.0}, scope="AAPL"))
    with pytest.raises(NotFound, match="no alert rule named 'nope'"):
        ledger_store.remove_rule("nope")


def test_alerts_move_open_acknowledged_resolved_and_outlive_their_rule(
    ledger_store: MonitorStore,
) -> None:
    rule = ledger_store.add_rule(RuleSpec("r", "disconnected", {}, channels=("log",)))
    first, twin, other = ledger_store.raise_alerts(
        [request(rule, "r:*:down"), request(rule, "r:*:down"), request(rule, "r:*:up")]
    )
    assert first is not None and twin is None and other is not None
    assert ledger_store.open_keys(["r:*:down", "r:*:up", "x"]) == {"r:*:down", "r:*:up"}
    acked = ledger_store.acknowledge(first.id, by="bo", at=NOW)
    assert acked.state == AlertState.ACKNOWLEDGED and acked.acknowledged_by == "bo"
    with pytest.raises(ValidationError, match="already acknowledged"):
        ledger_store.acknowledge(first.id, by="bo", at=NOW)
    assert ledger_store.raise_alerts([request(rule, "r:*:down")]) == [None]
    done = ledger_store.resolve(first.id, by="cy", at=NOW + timedelta(minutes=5))
    assert done.state == AlertState.RESOLVED and done.resolved_at == NOW + timedelta(minutes=5)
    with pytest.raises(ValidationError, match="already resolved"):
        ledger_store.resolve(first.id, by="cy", at=NOW)
    (again,) = ledger_store.raise_alerts([request(rule, "r:*:down")])
    assert again is not None and again.id != first.id
    ledger_store.remove_rule("r")
    kept = ledger_store.alerts()
    assert len(kept) == 3 and {a.rule_id for a in kept} == {None}
    assert [a.state for a in ledger_store.alerts(state=AlertState.RESOLVED)] == [
        AlertState.RESOLVED
    ]
    with pytest.raises(NotFound, match="no alert with id 999"):
        ledger_store.acknowledge(999, by=None, at=NOW)


def test_due_deliveries_are_claimed_once(ledger_store: MonitorStore) -> None:
    rule = ledger_store.add_rule(RuleSpec("r", "order_rejected", {}, channels=("a", "b")))
    (alert,) = ledger_store.raise_alerts([request(rule, "k")])
    assert alert is not None and [d.status for d in alert.deliveries] == ["pending", "pending"]
    lease = timedelta(seconds=30)
    jobs = ledger_store.claim_due(now=NOW, lease=lease)
    assert sorted(j.channel for j in jobs) == ["a", "b"] and jobs[0].alert.id == alert.id
    assert ledger_store.claim_due(now=NOW, lease=lease) == []  # claimed
    ledger_store.delivered(jobs[0].id, at=NOW)
    ledger_store.attempt_failed(jobs[1].id, at=NOW, error="boom", retry_at=NOW + lease * 2)
    assert ledger_store.claim_due(now=NOW + lease, lease=lease) == []
    (retry,) = ledger_store.claim_due(now=NOW + lease * 2, lease=lease)
    assert retry.id == jobs[1].id and retry.attempts == 1
    assert ledger_store.delivery_counts() == {"sent": 1, "pending": 1}
