"""One order reads the same through every JSON face: ``trade orders --json`` and the ledger's
JSON export carry the same values, Decimals as exact strings and times in UTC."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.system, pytest.mark.requirement("REP-04")]

WORKBENCH = str(Path(sys.executable).with_name("workbench"))


def run_json(*args: str) -> Any:
    result = subprocess.run(
        [WORKBENCH, *args, "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ),
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_an_order_reads_the_same_in_the_cli_and_the_json_export(home: Path, tmp_path: Path) -> None:
    run_json("trade", "submit", "AAPL", "--side", "buy", "--qty", "10")
    run_json(
        "trade", "submit", "MSFT", "--side", "buy", "--qty", "2.50",
        "--type", "limit", "--limit-price", "80.10",
    )  # fmt: skip
    listed = {o["client_order_id"]: o for o in run_json("trade", "orders")}
    out = tmp_path / "orders.json"
    run_json("report", "export", "orders", "--format", "json", "--out", str(out))
    exported = {o["client_order_id"]: o for o in json.loads(out.read_text(encoding="utf-8"))}

    assert listed.keys() == exported.keys() and len(listed) == 2
    for client_order_id, order in listed.items():
        row = exported[client_order_id]
        shared = sorted(set(order) & set(row))
        assert {"qty", "filled_qty", "limit_price", "status", "created_at"} <= set(shared)
        assert {k: row[k] for k in shared} == {k: order[k] for k in shared}
    limit = next(o for o in listed.values() if o["symbol"] == "MSFT")
    assert (limit["qty"], limit["limit_price"]) == ("2.50", "80.10")  # exact, scale kept
    filled = next(o for o in listed.values() if o["symbol"] == "AAPL")
    assert filled["filled_qty"] == "10" and Decimal(filled["filled_avg_price"]) > 0
    assert filled["created_at"].endswith("+00:00")
