"""The research notebooks run top to bottom through papermill on the workbench kernel, and what
each records matches the ``ops`` it calls, called here directly."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import nbformat
import pytest

import workbench
from tests.notebooks.conftest import (
    NOTEBOOKS,
    ROOT,
    RunNotebook,
    assert_records_close,
    kernel_python,
)

pytestmark = pytest.mark.requirement("INT-07")


def test_the_workbench_kernel_launches_this_venvs_python(workbench_kernel: str) -> None:
    python = kernel_python()
    assert python.is_file(), f"the kernelspec's argv points at {python}, which does not exist"
    prefix = subprocess.run(
        [str(python), "-c", "import sys; print(sys.prefix)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(prefix) == Path(sys.prefix), "the kernel would run another environment"


@pytest.mark.slow
def test_lake_tour_records_prices_returns_and_correlations(
    run_notebook: RunNotebook, wb_home: Path
) -> None:
    seen = run_notebook(
        "research/01_lake_tour.ipynb",
        symbols=["AAPL", "SPY"],
        start="2017-08-01",
        end="2017-08-31",
    )
    assert seen["symbols"] == ["AAPL", "SPY"]
    assert seen["rows"] == 23  # trading sessions in August 2017
    assert seen["last_close"]["AAPL"] == pytest.approx(164.0)  # the source file's 2017-08-31 close
    assert (wb_home / "lake" / "bars_1d").is_dir(), "the notebook loaded the sample into WB_HOME"
    from workbench.ops import analysis

    with workbench.open() as wb:
        first, last = date(2017, 8, 1), date(2017, 8, 31)
        performance = analysis.performance(wb, ["AAPL", "SPY"], start=first, end=last)
        closes = analysis.daily_prices(wb, ["AAPL", "SPY"], first, last)
    assert seen["benchmark"] == "SPY"
    for symbol, summary in performance.summaries.items():
        assert seen["total_return"][symbol] == pytest.approx(summary.total_return)
    expected = closes.pct_change().corr().loc["AAPL", "SPY"]
    assert seen["correlation"]["AAPL"]["SPY"] == pytest.approx(expected)
    assert -1 < seen["correlation"]["AAPL"]["SPY"] < 1


@pytest.mark.slow
def test_indicators_notebook_records_the_indicators_and_the_crossover_trades(
    run_notebook: RunNotebook, sample_home: Path
) -> None:
    window = {"start": "2017-01-01", "end": "2017-12-29"}
    seen = run_notebook(
        "research/02_indicators_signals.ipynb", symbol="MSFT", fast=10, slow=30, **window
    )
    from workbench.ops import analysis, strategy

    first, last = date(2017, 1, 1), date(2017, 12, 29)
    with workbench.open() as wb:
        rsi = analysis.indicators(wb, "MSFT", "RSI", {"timeperiod": 14}, start=first, end=last)
        sma = analysis.indicators(wb, "MSFT", "SMA", {"timeperiod": 10}, start=first, end=last)
        backtest = strategy.backtest(
            wb,
            "sma_crossover",
            ["MSFT"],
            params={"fast": 10, "slow": 30},
            start=first,
            end=last,
            save=False,
        )
    assert seen["last_rsi"] == pytest.approx(float(rsi.values["rsi"].iloc[-1]))
    assert seen["last_fast_sma"] == pytest.approx(float(sma.values[sma.outputs[0]].iloc[-1]))
    assert seen["trades"] == len(backtest.trades) > 0
    assert seen["total_return"] == pytest.approx(backtest.stats.total_return)


@pytest.mark.slow
def test_risk_notebook_records_var_four_ways_stress_and_weights(
    run_notebook: RunNotebook, sample_home: Path
) -> None:
    symbols = ["AAPL", "JPM", "XOM"]
    seen = run_notebook(
        "research/03_risk_allocation.ipynb", symbols=symbols, end="2017-06-30", lookback=126
    )
    from workbench.ops import allocation, analysis, portfolio

    last = date(2017, 6, 30)
    with workbench.open() as wb:
        single = analysis.symbol_var(wb, "AAPL", value=1_000_000.0, lookback=126, end=last)
        book = portfolio.BookSpec(weights=dict.fromkeys(symbols, 1 / 3), value=1_000_000.0)
        stressed = portfolio.stress(wb, book, end=last)
        hrp = allocation.allocate(wb, symbols, "hrp", lookback=126, end=last)
        parity = allocation.allocate(wb, symbols, "risk_parity", lookback=126, end=last)
        frontier = allocation.frontier(wb, symbols, points=20, lookback=126, end=last)
    methods = {row["method"] for row in seen["book_var"]}
    assert methods == {"historical", "parametric", "cornish_fisher", "monte_carlo"}
    assert_records_close(seen["symbol_var"], analysis.records(single.table))
    assert_records_close(seen["frontier"], analysis.records(frontier.points))
    assert [r["scenario"] for r in seen["stress"]] == list(stressed.table().index)
    for method, report in (("hrp", hrp), ("risk_parity", parity)):
        expected = {s: float(w) for s, w in report.result.weights.items()}
        assert seen["weights"][method] == pytest.approx(expected, abs=1e-6)
    assert sum(seen["weights"]["hrp"].values()) == pytest.approx(1.0)


@pytest.mark.slow
def test_strategy_notebook_stores_its_backtest_grid_and_walk_forward(
    run_notebook: RunNotebook, sample_home: Path
) -> None:
    seen = run_notebook(
        "research/04_strategy_research.ipynb",
        symbols=["AAPL", "MSFT"],
        start="2016-01-01",
        end="2017-12-29",
        params={"fast": 10, "slow": 30},
        grid={"fast": "5:10:5", "slow": "20:30:10"},
        train=126,
        test=63,
    )
    from workbench.ops import strategy

    with workbench.open() as wb:
        backtest = strategy.results(wb, seen["backtest_run"])
        grid = strategy.results(wb, seen["grid_run"])
        forward = strategy.results(wb, seen["walk_forward_run"])
    assert seen["total_return"] == pytest.approx(backtest.stats.total_return)
    assert seen["combos"] == 4 == len(grid.by_combo())
    assert seen["best_params"] == grid.best_params
    assert seen["pbo"] == pytest.approx(grid.overfitting().pbo)
    assert seen["windows"] == len(forward.windows) > 0


@pytest.mark.slow
def test_execution_review_records_the_paper_run_its_fills_and_parity(
    run_notebook: RunNotebook, sample_home: Path
) -> None:
    seen = run_notebook("research/05_execution_review.ipynb", sessions=6)
    from workbench.ops import parity, trade, trade_runs

    with workbench.open() as wb:
        summary = trade_runs.run_summary(wb, seen["run_id"])
        fills = trade.fills(wb, run_id=seen["run_id"])
        compared = parity.parity(wb, seen["run_id"])
    assert seen["sessions"] == summary.sessions == 6
    assert (seen["orders"], seen["fills"]) == (summary.orders, summary.fills)
    assert seen["fill_rows"] == len(fills) > 0
    assert seen["final_equity"] == str(summary.final_equity)
    assert seen["paper_final"] == pytest.approx(compared.paper_final)
    assert seen["backtest_final"] == pytest.approx(compared.backtest_final)


@pytest.mark.slow
@pytest.mark.system
def test_nbval_runs_every_research_notebook(workbench_kernel: str, sample_home: Path) -> None:
    """nbval in lax mode: each research notebook runs with its own defaults, and no cell
    raises."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "--nbval-kernel-name",
            workbench_kernel,
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            "-q",
            str(NOTEBOOKS / "research"),
        ],
        cwd=ROOT,
        env={**os.environ, "WB_HOME": str(sample_home)},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]


def test_every_notebook_has_one_parameters_cell_and_no_outputs() -> None:
    for path in NOTEBOOKS.rglob("*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, f"{path.name}: expected one cell tagged parameters"
        outputs = [c for c in notebook.cells if c.cell_type == "code" and c.get("outputs")]
        assert not outputs, f"{path.name} is committed with outputs"


@pytest.mark.slow
def test_a_notebook_that_raises_fails_with_the_cell_and_the_error(
    run_notebook: RunNotebook, tmp_path: Path
) -> None:
    notebook = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell("symbol = 'AAPL'\nsummary_path = None")
    parameters.metadata["tags"] = ["parameters"]
    failing = nbformat.v4.new_code_cell(
        "import workbench\nfrom workbench.ops import data\n"
        "data.show(workbench.open(), symbol, tail=0)"
    )
    notebook.cells = [parameters, failing]
    notebook.metadata["kernelspec"] = {"name": "workbench", "language": "python"}
    path = tmp_path / "raises.ipynb"
    nbformat.write(notebook, path)
    with pytest.raises(pytest.fail.Exception) as failed:
        run_notebook(path, symbol="MSFT")
    message = str(failed.value)
    assert "raises.ipynb raised in cell" in message
    assert "data.show(workbench.open(), symbol, tail=0)" in message
    assert "DataError: --tail must be at least 1, got 0" in message
