"""Reports of a real replayed paper run (runner -> risk gate -> OMS -> paper broker -> ledger),
not a recorded stand-in: the execution report's fills and the holdings are the ledger's, and the
parity tables travel into the report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from workbench.core.config import load_settings
from workbench.ops import trade_runs
from workbench.ops.parity import parity, parity_tables
from workbench.ops.report import generate
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("REP-02")

SYMBOLS = ["AAPL", "MSFT", "AMZN", "JPM", "XOM", "WMT"]
PARAMS = {"top": 2, "lookback": 63, "skip": 5, "rebalance": "weekly"}


@pytest.fixture(scope="module")
def run(
    sample_lake: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Runtime, trade_runs.RunSummary]]:
    home = tmp_path_factory.mktemp("real-paper-home")
    (home / "lake").symlink_to(sample_lake, target_is_directory=True)
    with Runtime.from_settings(load_settings(home=home)) as runtime:
        summary = trade_runs.paper_run(
            runtime, "momentum_rotation", SYMBOLS, params=PARAMS, sessions=15
        )
        yield runtime, summary


def test_the_execution_report_shows_the_ledgers_fills_and_the_parity(
    run: tuple[Runtime, trade_runs.RunSummary], tmp_path: Path
) -> None:
    rt, summary = run
    compared = parity(rt, summary.run_id)
    made = generate(
        rt,
        "execution",
        fmt="xlsx",
        out=tmp_path / "execution.xlsx",
        run_id=summary.run_id,
        extra_tables=parity_tables(compared),
        extra_notes=compared.explanations,
    )
    book = load_workbook(made.path)
    fills = list(book["fills"].iter_rows(values_only=True))
    assert len(fills) - 1 == summary.fills > 0
    parity_rows = list(book["parity_trades"].iter_rows(values_only=True))
    assert len(parity_rows) - 1 == len(compared.trades)
    assert made.run_id == summary.run_id


def test_the_holdings_report_holds_what_the_run_holds(
    run: tuple[Runtime, trade_runs.RunSummary], tmp_path: Path
) -> None:
    rt, summary = run
    made = generate(
        rt, "holdings", fmt="json", out=tmp_path / "holdings.json", run_id=summary.run_id
    )
    document = json.loads(Path(made.path).read_text())
    [positions] = [t for s in document["sections"] for t in s["tables"] if t["key"] == "positions"]
    held = {row["symbol"]: Decimal(str(row["qty"])) for row in positions["rows"] if row["qty"]}
    assert held == {p.symbol: p.qty for p in summary.positions}
