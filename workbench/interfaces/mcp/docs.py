"""The tool list of docs/mcp.md, generated from the server itself (a test fails when the page
is stale). ``python -m workbench.interfaces.mcp.docs docs/mcp.md`` rewrites it in place."""

from __future__ import annotations

import sys
from pathlib import Path

import anyio

from workbench.core.config import load_settings
from workbench.interfaces.mcp.face import Face
from workbench.interfaces.mcp.server import build_server
from workbench.interfaces.mcp.tools_trade import TRADING_TOOLS
from workbench.runtime import Runtime

__all__ = ["END", "START", "tool_table", "with_tool_table"]

START = "<!-- tools:start (generated: python -m workbench.interfaces.mcp.docs docs/mcp.md) -->"
END = "<!-- tools:end -->"


def tool_table() -> str:
    """A markdown table of every tool (trading ones included) and its hints."""
    runtime = Runtime.from_settings(load_settings(mcp={"trading_enabled": True}))
    server = build_server(Face(runtime))
    tools = anyio.run(server.list_tools)
    lines = [
        "| tool | what it does | trading tool, needs | read-only | destructive |",
        "| --- | --- | --- | --- | --- |",
    ]
    for tool in tools:
        hints = tool.annotations
        assert hints is not None
        first = " ".join((tool.description or "").split())
        needs = TRADING_TOOLS[tool.name].value if tool.name in TRADING_TOOLS else "-"
        lines.append(
            f"| `{tool.name}` | {first} | {needs} | {_yes(hints.read_only_hint)} | "
            f"{_yes(hints.destructive_hint)} |"
        )
    return "\n".join(lines)


def with_tool_table(page: str) -> str:
    before, _, rest = page.partition(START)
    _, _, after = rest.partition(END)
    return f"{before}{START}\n{tool_table()}\n{END}{after}"


def _yes(flag: bool | None) -> str:
    return "yes" if flag else "no"


if __name__ == "__main__":
    target = Path(sys.argv[1])
    target.write_text(with_tool_table(target.read_text()))
