"""Prompts for common work with the workbench's tools."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer

__all__ = ["register_prompts"]


def register_prompts(server: MCPServer[Any]) -> None:
    @server.prompt(title="Daily portfolio review")
    def daily_portfolio_review() -> str:
        """Review today's account, positions, orders and open alerts."""
        return (
            "Review my portfolio for today. Call portfolio_account, portfolio_positions, "
            "orders_list (status open) and alerts_list (state open). Summarise equity, cash, "
            "the largest positions and their P&L, anything unusual, and what needs my attention. "
            "Do not place orders."
        )

    @server.prompt(title="Rebalance check")
    def rebalance_check(targets: str) -> str:
        """Compare the positions with target weights (e.g. "SPY=0.6,AGG=0.4")."""
        return (
            f"My target weights are {targets}. Call portfolio_account and portfolio_positions, "
            "compute each symbol's current weight of equity and its drift from the target, and "
            "list the trades that would bring it back. If trading tools are available, preview "
            "each trade with order_preview and show me the risk checks; never submit without my "
            "explicit confirmation."
        )

    @server.prompt(title="Strategy research brief")
    def strategy_research_brief(strategy: str, symbols: str) -> str:
        """A brief on one strategy over some symbols (comma-separated)."""
        return (
            f"Research strategy {strategy} on {symbols}. Call strategy_show for its parameters, "
            "market_bars_summary for each symbol, then strategy_backtest with the defaults. "
            "Report total return, CAGR, Sharpe and max drawdown against buying and holding, "
            "and name the risks. Read the backtest's resource link only if you need the trades."
        )

    @server.prompt(title="Incident review")
    def incident_review(start: str, end: str) -> str:
        """Reconstruct what happened between two dates (YYYY-MM-DD) from the audit log."""
        return (
            f"Review the incident between {start} and {end}. Call audit_verify first (is the "
            f"chain intact?), then audit_query with start {start} and end {end} (kinds order, "
            "trading_state, mcp.tool), and build a timeline: who did what, through which face, "
            "which orders were refused and why, and what state trading was left in."
        )
