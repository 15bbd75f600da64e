"""The read tools: market data, strategies and backtests, the account, alerts, the audit
chain. Each parses, calls one ``ops.assistant`` use case through ``Face.run``, and answers."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp_types import ToolAnnotations
from pydantic import Field

from workbench.interfaces.mcp.answers import (
    Account,
    AlertRow,
    AuditRecord,
    AuditVerification,
    BacktestData,
    BarsSummary,
    CoverageRow,
    LatestBar,
    OrderRow,
    PositionRow,
    QualityReport,
    StrategyBrief,
    StrategyDetail,
    ToolAnswer,
)
from workbench.interfaces.mcp.face import Face
from workbench.model import Permission
from workbench.ops.assistant import views

__all__ = ["register_read_tools"]

Symbol = Annotated[
    str,
    Field(
        pattern=r"^\^?[A-Za-z0-9]{1,10}([./-][A-Za-z0-9]{1,5})?$",
        description="a ticker such as SPY, BRK.B or ^GSPC",
    ),
]
Symbols = Annotated[list[Symbol], Field(min_length=1, max_length=50)]
Day = Annotated[date | None, Field(description="YYYY-MM-DD, inclusive; none for all")]
Limit = Annotated[int, Field(ge=1, le=500, description="at most this many rows")]

READ = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)
#: writes a stored run, changes nothing else
RUNS = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False
)


def register_read_tools(server: MCPServer[Any], face: Face) -> None:
    tool = server.tool
    rt = face.runtime

    @tool(title="Market data coverage", annotations=READ)
    def market_coverage(ctx: Context) -> ToolAnswer[list[CoverageRow]]:
        """Which symbols and date ranges the lake holds, per dataset (bars_1d...)."""
        return face.run(
            ToolAnswer[list[CoverageRow]],
            ctx,
            "market_coverage",
            {},
            lambda p: views.coverage(rt),
            permission=_MD,
        )

    @tool(title="Bars summary", annotations=READ)
    def market_bars_summary(
        ctx: Context, symbol: Symbol, start: Day = None, end: Day = None
    ) -> ToolAnswer[BarsSummary]:
        """One symbol's daily bars summarised (count, first and last close, return, high, low,
        volatility) with a workbench://bars link to read the bars themselves in pages."""
        args = {"symbol": symbol, "start": start, "end": end}
        return face.run(
            ToolAnswer[BarsSummary],
            ctx,
            "market_bars_summary",
            args,
            lambda p: views.bars_summary(rt, symbol, start, end),
            permission=_MD,
        )

    @tool(title="Latest prices", annotations=READ)
    def market_latest(ctx: Context, symbols: Symbols | None = None) -> ToolAnswer[list[LatestBar]]:
        """The newest daily bar of each symbol (of those given, or every symbol in the lake)."""
        return face.run(
            ToolAnswer[list[LatestBar]],
            ctx,
            "market_latest",
            {"symbols": symbols},
            lambda p: views.latest(rt, symbols),
            permission=_MD,
        )

    @tool(title="Data quality", annotations=READ)
    def market_quality(ctx: Context, symbols: Symbols | None = None) -> ToolAnswer[QualityReport]:
        """The daily bars' quality report: gaps, duplicates, jumps and bad prices found."""
        return face.run(
            ToolAnswer[QualityReport],
            ctx,
            "market_quality",
            {"symbols": symbols},
            lambda p: views.quality(rt, symbols),
            permission=_MD,
        )

    @tool(title="Strategies", annotations=READ)
    def strategy_list(ctx: Context) -> ToolAnswer[list[StrategyBrief]]:
        """Every registered strategy: name, kind and what it does."""
        return face.run(
            ToolAnswer[list[StrategyBrief]],
            ctx,
            "strategy_list",
            {},
            lambda p: views.strategies(rt),
            permission=_ANALYSIS,
        )

    @tool(title="Strategy detail", annotations=READ)
    def strategy_show(
        ctx: Context, name: Annotated[str, Field(min_length=1, max_length=64)]
    ) -> ToolAnswer[StrategyDetail]:
        """One strategy's parameters (defaults, ranges), warm-up and description."""
        return face.run(
            ToolAnswer[StrategyDetail],
            ctx,
            "strategy_show",
            {"name": name},
            lambda p: views.strategy_detail(rt, name),
            permission=_ANALYSIS,
        )

    @tool(title="Backtest", annotations=RUNS)
    def strategy_backtest(
        ctx: Context,
        name: Annotated[str, Field(min_length=1, max_length=64)],
        symbols: Symbols,
        params: Annotated[
            dict[str, float | int | str | bool] | None,
            Field(description='strategy parameters, e.g. {"fast": 10}; defaults otherwise'),
        ] = None,
        start: Day = None,
        end: Day = None,
    ) -> ToolAnswer[BacktestData]:
        """Backtest a strategy on the lake's daily bars (100,000 cash, no fees) and store the
        run: the key figures, and a workbench://backtests link to its trades in pages."""
        args = {"name": name, "symbols": symbols, "params": params, "start": start, "end": end}
        return face.run(
            ToolAnswer[BacktestData],
            ctx,
            "strategy_backtest",
            args,
            lambda p: views.backtest(rt, name, symbols, params, start, end),
            permission=Permission.RUN_BACKTESTS,
        )

    @tool(title="Stored backtest result", annotations=READ)
    def strategy_results(
        ctx: Context, run_id: Annotated[int, Field(ge=1, description="a stored run's id")]
    ) -> ToolAnswer[BacktestData]:
        """A stored backtest's key figures, with a workbench://backtests link to its trades."""
        return face.run(
            ToolAnswer[BacktestData],
            ctx,
            "strategy_results",
            {"run_id": run_id},
            lambda p: views.backtest_result(rt, run_id),
            permission=Permission.READ_REPORTS,
        )

    @tool(title="Account", annotations=READ)
    def portfolio_account(ctx: Context) -> ToolAnswer[Account]:
        """The account: cash, positions value, equity, P&L, trading state, open orders."""
        return face.run(
            ToolAnswer[Account],
            ctx,
            "portfolio_account",
            {},
            lambda p: views.account(rt),
            permission=_PORTFOLIO,
        )

    @tool(title="Positions", annotations=READ)
    def portfolio_positions(ctx: Context) -> ToolAnswer[list[PositionRow]]:
        """Open positions at last prices, with unrealised P&L."""
        return face.run(
            ToolAnswer[list[PositionRow]],
            ctx,
            "portfolio_positions",
            {},
            lambda p: views.positions(rt),
            permission=_PORTFOLIO,
        )

    @tool(title="Orders", annotations=READ)
    def orders_list(
        ctx: Context,
        status: Literal["open", "closed", "all"] = "all",
        limit: Limit = 20,
        offset: Annotated[int, Field(ge=0, le=1_000_000)] = 0,
    ) -> ToolAnswer[list[OrderRow]]:
        """The account's orders, newest first, a page at a time."""
        args = {"status": status, "limit": limit, "offset": offset}
        return face.run(
            ToolAnswer[list[OrderRow]],
            ctx,
            "orders_list",
            args,
            lambda p: views.orders(rt, status, limit, offset),
            permission=_PORTFOLIO,
        )

    @tool(title="Alerts", annotations=READ)
    def alerts_list(
        ctx: Context,
        state: Literal["open", "acknowledged", "resolved"] | None = None,
        limit: Limit = 20,
    ) -> ToolAnswer[list[AlertRow]]:
        """Alerts raised by the monitor, newest first (of one state, or all)."""
        return face.run(
            ToolAnswer[list[AlertRow]],
            ctx,
            "alerts_list",
            {"state": state, "limit": limit},
            lambda p: views.alerts(rt, state, limit),
            permission=Permission.READ_REPORTS,
        )

    @tool(title="Verify the audit chain", annotations=READ)
    def audit_verify(ctx: Context) -> ToolAnswer[AuditVerification]:
        """Recompute the audit chain's hashes end to end: intact or where it breaks."""
        return face.run(
            ToolAnswer[AuditVerification],
            ctx,
            "audit_verify",
            {},
            lambda p: views.audit_verify(rt),
            permission=_AUDIT,
        )

    @tool(title="Query the audit log", annotations=READ)
    def audit_query(
        ctx: Context,
        kind: Annotated[
            str | None,
            Field(max_length=64, description="a kind prefix: order, mcp.tool, trading_state..."),
        ] = None,
        actor: Annotated[str | None, Field(max_length=128)] = None,
        start: Day = None,
        end: Day = None,
        limit: Limit = 50,
    ) -> ToolAnswer[list[AuditRecord]]:
        """Audit records, newest first, filtered by kind prefix, actor and dates."""
        args = {"kind": kind, "actor": actor, "start": start, "end": end, "limit": limit}
        return face.run(
            ToolAnswer[list[AuditRecord]],
            ctx,
            "audit_query",
            args,
            lambda p: views.audit_query(rt, kind, actor, start, end, limit),
            permission=_AUDIT,
        )


_MD = Permission.READ_MARKET_DATA
_ANALYSIS = Permission.RUN_ANALYSIS
_PORTFOLIO = Permission.READ_PORTFOLIO
_AUDIT = Permission.READ_REPORTS
