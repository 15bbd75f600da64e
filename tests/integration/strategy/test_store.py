"""Stored runs: a ledger row (SQLite under this test's WB_HOME) and Parquet frames beside it,
reloaded by id into the same result."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from workbench.core.errors import NotFound, ValidationError
from workbench.ledger import RunRow
from workbench.ops import strategy as ops
from workbench.runtime import Runtime
from workbench.strategy import BacktestConfig, BacktestResult, GridResult, Sizing, WalkForwardResult

pytestmark = pytest.mark.requirement("STR-06")

SYMBOLS = ["AAPL", "MSFT"]
CONFIG = BacktestConfig(fees=0.001, stop_loss=0.08, sizing=Sizing("percent", 0.4))


@pytest.fixture
def rt(home_with_sample: Path):  # type: ignore[no-untyped-def]
    runtime = Runtime.from_settings()
    yield runtime
    runtime.close()


def test_backtest_round_trip(rt: Runtime, home_with_sample: Path) -> None:
    result = ops.backtest(
        rt,
        "sma_crossover",
        SYMBOLS,
        params={"fast": "15"},
        config=CONFIG,
        start=pd.Timestamp("2015-01-01").date(),
        end=pd.Timestamp("2016-12-31").date(),
    )
    assert result.run_id is not None
    folder = home_with_sample / "runs" / str(result.run_id)
    assert {p.name for p in folder.iterdir()} >= {"run.json", "equity.parquet", "trades.parquet"}
    assert json.loads((folder / "run.json").read_text())["params"] == {"fast": 15, "slow": 50}
    with rt.ledger.session() as session:
        row = session.scalars(sa.select(RunRow).where(RunRow.id == result.run_id)).one()
        assert (row.kind, row.strategy, row.status) == ("backtest", "sma_crossover", "succeeded")
        assert row.symbols == SYMBOLS
        assert row.artifact_path == f"runs/{result.run_id}"
        assert row.metrics["sharpe"] == pytest.approx(result.stats.sharpe)
    loaded = ops.results(rt, result.run_id)
    assert isinstance(loaded, BacktestResult)
    pd.testing.assert_series_equal(loaded.equity, result.equity)
    pd.testing.assert_frame_equal(loaded.orders, result.orders)
    pd.testing.assert_frame_equal(loaded.trades, result.trades)
    pd.testing.assert_frame_equal(loaded.exposure, result.exposure)
    assert loaded.benchmark is not None and result.benchmark is not None
    pd.testing.assert_series_equal(loaded.benchmark, result.benchmark)
    assert loaded.config == result.config
    assert loaded.stats == result.stats
    assert loaded.to_dict() == result.to_dict()


def test_grid_and_walk_forward_round_trip(rt: Runtime) -> None:
    grid = ops.optimize(rt, "sma_crossover", SYMBOLS, {"fast": "5:15:5", "slow": [40, 60]})
    loaded = ops.results(rt, grid.run_id or 0)
    assert isinstance(loaded, GridResult)
    pd.testing.assert_frame_equal(loaded.table, grid.table)
    pd.testing.assert_frame_equal(loaded.returns, grid.returns)
    assert loaded.best_params == grid.best_params
    assert loaded.to_dict() == grid.to_dict()
    forward = ops.walk_forward(
        rt, "sma_crossover", SYMBOLS, {"fast": [5, 10], "slow": [40]}, train=504, test=252
    )
    again = ops.results(rt, forward.run_id or 0)
    assert isinstance(again, WalkForwardResult)
    pd.testing.assert_series_equal(again.equity, forward.equity)
    assert again.to_dict() == forward.to_dict()
    kinds = [run["kind"] for run in ops.runs(rt)]
    assert kinds == ["walk_forward", "optimize"]
    with pytest.raises(ValidationError, match="is not a backtest: only a backtest keeps"):
        ops.run_records(rt, grid.run_id or 0, "trades")


def test_unknown_or_unfinished_runs(rt: Runtime) -> None:
    with pytest.raises(NotFound, match="no run 99"):
        ops.results(rt, 99)
    with rt.ledger.session() as session:
        session.add(
            RunRow(
                kind="backtest",
                strategy="x",
                status="running",
                started_at=pd.Timestamp.now(tz="UTC").to_pydatetime(),
            )
        )
    with pytest.raises(NotFound, match="is running"):
        ops.results(rt, 1)


def test_records_need_a_known_table_and_a_positive_limit(rt: Runtime) -> None:
    result = ops.backtest(rt, "sma_crossover", SYMBOLS, start=pd.Timestamp("2016-01-04").date())
    run_id = result.run_id or 0
    with pytest.raises(ValidationError, match="trades or orders, not 'fills'"):
        ops.run_records(rt, run_id, "fills")
    with pytest.raises(ValidationError, match="--limit must be at least 1"):
        ops.run_records(rt, run_id, "orders", limit=0)
    records = ops.run_records(rt, run_id, "orders", limit=2)
    assert records["total"] == len(result.orders) and len(records["rows"]) == min(
        2, len(result.orders)
    )


def test_unknown_symbols_fail_before_running(rt: Runtime) -> None:
    with pytest.raises(NotFound, match="NOPE"):
        ops.backtest(rt, "sma_crossover", ["AAPL", "NOPE"])
