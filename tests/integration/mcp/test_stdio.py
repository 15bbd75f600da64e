"""``workbench serve mcp`` as an assistant's client starts it: a stdio subprocess, driven by
the SDK's client; every tool with its widest arguments; HALTED; trading disabled; an
assistant's limits."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import jsonschema
import pytest
from mcp import Client

from tests.integration.mcp.agreement import check_agreement
from tests.integration.mcp.conftest import WORKBENCH, LiveClient, McpHome, stdio_params
from workbench.interfaces.mcp.face import Face
from workbench.interfaces.mcp.server import build_server
from workbench.model import to_plain
from workbench.monitoring.store import AlertRequest, MonitorStore
from workbench.ops import parity, trade, trade_runs
from workbench.runtime import Runtime

pytestmark = [pytest.mark.system, pytest.mark.requirement("INT-06")]

LIMIT = 8000

#: every read tool with the widest arguments it accepts on the sample data
WIDEST: dict[str, dict[str, Any]] = {
    "market_coverage": {},
    "market_bars_summary": {"symbol": "SPY", "start": "1990-01-01", "end": "2030-12-31"},
    "market_latest": {},
    "market_quality": {},
    "strategy_list": {},
    "strategy_show": {"name": "sma_crossover"},
    "strategy_backtest": {"name": "sma_crossover", "symbols": ["SPY", "AAPL"]},
    "portfolio_account": {},
    "portfolio_positions": {},
    "orders_list": {"status": "all", "limit": 500},
    "alerts_list": {"limit": 500},
    "audit_verify": {},
    "audit_query": {"limit": 500},
    "analysis_indicators": {"symbols": ["SPY", "AAPL", "MSFT"], "name": "rsi", "tail": 250},
    "analysis_performance": {"symbols": ["SPY", "AAPL", "MSFT", "GOOGL"]},
    "analysis_risk": {"weights": {"SPY": 0.4, "AAPL": 0.3, "MSFT": 0.3}},
    "analysis_stress": {"weights": {"SPY": 0.4, "AAPL": 0.3, "MSFT": 0.3}},
    "analysis_allocation": {"symbols": ["SPY", "AAPL", "MSFT"], "method": "min_variance"},
    "portfolio_rebalance_plan": {"targets": {"SPY": 0.5, "AAPL": 0.5}},
    "strategy_optimize": {
        "name": "sma_crossover",
        "symbols": ["SPY"],
        "grid": {"fast": [5, 10, 20], "slow": [50, 100]},
    },
    "strategy_walk_forward": {
        "name": "sma_crossover",
        "symbols": ["SPY"],
        "grid": {"fast": [5, 10], "slow": [50]},
    },
    "runs_list": {"limit": 500},
    "reports_generate": {"kind": "holdings"},
}


@pytest.fixture(scope="module")
def stdio(mcp_home: McpHome) -> Iterator[LiveClient]:
    """One ``workbench serve mcp`` subprocess for the module, acting as the admin's key."""
    live = LiveClient(lambda: Client(stdio_params(mcp_home, mcp_home.keys["admin"])))
    yield live
    live.close()


def _widest_walk(stdio: LiveClient) -> dict[str, Any]:
    """Every read tool called once with its widest arguments (and the two resource links
    they hand out read), with every tool's published output schema."""

    async def work(client: Client) -> dict[str, Any]:
        schemas = {tool.name: tool.output_schema for tool in (await client.list_tools()).tools}
        answers = {}
        for name, args in WIDEST.items():
            result = await client.call_tool(name, args)
            assert not result.is_error, (name, result.content)
            answers[name] = result
        run_id = answers["strategy_backtest"].structured_content["data"]["run_id"]
        answers["strategy_results"] = await client.call_tool("strategy_results", {"run_id": run_id})
        link = answers["strategy_backtest"].structured_content["links"][0]
        page = json.loads((await client.read_resource(link)).contents[0].text)  # type: ignore[union-attr]
        report_link = answers["reports_generate"].structured_content["links"][0]
        report_page = json.loads((await client.read_resource(report_link)).contents[0].text)  # type: ignore[union-attr]
        return {
            "listed": set(schemas),
            "schemas": schemas,
            "answers": answers,
            "page": page,
            "report_page": report_page,
        }

    return stdio.call(work)  # type: ignore[no-any-return]


def test_every_tool_answers_within_the_bound_in_its_schema_as_ops_does(
    stdio: LiveClient, mcp_home: McpHome
) -> None:
    """One walk (the dearest in the suite, so one test: xdist's worksteal may spread a
    module's tests over workers) checked three ways: size, schema, numbers."""
    got = _widest_walk(stdio)
    assert set(WIDEST) | {"strategy_results"} <= got["listed"]
    for name, result in got["answers"].items():
        text = result.content[0].text
        assert len(text) <= LIMIT, (name, len(text))
        assert len(json.dumps(result.structured_content, indent=2)) <= LIMIT, name
    assert got["answers"]["audit_query"].structured_content["truncated"] is True
    assert "cut to 8000 characters" in got["answers"]["audit_query"].structured_content["paging"]
    assert got["page"]["page"] == 1 and got["page"]["rows_total"] >= len(got["page"]["rows"])
    assert got["report_page"]["page"] == 1 and got["report_page"]["text"].startswith("{")
    _check_schemas(got)
    _check_agreement_with_ops(got, mcp_home)


def _check_schemas(widest: dict[str, Any]) -> None:
    """Each tool publishes what its ``data`` holds (a model, or a list of one: never untyped),
    and every answer of the walk, those cut to size too, is valid against that schema."""
    for name, schema in widest["schemas"].items():
        assert schema is not None, name
        shapes = schema["properties"]["data"]["anyOf"]
        typed = [s for s in shapes if s != {"type": "null"} and s != {"$ref": "#/$defs/CutText"}]
        assert typed and all("$ref" in s or "$ref" in s.get("items", {}) for s in typed), name
    for name, result in widest["answers"].items():
        jsonschema.validate(result.structured_content, widest["schemas"][name])
    cut = widest["answers"]["audit_query"].structured_content
    assert cut["truncated"] and isinstance(cut["data"], list)


def _check_agreement_with_ops(widest: dict[str, Any], mcp_home: McpHome) -> None:
    """Each answer of the widest walk holds the numbers ``workbench.ops`` gives called
    directly on the same home (the parts an answer cut to size keeps)."""
    got = {name: result.structured_content for name, result in widest["answers"].items()}
    rt = mcp_home.runtime()
    try:
        check_agreement(rt, got, widest)
    finally:
        rt.close()


def test_halted_refuses_the_submit(stdio: LiveClient, mcp_home: McpHome) -> None:
    order = {"symbol": "MSFT", "side": "buy", "qty": "1"}

    async def work(client: Client) -> tuple[Any, Any, Any]:
        preview = await client.call_tool("order_preview", order)
        token = preview.structured_content["data"]["confirmation_token"]  # type: ignore[index]
        halted = await client.call_tool("trading_state_set", {"state": "halt", "reason": "test"})
        submitted = await client.call_tool("order_submit", {"confirmation_token": token, **order})
        resumed = await client.call_tool("trading_state_set", {"state": "resume"})
        return halted, submitted, resumed

    halted, submitted, resumed = stdio.call(work)
    assert not halted.is_error and not resumed.is_error
    placed = submitted.structured_content["data"]["order"]
    assert placed["status"] == "rejected"
    assert "halted" in (placed["reason"] or "").lower()
    rt = mcp_home.runtime()
    try:
        assert trade.account(rt).trading_state == "active"
    finally:
        rt.close()


def test_trading_tools_absent_when_disabled(mcp_home: McpHome) -> None:
    """The same server built over a home whose configuration leaves trading off (in process:
    the listing is decided when the server is built)."""

    async def names() -> set[str]:
        async with Client(build_server(Face(rt, credential=mcp_home.keys["admin"]))) as client:
            return {tool.name for tool in (await client.list_tools()).tools}

    rt = Runtime.from_settings(home=mcp_home.home, mcp={"trading_enabled": False})
    try:
        found = asyncio.run(names())
    finally:
        rt.close()
    names_listed = found
    assert "market_coverage" in names_listed
    assert not names_listed & {"order_preview", "order_submit", "order_cancel", "trading_state_set"}


def test_production_refuses_to_start_without_a_key(mcp_home: McpHome) -> None:
    env = {**mcp_home.env, "WB_ENV": "production"}
    started = subprocess.run(
        [WORKBENCH, "serve", "mcp"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert started.returncode == 1
    assert started.stdout == ""
    assert "no API key" in started.stderr


def test_a_rule_created_an_alert_acknowledged_and_a_runs_parity(
    stdio: LiveClient, mcp_home: McpHome
) -> None:
    """The tools the widest-arguments walk cannot reach without state of their own: a rule
    created through MCP (owned by the caller), an alert it raised acknowledged through MCP, and a
    paper run's parity through MCP equal to ``ops.parity`` called directly."""

    async def create(client: Client) -> Any:
        return await client.call_tool(
            "alerts_create_rule",
            {"name": "mcp-ack", "kind": "percent_move", "scope": "AAPL",
             "params": {"percent": 2, "window_seconds": 86400}},
        )  # fmt: skip

    created = stdio.call(create)
    assert not created.is_error, created.content
    rt = mcp_home.runtime()
    try:
        store = MonitorStore(rt.ledger)
        rule = store.rule("mcp-ack")
        assert rule.owner == "mcp:admin-user" and rule.params["percent"] == 2
        alert = AlertRequest(rule, "AAPL moved 2.5%", "mcp-ack:AAPL",
                             datetime(2018, 2, 5, 21, tzinfo=UTC), {}, "AAPL")  # fmt: skip
        (raised,) = store.raise_alerts([alert])
        assert raised is not None
        run = trade_runs.paper_run(rt, "sma_crossover", ["AAPL"], sessions=5, actor="test")
        direct = to_plain(parity.parity(rt, run.run_id))
    finally:
        rt.close()

    async def work(client: Client) -> tuple[Any, Any]:
        acknowledged = await client.call_tool("alerts_acknowledge", {"alert_id": raised.id})
        compared = await client.call_tool("runs_parity", {"run_id": run.run_id})
        return acknowledged, compared

    acknowledged, compared = stdio.call(work)
    assert not acknowledged.is_error, acknowledged.content
    assert acknowledged.structured_content["data"]["state"] == "acknowledged"
    assert acknowledged.structured_content["data"]["acknowledged_by"] == "mcp:admin-user"
    assert not compared.is_error, compared.content
    data = compared.structured_content["data"]
    assert data["sessions"] == direct["sessions"]
    assert data["run_id"] == direct["run_id"] == run.run_id


def test_an_assistants_order_past_its_limits_is_refused_with_the_rule(
    mcp_home: McpHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``risk.actors.mcp`` applies to every order the MCP face previews (the SDK's client on the
    server built in process over the same home, as a trader's key)."""
    monkeypatch.setenv("WB_RISK__ACTORS__MCP__ALLOWED_SYMBOLS", "MSFT")

    async def preview() -> Any:
        face = Face(rt, credential=mcp_home.keys["trader"])
        async with Client(build_server(face)) as client:
            return await client.call_tool(
                "order_preview", {"symbol": "AAPL", "side": "buy", "qty": "1"}
            )

    rt = Runtime.from_settings(home=mcp_home.home, mcp={"trading_enabled": True})
    try:
        refused = asyncio.run(preview())
    finally:
        rt.close()
    data = refused.structured_content["data"]
    assert data["confirmation_token"] is None
    assert data["risk"]["approved"] is False
    assert data["risk"]["rule"] == "actor_allowed_symbols"
