"""The analysis and research tools: indicators, performance, risk, stress, allocation, the
rebalance plan, grid search, walk-forward, runs, parity and reports; and the alert tools."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from pydantic import Field

from workbench.interfaces.mcp.answers import (
    AlertRow,
    Allocation,
    IndicatorValues,
    Optimisation,
    Parity,
    Performance,
    RebalancePlan,
    ReportMade,
    Risk,
    RuleRow,
    RunRow,
    Stress,
    ToolAnswer,
    WalkForward,
)
from workbench.interfaces.mcp.face import Face
from workbench.interfaces.mcp.tools_read import READ, RUNS, Day, Limit, Symbols
from workbench.model import Permission
from workbench.ops.assistant import calls, research

__all__ = ["register_alert_tools", "register_research_tools"]

Weights = Annotated[
    dict[str, Annotated[float, Field(ge=-10, le=10)]] | None,
    Field(
        max_length=50,
        description='a hypothetical book as weights, e.g. {"SPY": 0.6, "AGG": 0.4}; '
        "none for the account's own book",
    ),
]
Value = Annotated[float | None, Field(gt=0, le=1e12, description="what the weights are of")]
Grid = Annotated[
    dict[str, list[float | int | str | bool]],
    Field(min_length=1, max_length=5, description='values to try, e.g. {"fast": [5, 10, 20]}'),
]
Name = Annotated[str, Field(min_length=1, max_length=64)]
Objective = Literal["total_return", "cagr", "sharpe", "sortino", "calmar", "max_drawdown"]
Method = Literal[
    "equal_weight", "inverse_volatility", "min_variance", "max_sharpe", "risk_parity", "hrp"
]
_ANALYSIS = Permission.RUN_ANALYSIS
_BACKTESTS = Permission.RUN_BACKTESTS


def register_research_tools(server: MCPServer[Any], face: Face) -> None:
    tool = server.tool
    rt = face.runtime

    @tool(title="Indicator values", annotations=READ)
    def analysis_indicators(
        ctx: Context,
        symbols: Symbols,
        name: Annotated[str, Field(min_length=1, max_length=40, description="e.g. rsi, sma")],
        params: dict[str, float | int | str] | None = None,
        start: Day = None,
        end: Day = None,
        tail: Annotated[int, Field(ge=1, le=250, description="last rows per symbol")] = 5,
    ) -> ToolAnswer[IndicatorValues]:
        """A technical indicator over the symbols' daily bars: the last values per symbol."""
        args = {"symbols": symbols, "name": name, "params": params, "tail": tail}
        return face.run(
            ToolAnswer[IndicatorValues],
            ctx,
            "analysis_indicators",
            {**args, "start": start, "end": end},
            lambda p: research.indicators(rt, symbols, name, params, start, end, tail),
            permission=_ANALYSIS,
        )

    @tool(title="Performance", annotations=READ)
    def analysis_performance(
        ctx: Context,
        symbols: Symbols | None = None,
        run_id: Annotated[int | None, Field(ge=1)] = None,
        start: Day = None,
        end: Day = None,
    ) -> ToolAnswer[Performance]:
        """Return, CAGR, Sharpe, drawdowns of holding each symbol, or of a stored run (give
        one of symbols and run_id), against the benchmark."""
        args = {"symbols": symbols, "run_id": run_id, "start": start, "end": end}
        return face.run(
            ToolAnswer[Performance],
            ctx,
            "analysis_performance",
            args,
            lambda p: research.performance(rt, symbols, run_id, start, end),
            permission=_ANALYSIS,
        )

    @tool(title="Portfolio risk", annotations=READ)
    def analysis_risk(
        ctx: Context, weights: Weights = None, value: Value = None
    ) -> ToolAnswer[Risk]:
        """VaR and expected shortfall, exposure by sector, liquidity of the account's book (or
        of hypothetical weights)."""
        return face.run(
            ToolAnswer[Risk],
            ctx,
            "analysis_risk",
            {"weights": weights, "value": value},
            lambda p: research.risk(rt, weights, value),
            permission=_ANALYSIS,
        )

    @tool(title="Stress tests", annotations=READ)
    def analysis_stress(
        ctx: Context, weights: Weights = None, value: Value = None
    ) -> ToolAnswer[Stress]:
        """Historical crisis windows and shocks applied to the book: P&L of each scenario."""
        return face.run(
            ToolAnswer[Stress],
            ctx,
            "analysis_stress",
            {"weights": weights, "value": value},
            lambda p: research.stress(rt, weights, value),
            permission=_ANALYSIS,
        )

    @tool(title="Allocation", annotations=READ)
    def analysis_allocation(
        ctx: Context,
        symbols: Symbols,
        method: Method = "equal_weight",
        lookback: Annotated[int, Field(ge=2, le=5000, description="daily returns")] = 252,
    ) -> ToolAnswer[Allocation]:
        """Target weights of the symbols by an allocation method over recent returns."""
        args = {"symbols": symbols, "method": method, "lookback": lookback}
        return face.run(
            ToolAnswer[Allocation],
            ctx,
            "analysis_allocation",
            args,
            lambda p: research.allocate(rt, symbols, method, lookback),
            permission=_ANALYSIS,
        )

    @tool(title="Rebalance plan (drift against targets)", annotations=READ)
    def portfolio_rebalance_plan(
        ctx: Context,
        targets: Annotated[
            dict[str, Annotated[float, Field(ge=0, le=1)]] | None,
            Field(max_length=50, description='target weights, e.g. {"SPY": 0.6}'),
        ] = None,
        method: Method = "equal_weight",
        symbols: Symbols | None = None,
    ) -> ToolAnswer[RebalancePlan]:
        """The account's drift from target weights (given, or by a method over symbols) and
        the trades that would close it. Nothing is sent."""
        args = {"targets": targets, "method": method, "symbols": symbols}
        return face.run(
            ToolAnswer[RebalancePlan],
            ctx,
            "portfolio_rebalance_plan",
            args,
            lambda p: research.rebalance_plan(rt, targets, method, symbols),
            permission=Permission.READ_PORTFOLIO,
        )

    @tool(title="Grid search", annotations=RUNS)
    def strategy_optimize(
        ctx: Context,
        name: Name,
        symbols: Symbols,
        grid: Grid,
        objective: Objective = "sharpe",
        start: Day = None,
        end: Day = None,
    ) -> ToolAnswer[Optimisation]:
        """Backtest every combination of the grid and rank them by the objective (stored)."""
        args = {"name": name, "symbols": symbols, "grid": grid, "objective": objective}
        return face.run(
            ToolAnswer[Optimisation],
            ctx,
            "strategy_optimize",
            {**args, "start": start, "end": end},
            lambda p: research.optimize(rt, name, symbols, grid, objective, start, end),
            permission=_BACKTESTS,
        )

    @tool(title="Walk-forward", annotations=RUNS)
    def strategy_walk_forward(
        ctx: Context,
        name: Name,
        symbols: Symbols,
        grid: Grid,
        train: Annotated[int, Field(ge=20, le=5000, description="bars per training window")] = 504,
        test: Annotated[int, Field(ge=5, le=2000, description="bars per test window")] = 126,
        objective: Objective = "sharpe",
    ) -> ToolAnswer[WalkForward]:
        """Optimise on each training window, test out of sample on the next (stored)."""
        args = {"name": name, "symbols": symbols, "grid": grid, "train": train, "test": test}
        return face.run(
            ToolAnswer[WalkForward],
            ctx,
            "strategy_walk_forward",
            {**args, "objective": objective},
            lambda p: research.walk_forward(rt, name, symbols, grid, train, test, objective),
            permission=_BACKTESTS,
        )

    @tool(title="Runs", annotations=READ)
    def runs_list(
        ctx: Context,
        kind: Literal["backtest", "optimize", "walk_forward", "paper", "live"] | None = None,
        limit: Limit = 20,
    ) -> ToolAnswer[list[RunRow]]:
        """Stored runs (backtests, grids, walk-forwards, paper and live runs), newest first."""
        return face.run(
            ToolAnswer[list[RunRow]],
            ctx,
            "runs_list",
            {"kind": kind, "limit": limit},
            lambda p: research.runs(rt, kind, limit),
            permission=Permission.READ_REPORTS,
        )

    @tool(title="Backtest/paper parity", annotations=READ)
    def runs_parity(ctx: Context, run_id: Annotated[int, Field(ge=1)]) -> ToolAnswer[Parity]:
        """How a paper run's fills compare with what the backtest would have done."""
        return face.run(
            ToolAnswer[Parity],
            ctx,
            "runs_parity",
            {"run_id": run_id},
            lambda p: research.parity_report(rt, run_id),
            permission=Permission.READ_REPORTS,
        )

    @tool(title="Generate a report", annotations=RUNS)
    def reports_generate(
        ctx: Context,
        kind: Literal["performance", "risk", "holdings", "execution", "alerts", "quality", "daily"],
        run_id: Annotated[int | None, Field(ge=1)] = None,
    ) -> ToolAnswer[ReportMade]:
        """Write a report (JSON) and answer with a workbench://reports link to read in pages."""
        return face.run(
            ToolAnswer[ReportMade],
            ctx,
            "reports_generate",
            {"kind": kind, "run_id": run_id},
            lambda p: research.generate_report(rt, kind, run_id),
            permission=Permission.READ_REPORTS,
        )


def register_alert_tools(server: MCPServer[Any], face: Face) -> None:
    """State-changing alert tools: registered only when trading tools are enabled."""
    from workbench.interfaces.mcp.tools_trade import STATE

    tool = server.tool
    rt = face.runtime

    @tool(title="Acknowledge an alert", annotations=STATE)
    def alerts_acknowledge(
        ctx: Context, alert_id: Annotated[int, Field(ge=1)]
    ) -> ToolAnswer[AlertRow]:
        """Mark an open alert acknowledged (by the caller)."""
        return face.run(
            ToolAnswer[AlertRow],
            ctx,
            "alerts_acknowledge",
            {"alert_id": alert_id},
            lambda p: research.acknowledge(rt, alert_id, calls.actor_of(p)),
            permission=Permission.MANAGE_ALERT_RULES,
            trading=True,
        )

    @tool(title="Create an alert rule", annotations=STATE)
    def alerts_create_rule(
        ctx: Context,
        name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")],
        kind: Annotated[str, Field(min_length=1, max_length=40, description="a rule kind")],
        params: dict[str, float | int | str | bool],
        scope: Annotated[str | None, Field(max_length=64)] = None,
        severity: Literal["info", "warning", "critical"] = "warning",
    ) -> ToolAnswer[RuleRow]:
        """Add a monitor rule (price move, drawdown, stale data...), owned by the caller."""
        args = {"name": name, "kind": kind, "params": params, "scope": scope, "severity": severity}
        return face.run(
            ToolAnswer[RuleRow],
            ctx,
            "alerts_create_rule",
            args,
            lambda p: research.create_rule(
                rt, name, kind, params, scope, severity, calls.actor_of(p)
            ),
            permission=Permission.MANAGE_ALERT_RULES,
            trading=True,
        )
