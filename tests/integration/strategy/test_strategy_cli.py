"""``workbench strategy ...`` through Typer's CliRunner on the strategy sub-app.

A WorkbenchError leaves the sub-app as an exception (the root ``main`` maps it to exit code 1
and one line on stderr).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from workbench.core.errors import NotFound, ValidationError
from workbench.interfaces.cli.strategy import app
from workbench.testing import odd_json_keys

pytestmark = pytest.mark.requirement("STR-06", "PRF-06")

SNAKE = re.compile(r"^[a-z][a-z0-9_.]*$")  # dotted metric names (trades.hit_rate) are keys too


def run_json(*args: str) -> object:
    result = CliRunner().invoke(app, [*args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)  # the whole of stdout is one JSON document
    assert not odd_json_keys(document, (SNAKE,)), odd_json_keys(document, (SNAKE,))
    return document


def test_list_and_show(wb_home: Path) -> None:
    listed = run_json("list")
    assert isinstance(listed, list)
    assert {"sma_crossover", "momentum_rotation"} <= {s["name"] for s in listed}
    shown = run_json("show", "sma_crossover")
    assert shown["constraints"] == ["fast < slow"]  # type: ignore[index]
    people = CliRunner().invoke(app, ["show", "rsi_reversion"])
    assert "lower < upper" in people.output


def test_backtest_then_results(home_with_sample: Path) -> None:
    args = [
        "backtest",
        "sma_crossover",
        "--symbols",
        "AAPL,MSFT",
        "--params",
        "fast=10,slow=40",
        "--start",
        "2015-01-01",
        "--end",
        "2016-12-31",
        "--fees",
        "0.001",
        "--stop-loss",
        "0.1",
    ]
    document = run_json(*args)
    assert isinstance(document, dict)
    assert document["params"] == {"fast": 10, "slow": 40}
    assert document["config"]["stop_loss"] == 0.1
    run_id = document["run_id"]
    assert run_json("results", str(run_id)) == document
    listed = run_json("results")
    assert [r["run_id"] for r in listed] == [run_id]  # type: ignore[union-attr, index]
    people = CliRunner().invoke(app, args)
    assert "sharpe" in people.output and "saved as run 2" in people.output


def test_results_lists_a_backtests_trades_and_orders(home_with_sample: Path) -> None:
    document = run_json(
        "backtest",
        "sma_crossover",
        "--symbols",
        "AAPL,MSFT",
        "--params",
        "fast=10,slow=40",
        "--start",
        "2014-01-01",
        "--end",
        "2016-12-31",
    )
    assert isinstance(document, dict)
    run_id = str(document["run_id"])
    everything = run_json("results", run_id, "--trades")  # fewer than the default limit
    assert isinstance(everything, dict)
    assert everything["table"] == "trades" and everything["total"] == document["trades"] > 20
    assert everything["shown"] == len(everything["rows"]) == everything["total"]
    assert everything["more"] == 0
    times = [r["entry_time"] for r in everything["rows"]]
    assert times == sorted(times) and times[0] >= "2014-01-02"
    first = everything["rows"][0]
    assert set(first) >= {"symbol", "entry_time", "entry_price", "exit_time", "pnl", "status"}
    assert isinstance(first["entry_price"], float)
    still_open = [r for r in everything["rows"] if r["status"] == "open"]
    assert still_open and all(r["exit_time"] is None for r in still_open)
    bounded = run_json("results", run_id, "--trades", "--limit", "10")
    assert isinstance(bounded, dict)
    assert bounded["shown"] == len(bounded["rows"]) == 10
    assert bounded["more"] == bounded["total"] - 10
    assert bounded["rows"] == everything["rows"][:10]
    orders = run_json("results", run_id, "--orders", "--limit", "5")
    assert orders["total"] == document["orders"] and orders["shown"] == 5  # type: ignore[index]
    assert orders["rows"][0]["side"] == "buy"  # type: ignore[index]
    people = CliRunner().invoke(app, ["results", run_id, "--orders", "--limit", "3"])
    assert people.exit_code == 0, people.output
    assert "date" in people.output and "reason" in people.output
    shown = CliRunner().invoke(app, ["results", run_id, "--trades"])
    assert shown.exit_code == 0, shown.output
    # readable at 80 columns: whole dates, and the open trade says so
    assert everything["rows"][0]["entry_time"][:10] in shown.output and "open" in shown.output
    assert "more trades" not in shown.output
    assert f"{document['orders'] - 3} more orders" in people.output
    both = CliRunner().invoke(app, ["results", run_id, "--orders", "--trades"])
    assert both.exit_code == 2 and "not both" in both.output
    assert CliRunner().invoke(app, ["results", run_id, "--trades", "--limit", "0"]).exit_code == 2


def test_optimize_and_walk_forward(home_with_sample: Path) -> None:
    grid = run_json(
        "optimize",
        "sma_crossover",
        "--symbols",
        "AAPL,MSFT",
        "--grid",
        "fast=5:15:5,slow=40|60",
        "--constraint",
        "slow >= 40",
    )
    assert grid["combinations"] == 6  # type: ignore[index]
    assert set(grid["overfitting"]) >= {"deflated_sharpe", "pbo"}  # type: ignore[index]
    forward = run_json(
        "walk-forward",
        "sma_crossover",
        "--symbols",
        "AAPL",
        "--grid",
        "fast=5|10,slow=40",
        "--train",
        "504",
        "--test",
        "252",
    )
    assert len(forward["windows"]) == 3  # type: ignore[index]
    people = CliRunner().invoke(
        app, ["optimize", "sma_crossover", "--symbols", "AAPL", "--grid", "fast=5|10,slow=40"]
    )
    assert people.exit_code == 0 and "best:" in people.output


def test_bad_input_is_a_workbench_error(home_with_sample: Path) -> None:
    runner = CliRunner()
    with pytest.raises(ValidationError, match="slow must be integer"):
        runner.invoke(
            app,
            ["backtest", "sma_crossover", "--symbols", "AAPL", "--params", "slow=x"],
            catch_exceptions=False,
        )
    with pytest.raises(NotFound, match="unknown strategy"):
        runner.invoke(app, ["show", "nope"], catch_exceptions=False)
    usage = runner.invoke(app, ["backtest", "sma_crossover", "--symbols", "AAPL", "--params", "x"])
    assert usage.exit_code == 2


def imported_after(statement: str, modules: tuple[str, ...]) -> list[str]:
    code = f"import sys; {statement}; print(','.join(m for m in {modules!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return [m for m in out.stdout.strip().split(",") if m]


def test_the_cli_module_and_the_engine_import_light() -> None:
    # `workbench --help` imports the CLI modules: no pandas, let alone the engines
    assert imported_after("import workbench.interfaces.cli.strategy", ("pandas",)) == []
    # the engine loads vectorbt, numba, plotly and dask only when they are needed
    heavy = ("vectorbt", "numba", "plotly", "dask", "distributed")
    assert imported_after("import workbench.strategy, workbench.ops.strategy", heavy) == []
