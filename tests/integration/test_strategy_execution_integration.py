"""A signal strategy run live on the local exchange (a real socket, the Alpaca adapter and its
trade stream, a SQLite ledger): its signals become orders, the orders fills, the fills
positions the exchange agrees with; a run stopped and restarted on the same bar sends nothing
twice; it respects its strategy's warm-up; and it stands against its backtest on the same bars.

Already proven elsewhere and not repeated: a live run as a real process with the books agreeing
(tests/integration/execution/test_live_loop.py, an allocation strategy, with its parity report),
a runner SIGKILLed at each crash point and resumed (tests/integration/execution/
test_crash_safety.py), replayed paper runs, their resumption and parity (tests/integration/
execution/test_paper_run.py), warm-up in backtests (tests/integration/strategy/test_warmup.py).

With a 2/5-day crossover on PM, JPM and XOM the bundled daily bars give: PM crosses up on
2016-12-30 and down on 2017-01-04, JPM and XOM up on 2017-01-03, XOM down on 2017-01-05.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.integration.exchange.conftest import sample_lake
from tests.integration.flows import Floor, open_floor
from workbench.execution import StepResult
from workbench.ledger import OrderRow
from workbench.ops import trade, trade_runs
from workbench.ops.parity import parity

pytestmark = pytest.mark.requirement("STR-02", "EXE-06")

__all__ = ["sample_lake"]

SYMBOLS = ["PM", "JPM", "XOM"]
PARAMS = {"fast": 2, "slow": 5}


@pytest.fixture(scope="module")
def floor(sample_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Floor]:
    yield from open_floor(sample_lake, tmp_path_factory.mktemp("strategy"))


def test_a_live_signal_run_stopped_and_restarted_trades_once_and_matches_its_backtest(
    floor: Floor,
) -> None:
    steps: list[StepResult] = []
    with floor.runtime() as rt:
        rt.ledger.upgrade()
        stopped = trade_runs.live_run(
            rt,
            "sma_crossover",
            SYMBOLS,
            params=PARAMS,
            on_step=steps.append,
            should_stop=lambda: len(steps) >= 2,
            sleep=floor.next_day,
        )
        assert stopped.status == "canceled"
        # restarted on the bar it last decided on (the clock has not moved since): the same
        # decision again, whose orders the exchange already holds
        resumed = trade_runs.live_run(
            rt, run_id=stopped.run_id, cycles=3, on_step=steps.append, sleep=floor.next_day
        )
        floor.venue.clock(advance="10m")  # the last cycle's orders meet the open
        report = trade.reconcile(rt)
        positions = {p.symbol: p.qty for p in trade.positions(rt)}
        backtest = parity(rt, stopped.run_id)
        with rt.ledger.session(read_only=True) as session:
            ledger_ids = list(
                session.scalars(
                    sa.select(OrderRow.client_order_id).where(OrderRow.run_id == stopped.run_id)
                )
            )

    assert resumed.status == "succeeded" and report.ok, report
    decided = [str(step.decision.as_of.date()) for step in steps]
    assert decided == ["2016-12-30", "2017-01-03", "2017-01-03", "2017-01-04", "2017-01-05"]
    signals = [step.decision.signals for step in steps]
    assert signals[0]["PM"] == "entry" and signals[1]["JPM"] == signals[1]["XOM"] == "entry"
    assert signals[3]["PM"] == "exit" and signals[4]["XOM"] == "exit"
    sides = {(o.symbol, str(o.side)) for step in steps for o in step.decision.orders}
    assert sides == {("PM", "buy"), ("JPM", "buy"), ("XOM", "buy"), ("PM", "sell"), ("XOM", "sell")}
    # the repeated decision's orders were the first one's, answered from the ledger, not resent
    assert {o.client_order_id for o in steps[2].decision.orders} == {
        o.client_order_id for o in steps[1].decision.orders
    }
    assert steps[2].submitted and all(r.already_submitted for r in steps[2].submitted)

    at_exchange = floor.exchange_orders()
    assert len(ledger_ids) == len(set(ledger_ids)) == 5
    assert set(ledger_ids) == set(at_exchange)
    assert {str(at_exchange[cid].status.value) for cid in ledger_ids} == {"filled"}
    held = {p.symbol: Decimal(str(p.qty)) for p in floor.venue.trading().get_all_positions()}
    assert positions == held and set(held) == {"JPM"}

    assert backtest.signals_agree and backtest.signals_compared > 0, backtest.signal_differences
    assert all(t.explanation for t in backtest.trades)
    assert abs(backtest.final_difference) / backtest.backtest_final < 0.01, backtest.explanations


def test_a_run_never_orders_before_its_strategy_has_its_warm_up(floor: Floor) -> None:
    with floor.runtime() as rt:
        rt.ledger.upgrade()
        # 1,000 sessions of warm-up: more than the bundled panel holds before 2017
        step = trade_runs.dry_run(rt, "sma_crossover", SYMBOLS, params={"fast": 500, "slow": 1000})
        ready = trade_runs.dry_run(rt, "sma_crossover", SYMBOLS, params={"fast": 500, "slow": 900})
    assert step.decision.orders == () and set(step.decision.signals.values()) == {"hold"}
    assert ready.decision.signals.keys() == set(SYMBOLS)
