"""Audit completeness: the ledger replayed against its chain. A ledger whose every change went
through ``workbench.ops`` is complete; a change written behind the chain's back (a role set in
SQL, an order or an event inserted, a key revoked) is named, while the chain alone still
verifies, and ``workbench audit verify --complete`` exits 1 on it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from workbench.interfaces.cli.audit import app
from workbench.ledger import ApiKeyRow, OrderEventRow, OrderRow, UserRow
from workbench.model import Role
from workbench.ops import audit_completeness, keys, monitor, trade, users
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("RSK-04")

PASSWORD = "a long enough password 1"
ADMIN = "cli:tester"


def _every_kind_of_change(rt: Runtime) -> None:
    users.add(rt, "alice", PASSWORD, role=Role.VIEWER, actor=ADMIN)
    users.set_role(rt, "alice", Role.TRADER, actor=ADMIN)
    users.add(rt, "bob", PASSWORD, role=Role.ANALYST, actor=ADMIN)
    users.disable(rt, "bob", actor=ADMIN)
    first = keys.create(rt, username="alice", actor=ADMIN)
    keys.rotate(rt, first.info.id, actor=ADMIN)
    keys.revoke(rt, keys.create(rt, username="alice", actor=ADMIN).info.id, actor=ADMIN)
    trade.submit(rt, trade.order_request("AAPL", "buy", qty="2"), actor=ADMIN)
    trade.halt(rt, actor=ADMIN, reason="test")
    trade.resume(rt, actor=ADMIN)
    trade.reduce(rt, actor=ADMIN)
    monitor.add_rule(
        rt,
        name="drop",
        kind="percent_move",
        params={"percent": 2, "window_seconds": 60},
        scope="AAPL",
        actor=ADMIN,
    )


def test_a_ledger_changed_through_ops_is_complete_and_a_change_behind_it_is_found(
    sample_home: Path,
) -> None:
    with Runtime.from_settings() as rt:
        _every_kind_of_change(rt)
        replayed = audit_completeness.completeness(rt)
        assert replayed.missing == [] and replayed.ok, replayed.missing
        assert replayed.checked["users"] == 2 and replayed.checked["api_keys"] == 3
        assert replayed.checked["orders"] == 1 and replayed.checked["fills"] == 1
        assert replayed.checked["order_events"] >= 2 and replayed.checked["alert_rules"] == 1

        with rt.ledger.session() as session:  # four changes no audit record tells of
            session.execute(
                sa.update(UserRow).where(UserRow.username == "alice").values(role=Role.ADMIN)
            )
            session.execute(
                sa.update(ApiKeyRow)
                .where(ApiKeyRow.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            )
            order = session.scalars(sa.select(OrderRow)).one()
            session.add(
                OrderEventRow(
                    order_id=order.id, kind="canceled", payload={}, occurred_at=datetime.now(UTC)
                )
            )
        broken = audit_completeness.completeness(rt)
        assert broken.chain.ok and not broken.ok
        text = "\n".join(broken.missing)
        assert "user 'alice': role admin, the chain says trader" in text
        assert "revoked without a key.revoked record" in text
        assert f"order {order.client_order_id!r}: 1 canceled event(s)" in text

    result = CliRunner().invoke(app, ["verify", "--complete", "--json"])
    assert result.exit_code == 1, result.output
    answer = json.loads(result.output)
    assert answer["ok"] is False and answer["chain"]["ok"] is True
    assert len(answer["missing"]) == len(broken.missing)
