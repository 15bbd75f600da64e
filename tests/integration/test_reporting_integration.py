"""Reports of a real run's ledger: a live momentum rotation holding all three of its symbols, traded on the local exchange
(a real socket, the Alpaca adapter, a SQLite ledger) for two sessions; then its holdings and
execution reports as HTML, PDF and XLSX, read back as a program would (the HTML parsed, the PDF's
text through pypdf, the workbook through openpyxl) and held to what ``workbench.ops`` says of
the same ledger (account, positions, orders, fills).

Proven elsewhere and not repeated: every kind in every format against ``workbench.analysis``'s
own figures, typed cells, recorded reports (tests/integration/reporting/test_reports.py); a
replayed paper run's reports with parity tables (tests/integration/reporting/
test_real_paper_run.py); nothing left at the target and nothing recorded when rendering fails,
an unwritable target, an existing one without ``--force`` (tests/integration/reporting/
test_bad_input.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.integration.exchange.conftest import sample_lake
from tests.integration.flows import open_floor
from tests.integration.reporting import readback
from workbench.ops import report, trade, trade_runs
from workbench.reporting import format_value
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("REP-01", "REP-02")

__all__ = ["sample_lake"]

SYMBOLS = ["AAPL", "MSFT", "JPM"]
FORMATS = ["html", "pdf", "xlsx"]


@dataclass
class Traded:
    rt: Runtime
    run_id: int


@pytest.fixture(scope="module")
def traded(sample_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Traded]:
    for floor in open_floor(sample_lake, tmp_path_factory.mktemp("reporting")):
        with floor.runtime() as rt:
            rt.ledger.upgrade()
            summary = trade_runs.live_run(
                rt,
                "momentum_rotation",
                SYMBOLS,
                params={"top": 3, "lookback": 63, "skip": 5, "rebalance": "daily"},
                cycles=2,
                sleep=floor.next_day,
            )
            floor.venue.clock(advance="10m")  # the second cycle's orders meet the open
            assert trade.reconcile(rt).ok
            yield Traded(rt, summary.run_id)


@pytest.fixture(scope="module")
def ledger_says(traded: Traded) -> dict[str, Any]:
    """What ``workbench.ops`` says of the run, independently of ``workbench.reporting``."""
    orders = trade.orders(traded.rt, run_id=traded.run_id)
    fills = trade.fills(traded.rt, run_id=traded.run_id)
    return {
        "metrics": {
            "orders": float(len(orders)),
            "filled_orders": float(sum(o.status == "filled" for o in orders)),
            "rejected_orders": float(sum(o.status == "rejected" for o in orders)),
            "fills": float(len(fills)),
            "traded_value": float(sum(f.qty * f.price for f in fills)),
            "fees": float(sum(f.fee for f in fills)),
        },
        "fills": sorted((f.symbol, f.side, float(f.qty), float(f.price)) for f in fills),
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_execution_report_of_a_live_run_holds_the_ledgers_figures(
    traded: Traded, ledger_says: dict[str, Any], tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"execution.{fmt}"
    made = report.generate(traded.rt, "execution", fmt=fmt, out=out, run_id=traded.run_id)
    assert Path(made.path) == out and made.run_id == traded.run_id
    assert [p.name for p in tmp_path.iterdir()] == [out.name], "only the report is left"
    expected = ledger_says["metrics"]
    assert expected["orders"] == expected["filled_orders"] == 6  # three buys, three trims
    found = readback.metrics(out, fmt)
    if fmt == "pdf":
        for key, value in expected.items():
            shown = format_value(value, "money" if key in ("traded_value", "fees") else "integer")
            assert shown in found["text"], f"{key}: {shown} not in the PDF"
        for _symbol, _side, _qty, price in ledger_says["fills"]:
            assert format_value(price, "money") in found["text"]
        return
    for key, value in expected.items():
        assert found[key] == pytest.approx(value, rel=1e-12), key
    rows = readback.table(out, fmt, "fills")
    shown = sorted((r["symbol"], r["side"], float(r["qty"]), float(r["price"])) for r in rows)
    assert shown == ledger_says["fills"]
