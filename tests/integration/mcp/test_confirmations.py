"""Confirmation tokens in the ledger: stored hashed, spent once even by racing submits,
refused when expired (the ops functions the MCP tools call, on a sample home)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from workbench.core.errors import AuthError
from workbench.ledger import McpConfirmationRow, OrderRow
from workbench.ops import trade
from workbench.ops.assistant.orders import confirmed_submit, preview_with_token
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("INT-06")


@pytest.fixture
def runtime(sample_home: Path) -> Runtime:
    rt = Runtime.from_settings()
    yield rt  # type: ignore[misc]
    rt.close()


def test_the_token_is_stored_only_as_a_hash(runtime: Runtime) -> None:
    seen = preview_with_token(runtime, trade.order_request("AAPL", "buy", qty=1), actor="mcp:a")
    assert seen.confirmation_token is not None
    with runtime.ledger.session(read_only=True) as session:
        row = session.scalars(sa.select(McpConfirmationRow)).one()
    stored = " ".join(str(v) for v in (row.token_hash, row.order, row.client_order_id))
    assert seen.confirmation_token not in stored
    assert row.order["symbol"] == "AAPL" and row.order["qty"] == "1"


def test_racing_submits_spend_the_token_once(runtime: Runtime) -> None:
    request = trade.order_request("AAPL", "buy", qty=2)
    token = preview_with_token(runtime, request, actor="mcp:a").confirmation_token
    assert token is not None
    outcomes: list[str] = []

    def submit() -> None:
        try:
            confirmed_submit(runtime, request, token, actor="mcp:a")
            outcomes.append("sent")
        except AuthError as error:
            outcomes.append(error.message)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("sent") == 1
    assert all("already used" in o for o in outcomes if o != "sent")
    with runtime.ledger.session(read_only=True) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(OrderRow)) == 1


def test_an_expired_token_or_another_caller_is_refused(runtime: Runtime) -> None:
    request = trade.order_request("AAPL", "sell", qty=1)
    moment = datetime.now(UTC)
    token = preview_with_token(runtime, request, actor="mcp:a", now=moment).confirmation_token
    assert token is not None
    with pytest.raises(AuthError, match="issued to another caller"):
        confirmed_submit(runtime, request, token, actor="mcp:b")
    later = moment + timedelta(seconds=121)
    with pytest.raises(AuthError, match="expired"):
        confirmed_submit(runtime, request, token, actor="mcp:a", now=later)


def test_an_assistants_preview_meets_its_kinds_limits_and_issues_no_token(
    sample_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WB_RISK__ACTORS__MCP__ALLOWED_SYMBOLS", "MSFT")
    with Runtime.from_settings() as rt:
        refused = preview_with_token(rt, trade.order_request("AAPL", "buy", qty=1), actor="mcp:a")
        assert not refused.decision.approved
        assert refused.decision.rejection is not None
        assert refused.decision.rejection.rule == "actor_allowed_symbols"
        assert refused.confirmation_token is None
        # the same order from the CLI is not an assistant's: its limits do not apply
        assert trade.preview(
            rt, trade.order_request("AAPL", "buy", qty=1), actor="cli:ada"
        ).approved
