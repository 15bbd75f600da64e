"""The MCP server: ``build_server(face)`` registers the tools, the resource templates (large
results read in pages) and the prompts, and filters ``tools/list`` to what the caller may use.

Trading and state-changing tools exist only when ``Settings.mcp.trading_enabled``; a caller
whose role lacks their permission does not see them (and is refused if it calls them anyway).
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver import Context, MCPServer

from workbench.core.errors import WorkbenchError
from workbench.interfaces.mcp.face import Face
from workbench.interfaces.mcp.prompts import register_prompts
from workbench.interfaces.mcp.tools_read import register_read_tools
from workbench.interfaces.mcp.tools_research import register_alert_tools, register_research_tools
from workbench.interfaces.mcp.tools_trade import TRADING_TOOLS, register_trading_tools
from workbench.model import Permission
from workbench.ops.assistant import calls, views
from workbench.ops.auth import authorize

__all__ = ["build_server"]

INSTRUCTIONS = (
    "The Workbench: market data, analysis, strategies and backtests, the portfolio, orders, "
    "alerts and the audit log. Answers are short; large results are workbench:// resource "
    "links read page by page. Orders are preview-then-confirm: order_preview returns a "
    "single-use confirmation_token that order_submit needs with exactly the same order."
)


def build_server(face: Face) -> MCPServer[Any]:
    server: MCPServer[Any] = MCPServer(
        "workbench", instructions=INSTRUCTIONS, version="1", log_level="WARNING"
    )
    register_read_tools(server, face)
    register_research_tools(server, face)
    if face.runtime.settings.mcp.trading_enabled:
        register_trading_tools(server, face)
        register_alert_tools(server, face)
    _register_resources(server, face)
    register_prompts(server)
    server.middleware.append(_ListedForCaller(face))
    return server


def _register_resources(server: MCPServer[Any], face: Face) -> None:
    @server.resource(
        "workbench://bars/{symbol}{?start,end,page}",
        title="Daily bars, in pages",
        description=f"One symbol's daily bars, {views.PAGE_ROWS} a page, oldest first",
        mime_type="application/json",
    )
    def bars(symbol: str, ctx: Context, start: str = "", end: str = "", page: str = "1") -> str:
        uri = f"workbench://bars/{symbol}?start={start}&end={end}&page={page}"
        return _page(face, ctx, uri, Permission.READ_MARKET_DATA)

    @server.resource(
        "workbench://backtests/{run_id}{?page}",
        title="A stored backtest's trades, in pages",
        description=f"A backtest's trades, {views.PAGE_ROWS} a page, in time order",
        mime_type="application/json",
    )
    def backtests(run_id: str, ctx: Context, page: str = "1") -> str:
        uri = f"workbench://backtests/{run_id}?page={page}"
        return _page(face, ctx, uri, Permission.READ_REPORTS)

    @server.resource(
        "workbench://reports/{report_id}{?page}",
        title="A generated report, in pages",
        description=f"A report's text, {views.REPORT_PAGE_CHARS} characters a page",
        mime_type="application/json",
    )
    def reports(report_id: str, ctx: Context, page: str = "1") -> str:
        uri = f"workbench://reports/{report_id}?page={page}"
        return _page(face, ctx, uri, Permission.READ_REPORTS)


def _page(face: Face, ctx: Context, uri: str, permission: Permission) -> str:
    """One page of a resource, for a caller allowed ``permission``; every read, refusals too,
    is in the audit chain (caller, URI, outcome) like a tool call."""
    from mcp.server.mcpserver.exceptions import ResourceError

    try:
        principal = face.caller(ctx)
    except WorkbenchError as error:
        raise ResourceError(error.message) from None
    try:
        authorize(principal, permission)
        page = views.page_of(face.runtime, uri)
    except WorkbenchError as error:
        calls.record_read(face.runtime, principal, uri, f"refused: {error.message}")
        raise ResourceError(error.message) from None
    calls.record_read(face.runtime, principal, uri, f"{len(page)} characters")
    return page


class _ListedForCaller:
    """Drops from ``tools/list`` the trading tools the caller's role may not use, and audits a
    ``tools/call`` refused before its tool ran (bad arguments, an unknown tool)."""

    def __init__(self, face: Face) -> None:
        self._face = face

    async def __call__(
        self, ctx: ServerRequestContext[Any, Any], call_next: CallNext
    ) -> HandlerResult:
        result = await call_next(ctx)
        headers = getattr(ctx.request, "headers", None)
        if ctx.method == "tools/call" and _is_error(result):
            await anyio.to_thread.run_sync(self._audit_refusal, headers, ctx.params, result)
        if ctx.method != "tools/list" or result is None:
            return result
        face = self._face

        def allowed() -> set[str]:
            try:
                principal = face.principal(headers)
            except WorkbenchError:
                return set()
            return {
                name
                for name, permission in TRADING_TOOLS.items()
                if calls.may_use(face.runtime, principal, permission, trading=True)
            }

        permitted = await anyio.to_thread.run_sync(allowed)
        if isinstance(result, dict):
            kept = [t for t in result["tools"] if _listed(t, permitted)]
            return {**result, "tools": kept}
        kept = [t for t in getattr(result, "tools", []) if _listed(t, permitted)]
        return result.model_copy(update={"tools": kept})

    def _audit_refusal(self, headers: Any, params: Any, result: Any) -> None:
        text = " ".join(str(_field(block, "text") or "") for block in _field(result, "content"))
        if "validation error for " not in text and not text.startswith("Unknown tool"):
            return  # the tool ran: its own call was audited
        params = dict(params or {})
        try:
            principal = self._face.principal(headers)
        except WorkbenchError:
            return  # no caller to record (the HTTP mount refuses these before)
        arguments = params.get("arguments") or {}
        first = text.split("\n")[0][:200]
        calls.record_refusal(
            self._face.runtime, principal, str(params.get("name")), arguments, first
        )


def _field(value: Any, name: str) -> Any:
    """A field of a result as the handler chain hands it on: a model or its wire dict."""
    return value.get(name) if isinstance(value, dict) else getattr(value, name, None)


def _is_error(result: Any) -> bool:
    return bool(
        _field(result, "isError") if isinstance(result, dict) else _field(result, "is_error")
    )


def _listed(tool: Any, permitted: set[str]) -> bool:
    name = str(tool["name"] if isinstance(tool, dict) else tool.name)
    return name not in TRADING_TOOLS or name in permitted
