"""The MCP server mounted at /mcp in a real API process, driven by the SDK's client."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from tests.integration.mcp.conftest import McpHome, http_client
from workbench.ops import audit, data, trade
from workbench.ops.assistant.views import PAGE_ROWS

pytestmark = [pytest.mark.system, pytest.mark.requirement("INT-06")]

TRADING = {"order_preview", "order_submit", "order_cancel", "trading_state_set"}


def _run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


async def _call(client: Client, tool: str, **args: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, args)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


async def _error(client: Client, tool: str, **args: Any) -> str:
    result = await client.call_tool(tool, args)
    assert result.is_error
    return str(result.content[0].text)  # type: ignore[union-attr]


def test_without_credentials_the_mount_answers_401(api_url: str) -> None:
    answer = httpx.post(f"{api_url}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
    assert answer.status_code == 401
    assert "no credentials" in answer.json()["detail"]
    bad = httpx.post(
        f"{api_url}/mcp", json={}, headers={"Authorization": "Bearer wbk_nope_nothing"}
    )
    assert bad.status_code == 401


def test_listing_follows_the_role(api_url: str, mcp_home: McpHome) -> None:
    async def names(role: str) -> set[str]:
        async with http_client(api_url, mcp_home.keys[role]) as client:
            return {tool.name for tool in (await client.list_tools()).tools}

    viewer, trader, admin = (_run(names(r)) for r in ("viewer", "trader", "admin"))
    assert not viewer & TRADING
    assert trader & TRADING == {"order_preview", "order_submit", "order_cancel"}
    assert admin >= TRADING
    assert {"market_coverage", "portfolio_account", "audit_query"} <= viewer


def test_tools_resources_prompts_are_described(api_url: str, mcp_home: McpHome) -> None:
    async def listing() -> tuple[Any, Any, Any]:
        async with http_client(api_url, mcp_home.keys["admin"]) as client:
            return (
                await client.list_tools(),
                await client.list_resource_templates(),
                await client.list_prompts(),
            )

    tools, templates, prompts = _run(listing())
    for tool in tools.tools:
        assert tool.description and tool.output_schema and tool.annotations, tool.name
        assert tool.annotations.read_only_hint is not None
    preview = next(t for t in tools.tools if t.name == "order_preview")
    assert preview.input_schema["properties"]["side"]["enum"] == ["buy", "sell"]
    uris = {t.uri_template for t in templates.resource_templates}
    assert uris == {
        "workbench://bars/{symbol}{?start,end,page}",
        "workbench://backtests/{run_id}{?page}",
        "workbench://reports/{report_id}{?page}",
    }
    assert {p.name for p in prompts.prompts} == {
        "daily_portfolio_review",
        "rebalance_check",
        "strategy_research_brief",
        "incident_review",
    }


def test_read_tools_agree_with_ops(api_url: str, mcp_home: McpHome) -> None:
    async def calls() -> dict[str, dict[str, Any]]:
        async with http_client(api_url, mcp_home.keys["analyst"]) as client:
            return {
                "bars": await _call(client, "market_bars_summary", symbol="SPY"),
                "latest": await _call(client, "market_latest", symbols=["SPY", "AAPL"]),
                "account": await _call(client, "portfolio_account"),
                "coverage": await _call(client, "market_coverage"),
            }

    got = _run(calls())
    rt = mcp_home.runtime()
    try:
        bars = data.bars_page(rt, "SPY", limit=1_000_000).bars
        assert got["bars"]["data"]["bars"] == len(bars)
        assert got["bars"]["data"]["last_close"] == pytest.approx(float(bars["close"].iloc[-1]))
        assert got["bars"]["links"][0].startswith("workbench://bars/SPY?")
        latest = data.latest(rt, ["SPY", "AAPL"])
        assert {r["symbol"]: r["close"] for r in got["latest"]["data"]} == dict(
            zip(latest["symbol"], latest["close"], strict=True)
        )
        assert Decimal(got["account"]["data"]["cash"]) == trade.account(rt).cash
        assert len(json.dumps(got["coverage"], indent=2)) <= 8000
    finally:
        rt.close()


def test_a_resource_link_reads_page_by_page(api_url: str, mcp_home: McpHome) -> None:
    async def pages() -> tuple[list[dict[str, Any]], str]:
        async with http_client(api_url, mcp_home.keys["analyst"]) as client:
            summary = await _call(client, "market_bars_summary", symbol="AAPL")
            link = summary["links"][0]
            first = json.loads((await client.read_resource(link)).contents[0].text)  # type: ignore[union-attr]
            second = json.loads((await client.read_resource(first["next"])).contents[0].text)  # type: ignore[union-attr]
            with pytest.raises(MCPError) as missing:
                await client.read_resource("workbench://backtests/999999")
            return [first, second], str(missing.value)

    (first, second), missing = _run(pages())
    assert first["page"] == 1 and second["page"] == 2
    assert len(first["rows"]) == len(second["rows"]) == PAGE_ROWS
    assert first["rows"][-1]["timestamp"] < second["rows"][0]["timestamp"]
    assert first["pages"] == -(-first["rows_total"] // PAGE_ROWS)
    assert "999999" in missing
    rt = mcp_home.runtime()
    try:
        reads = audit.records(rt, kind="mcp.resource", actor="mcp:analyst-user", limit=10)
    finally:
        rt.close()
    uris = [r["payload"]["uri"] for r in reversed(reads)]
    assert uris[-3:] == [first["uri"], second["uri"], "workbench://backtests/999999?page=1"]
    outcomes = [r["payload"]["outcome"] for r in reads[:3]]
    assert outcomes[0].startswith("refused: ") and "999999" in outcomes[0]
    assert all(o.endswith(" characters") for o in outcomes[1:])


def test_preview_confirm_fill_in_the_ledger_and_the_audit_chain(
    api_url: str, mcp_home: McpHome
) -> None:
    # AAPL has bars to the last session of the sample: the paper book fills it at the open
    order = {"symbol": "AAPL", "side": "buy", "qty": "3"}

    async def flow() -> tuple[dict[str, Any], dict[str, Any], str, str]:
        async with http_client(api_url, mcp_home.keys["trader"]) as client:
            preview = await _call(client, "order_preview", **order)
            token = preview["data"]["confirmation_token"]
            changed = await _error(
                client, "order_submit", confirmation_token=token, **{**order, "qty": "4"}
            )
            submitted = await _call(client, "order_submit", confirmation_token=token, **order)
            replayed = await _error(client, "order_submit", confirmation_token=token, **order)
            return preview, submitted, changed, replayed

    preview, submitted, changed, replayed = _run(flow())
    risk = preview["data"]["risk"]
    assert risk["approved"] and risk["checks"] and all(c["passed"] for c in risk["checks"])
    assert Decimal(preview["data"]["estimated_value"]) > 0
    assert "differs from the one previewed (qty)" in changed
    assert "already used" in replayed and "nothing sent again" in replayed
    placed = submitted["data"]["order"]
    assert placed["client_order_id"].startswith("wb-mcp-")
    rt = mcp_home.runtime()
    try:
        stored = trade.order(rt, placed["client_order_id"])
        assert stored.status == "filled" and stored.filled_qty == Decimal(3)
        fills = [f for f in trade.fills(rt) if f.client_order_id == placed["client_order_id"]]
        assert sum(f.qty for f in fills) == Decimal(3)
        records = audit.records(rt, actor="mcp:trader-user", limit=50)
        tools = [r["payload"].get("tool") for r in records if r["kind"] == "mcp.tool"]
        assert tools.count("order_submit") == 3 and "order_preview" in tools
        intents = [r for r in records if r["kind"].startswith("order")]
        assert intents, "the OMS recorded the order as the mcp actor"
        assert all("wbc_" not in json.dumps(r["payload"]) for r in records)
        assert audit.verify(rt).ok
    finally:
        rt.close()


def test_an_expired_or_unknown_token_is_refused(api_url: str, mcp_home: McpHome) -> None:
    from datetime import UTC, datetime, timedelta

    import sqlalchemy as sa

    from workbench.ledger import McpConfirmationRow

    order = {"symbol": "MSFT", "side": "buy", "qty": "1"}

    async def preview() -> str:
        async with http_client(api_url, mcp_home.keys["trader"]) as client:
            return str(
                (await _call(client, "order_preview", **order))["data"]["confirmation_token"]
            )

    token = _run(preview())
    rt = mcp_home.runtime()
    try:
        with rt.ledger.session() as session:
            session.execute(
                sa.update(McpConfirmationRow).values(
                    expires_at=datetime.now(UTC) - timedelta(seconds=1)
                )
            )
    finally:
        rt.close()

    async def submit() -> tuple[str, str]:
        async with http_client(api_url, mcp_home.keys["trader"]) as client:
            expired = await _error(client, "order_submit", confirmation_token=token, **order)
            unknown = await _error(
                client, "order_submit", confirmation_token="wbc_made_up_token", **order
            )
            return expired, unknown

    expired, unknown = _run(submit())
    assert "expired" in expired
    assert "unknown confirmation token" in unknown


def test_a_viewer_is_refused_trading_even_by_name(api_url: str, mcp_home: McpHome) -> None:
    async def attempt() -> str:
        async with http_client(api_url, mcp_home.keys["viewer"]) as client:
            return await _error(client, "order_preview", symbol="SPY", side="buy", qty="1")

    assert "may not trade" in _run(attempt())


def test_invalid_arguments_say_what_is_wrong(api_url: str, mcp_home: McpHome) -> None:
    async def attempts() -> list[str]:
        async with http_client(api_url, mcp_home.keys["trader"]) as client:
            return [
                await _error(client, "market_bars_summary", symbol="not a symbol"),
                await _error(client, "orders_list", limit=100000),
                await _error(client, "order_preview", symbol="SPY", side="hold", qty="1"),
                await _error(client, "market_bars_summary", symbol="ZZZZ"),
            ]

    pattern, limit, side, missing = _run(attempts())
    assert "symbol" in pattern and "pattern" in pattern
    assert "limit" in limit and "500" in limit
    assert "side" in side and "'buy'" in side
    assert "unknown symbol(s) in bars_1d: ZZZZ" in missing
    rt = mcp_home.runtime()
    try:
        records = audit.records(rt, kind="mcp.tool", actor="mcp:trader-user", limit=200)
    finally:
        rt.close()
    refused = [r["payload"] for r in records if "validation error" in r["payload"]["outcome"]]
    assert {"market_bars_summary", "orders_list", "order_preview"} <= {p["tool"] for p in refused}
    assert any(p["arguments"].get("limit") == 100000 for p in refused)


def test_the_docs_tool_list_is_the_servers() -> None:
    from pathlib import Path

    from workbench.interfaces.mcp.docs import with_tool_table

    page = (Path(__file__).parents[3] / "docs" / "mcp.md").read_text()
    assert page == with_tool_table(page), (
        "docs/mcp.md is stale: python -m workbench.interfaces.mcp.docs docs/mcp.md"
    )
