"""``workbench trade held | approve | reject`` as a trader runs them, on orders an assistant
placed (``mcp:``) while its orders need approval: real processes on a real home."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from workbench.ops import trade
from workbench.runtime import Runtime

pytestmark = [pytest.mark.system, pytest.mark.requirement("RSK-03")]

WORKBENCH = str(Path(sys.executable).with_name("workbench"))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [WORKBENCH, *args], capture_output=True, text=True, timeout=300, env=dict(os.environ)
    )


def run_json(*args: str) -> Any:
    result = run(*args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_trader_approves_one_held_order_and_rejects_another(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WB_RISK__ACTORS__MCP__REQUIRE_APPROVAL", "true")
    with Runtime.from_settings() as rt:  # what the MCP server's submit tool does
        results = [
            trade.submit(rt, trade.order_request("AAPL", "buy", qty=q), actor="mcp:alice")
            for q in ("2", "3")
        ]
    assert [r.to_dict()["held"] for r in results] == [True, True]
    held = [r.order for r in results]
    assert [o.status for o in held] == ["pending_approval"] * 2
    listed = run_json("trade", "held")
    assert [h["order"]["id"] for h in listed] == [o.id for o in held]
    assert {h["requested_by"] for h in listed} == {"mcp:alice"}
    approved = run_json("trade", "approve", str(held[0].id))
    assert approved["order"]["status"] == "filled" and approved["risk"]["approved"] is True
    rejected = run_json("trade", "reject", held[1].client_order_id, "--reason", "enough")
    assert rejected["status"] == "rejected" and rejected["reason"].endswith(": enough")
    again = run("trade", "approve", str(held[1].id))
    assert again.returncode == 1
    assert "is rejected" in again.stderr and "Traceback" not in again.stderr
    shown = run("trade", "held")  # none left, as people read it
    assert shown.returncode == 0 and "Held for approval" in shown.stdout
    assert "mcp:alice" not in shown.stdout
