"""The papermill-parameterised workflow notebooks run as jobs on the workbench kernel, and what
each records matches the ledger and the ``ops`` it calls, called here directly."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import workbench
from tests.notebooks.conftest import RunNotebook

pytestmark = pytest.mark.requirement("INT-07")


@pytest.mark.slow
def test_backtest_report_stores_the_run_and_records_its_report(
    run_notebook: RunNotebook, sample_home: Path, tmp_path: Path
) -> None:
    out = tmp_path / "performance.json"
    seen = run_notebook(
        "workflows/backtest_report.ipynb",
        strategy="ema_crossover",
        symbols=["JPM"],
        params={"fast": 10, "slow": 40},
        start="2017-01-01",
        end="2017-12-29",
        fmt="json",
        out=str(out),
    )
    from workbench.ops import report, strategy

    with workbench.open() as wb:
        stored = strategy.results(wb, seen["run_id"])
        recorded = report.reports(wb)
    assert seen["total_return"] == pytest.approx(stored.stats.total_return)
    assert seen["trades"] == len(stored.trades)
    assert out.is_file() and seen["report"]["path"] == str(out)
    assert [(r.id, r.kind, r.run_id) for r in recorded] == [
        (seen["report"]["id"], "performance", seen["run_id"])
    ]


@pytest.mark.slow
def test_rebalance_plans_and_previews_without_sending_by_default(
    run_notebook: RunNotebook, sample_home: Path
) -> None:
    symbols = ["AAPL", "MSFT", "JPM"]
    seen = run_notebook("workflows/rebalance.ipynb", symbols=symbols, method="risk_parity")
    from workbench.ops import allocation, trade
    from workbench.ops.portfolio import BookSpec

    with workbench.open() as wb:
        planned = allocation.rebalance(
            wb,
            BookSpec(account=seen["account"]),
            method="risk_parity",
            symbols=symbols,
            lookback=252,
            cash_buffer=0.01,
        )
        sent = trade.orders(wb)
        positions = trade.positions(wb)
    assert seen["orders"] == [
        {"symbol": o.symbol, "side": str(o.side), "qty": str(o.qty)} for o in planned.plan.orders
    ]
    assert len(seen["orders"]) == 3 and all(seen["approved"])
    assert seen["targets"] == pytest.approx({s: float(w) for s, w in planned.targets.items()})
    assert seen["submitted"] == [] and sent == [] and positions == []


@pytest.mark.slow
def test_rebalance_submits_when_told_and_the_paper_book_holds_the_plan(
    run_notebook: RunNotebook, sample_home: Path
) -> None:
    seen = run_notebook(
        "workflows/rebalance.ipynb", targets={"AAPL": 0.5, "KO": 0.3}, symbols=[], submit=True
    )
    from workbench.ops import trade

    with workbench.open() as wb:
        held = {p.symbol: p.qty for p in trade.positions(wb)}
        orders = trade.orders(wb)
    planned = {o["symbol"]: Decimal(o["qty"]) for o in seen["orders"]}
    assert set(planned) == {"AAPL", "KO"} and len(seen["submitted"]) == 2
    assert {o.symbol for o in orders} == {"AAPL", "KO"}
    assert held == planned, "market orders on the paper book fill in full"


@pytest.mark.slow
def test_parity_check_compares_a_paper_run_with_its_backtest(
    run_notebook: RunNotebook, sample_home: Path
) -> None:
    seen = run_notebook("workflows/parity_check.ipynb", sessions=8)
    from workbench.ops import parity

    with workbench.open() as wb:
        compared = parity.parity(wb, seen["run_id"])
    assert seen["sessions"] == compared.sessions == 8
    assert seen["paper_final"] == pytest.approx(compared.paper_final)
    assert seen["backtest_final"] == pytest.approx(compared.backtest_final)
    assert seen["explanations"] == compared.explanations
    difference = abs(compared.final_difference / compared.backtest_final)
    assert seen["within_tolerance"] == (difference <= 0.01)


@pytest.mark.slow
def test_rebalance_refuses_a_submit_that_is_not_true_or_false(
    run_notebook: RunNotebook, sample_home: Path
) -> None:
    """papermill's -p passes `false` as text, which Python would take as true."""
    with pytest.raises(pytest.fail.Exception, match="submit must be True or False, got 'false'"):
        run_notebook("workflows/rebalance.ipynb", submit="false")
    from workbench.ops import trade

    with workbench.open() as wb:
        assert trade.orders(wb) == []
