"""A replayed paper run end to end (runner -> risk gate -> OMS -> paper broker -> ledger), its
resumption after a stop, and its parity report against the backtest of the same strategy."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.integration.exchange.conftest import sample_lake
from workbench.execution import StepResult
from workbench.ledger import OrderRow
from workbench.ops import trade_runs
from workbench.ops.parity import parity
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("EXE-06")

__all__ = ["sample_lake"]

SYMBOLS = ["AAPL", "MSFT", "AMZN", "JPM", "XOM", "JNJ", "WMT", "PG"]
PARAMS = {"top": 3, "lookback": 63, "skip": 5, "rebalance": "weekly"}
START, END = date(2017, 10, 2), date(2017, 11, 30)


@pytest.fixture
def rt(sample_lake: Path, wb_home: Path) -> Iterator[Runtime]:
    shutil.copytree(sample_lake, wb_home / "lake")
    runtime = Runtime.from_settings()
    yield runtime
    runtime.close()


def _run(rt: Runtime, **options: object) -> trade_runs.RunSummary:
    return trade_runs.paper_run(
        rt, "momentum_rotation", SYMBOLS, params=PARAMS, start=START, end=END, **options
    )


def test_a_paper_run_trades_every_session_and_books_everything(rt: Runtime) -> None:
    steps: list[StepResult] = []
    summary = _run(rt, on_session=lambda session, step, point: steps.append(step))
    # decided at Friday 2017-09-29's close, which opens no new week: the run's first
    # decision rebalances all the same (as the backtest's window does)
    assert steps[0].decision.as_of.date() == date(2017, 9, 29)
    assert len(steps[0].decision.orders) == 3
    assert summary.status == "succeeded"
    assert summary.sessions == 43 and summary.start == "2017-10-02"
    assert summary.orders > 10 and summary.rejected == 0
    assert summary.fills >= summary.orders  # partial fills count once each
    assert summary.audit["ok"] is True
    with rt.ledger.session(read_only=True) as session:
        statuses = set(
            session.scalars(sa.select(OrderRow.status).where(OrderRow.run_id == summary.run_id))
        )
    assert {str(s) for s in statuses} == {"filled"}
    held = sum(p.market_value or Decimal(0) for p in summary.positions)
    cash = Decimal(summary.equity[-1][2])
    assert abs(cash + held - summary.final_equity) < Decimal("0.01")
    assert len(summary.positions) == 3
    from workbench.ops.audit import records

    [started] = records(rt, kind="run.started")
    assert started["payload"]["strategy"] == "momentum_rotation"
    assert started["payload"]["risk_limits"]["max_order_notional"] is not None


def test_a_stopped_run_resumes_and_ends_where_an_unbroken_run_ends(rt: Runtime) -> None:
    whole = _run(rt)
    sessions_seen: list[date] = []

    def stop_after_ten() -> bool:
        return len(sessions_seen) >= 10

    stopped = _run(
        rt,
        on_session=lambda session, step, point: sessions_seen.append(session.date),
        should_stop=stop_after_ten,
    )
    assert stopped.status == "canceled" and stopped.sessions == 10
    resumed = trade_runs.paper_run(rt, run_id=stopped.run_id)
    assert resumed.status == "succeeded" and resumed.sessions == whole.sessions
    assert resumed.final_equity == whole.final_equity
    assert resumed.orders == whole.orders
    with rt.ledger.session(read_only=True) as session:
        ids = list(
            session.scalars(
                sa.select(OrderRow.client_order_id).where(OrderRow.run_id == stopped.run_id)
            )
        )
    assert len(ids) == len(set(ids)) == whole.orders


def test_a_finished_run_cannot_be_resumed(rt: Runtime) -> None:
    from workbench.core.errors import ValidationError

    done = _run(rt)
    with pytest.raises(ValidationError, match="already finished"):
        trade_runs.paper_run(rt, run_id=done.run_id)


def test_parity_explains_every_difference_between_paper_and_backtest(rt: Runtime) -> None:
    summary = _run(rt)
    report = parity(rt, summary.run_id)
    assert report.signals_agree and report.signals_compared > 0
    assert report.sessions == summary.sessions
    assert report.paper_final == pytest.approx(float(summary.final_equity))
    # same strategy, same bars, matched costs: what is left is whole shares and sizing
    assert abs(report.final_difference) / report.backtest_final < 0.005
    both = [t for t in report.trades if t.paper_qty is not None and t.backtest_qty is not None]
    assert both and all(t.explanation for t in report.trades)
    for trade in both:
        assert trade.paper_cost_bps is not None and 0 <= trade.paper_cost_bps < 6
    # the opening trades start from the same cash: sized alike, but for whole shares
    first = [t for t in both if t.session == both[0].session]
    for trade in first:
        assert abs(trade.paper_qty - trade.backtest_qty) < 0.02 * trade.backtest_qty + 1
    assert any("decisions agree" in line for line in report.explanations)
    tables = report.tables()
    assert {"trades", "signal_differences", "equity"} <= set(tables)
    assert len(tables["equity"]) == summary.sessions


def test_the_kill_switch_stops_a_replayed_run_on_its_own_account(rt: Runtime) -> None:
    from workbench.ops import trade

    seen: list[int] = []
    stopped = _run(
        rt,
        on_session=lambda session, step, point: seen.append(len(step.submitted)),
        should_stop=lambda: len(seen) >= 8,
    )
    changes = trade.halt(rt, actor="operator", reason="drill")
    assert f"paper-run-{stopped.run_id}" in {c.account for c in changes}
    steps: list[str | None] = []
    resumed = trade_runs.paper_run(
        rt,
        run_id=stopped.run_id,
        on_session=lambda session, step, point: steps.append(step.skipped),
    )
    assert steps and set(steps) == {"trading is halted: nothing sent"}
    assert resumed.orders == stopped.orders


def test_bad_input_fails_before_a_run_is_recorded(rt: Runtime, wb_home: Path) -> None:
    from workbench.core.config import load_settings
    from workbench.core.errors import ConfigError, NotFound
    from workbench.ledger import RunRow

    with pytest.raises(NotFound, match="no daily bars for NOSUCH"):
        trade_runs.paper_run(rt, "momentum_rotation", ["AAPL", "NOSUCH"], params=PARAMS)
    live = Runtime.from_settings(load_settings(home=wb_home, broker="alpaca"))
    with live, pytest.raises(ConfigError, match="WB_ALPACA__API_KEY"):
        trade_runs.live_run(live, "momentum_rotation", ["AAPL"], cycles=1)
    with rt.ledger.session(read_only=True) as session:
        assert session.scalars(sa.select(RunRow)).all() == []
