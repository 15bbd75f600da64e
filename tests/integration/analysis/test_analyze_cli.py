"""``workbench analyze ...`` through Typer's CliRunner on the analyze sub-app, over the sample.

A WorkbenchError leaves the sub-app as an exception (the root ``main`` maps it to exit code 1
and one line on stderr: ``tests/system/test_analyze_cli.py`` checks that through the real
command). Usage errors exit 2 here already.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from workbench.core.errors import NotFound, ValidationError
from workbench.interfaces.cli.analyze import app
from workbench.interfaces.cli.app import main
from workbench.testing import odd_json_keys

SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
#: maps keyed by symbol (market values, moves, quantities) carry data in their keys
SYMBOL = re.compile(r"^\^?[A-Z][A-Z.]*$")
pytestmark = [pytest.mark.usefixtures("cli_home"), pytest.mark.requirement("ANA-06")]


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


def json_of(runner: CliRunner, *args: str) -> dict:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)  # the whole of stdout is one JSON document
    odd = odd_json_keys(document, (SNAKE, SYMBOL))
    assert not odd, odd
    return document


def test_indicator_json(runner: CliRunner) -> None:
    args = ("indicators", "AAPL", "--name", "rsi", "--params", "timeperiod=10", "--tail", "5")
    document = json_of(runner, *args)
    assert document["indicator"] == "RSI" and document["params"] == {"timeperiod": 10}
    assert len(document["rows"]) == 5 and document["rows"][-1]["rsi"] is not None
    several = json_of(runner, "indicators", "--symbols", "AAPL,MSFT", "--name", "SMA")
    assert {row["symbol"] for row in several["rows"]} == {"AAPL", "MSFT"}
    assert len(several["rows"]) == 40  # --tail 20 per symbol by default


def test_indicator_table_for_people(runner: CliRunner) -> None:
    result = runner.invoke(app, ["indicators", "AAPL", "--name", "BBANDS", "--tail", "3"])
    assert result.exit_code == 0, result.output
    assert "BBANDS(timeperiod=20,nbdevup=2,nbdevdn=2,matype=0)" in result.stdout
    assert "2018-02-07" in result.stdout and "upperband" in result.stdout


def test_indicator_list(runner: CliRunner) -> None:
    every = runner.invoke(app, ["indicators", "--list", "--json"])
    assert every.exit_code == 0
    specs = json.loads(every.stdout)
    assert len(specs) > 200
    rsi = next(spec for spec in specs if spec["name"] == "RSI")
    assert rsi["parameters"][0]["name"] == "timeperiod" and rsi["parameters"][0]["minimum"] == 2
    people = runner.invoke(app, ["indicators", "--list", "--group", "Volume Indicators"])
    assert people.exit_code == 0 and "OBV" in people.stdout and "RSI" not in people.stdout


def test_performance(runner: CliRunner) -> None:
    document = json_of(runner, "performance", "AAPL", "--benchmark", "^GSPC")
    assert document["benchmark"] == "^GSPC"
    assert document["results"][0]["summary"]["periods"] == 1258
    none = json_of(runner, "performance", "--symbols", "AAPL,MSFT", "--benchmark", "none")
    assert none["benchmark"] is None and len(none["results"]) == 2
    people = runner.invoke(app, ["performance", "AAPL", "--start", "2017-01-01"])
    assert people.exit_code == 0, people.output
    assert "beta vs SPY" in people.stdout and "deepest drawdowns" in people.stdout


def test_risk_of_a_symbol_and_of_a_book(runner: CliRunner) -> None:
    one = json_of(runner, "risk", "AAPL", "--confidence", "0.99", "--method", "parametric")
    assert [(r["method"], r["confidence"]) for r in one["var"]] == [("parametric", 0.99)]
    book = json_of(runner, "risk", "--weights", "AAPL=0.6,XOM=0.4", "--value", "500000")
    assert book["equity"] == pytest.approx(500_000)
    assert book["book"]["source"] == "weights" and len(book["var"]) == 8
    assert {row["symbol"] for row in book["portfolio"]["positions"]} == {"AAPL", "XOM"}
    people = runner.invoke(app, ["risk", "--portfolio", "--quantities", "AAPL=10", "--cash", "5"])
    assert people.exit_code == 0, people.output
    assert "Delta-normal VaR" in people.stdout and "Stress tests" in people.stdout


def test_risk_of_an_empty_ledger_is_not_found(runner: CliRunner) -> None:
    result = runner.invoke(app, ["risk", "--portfolio", "--json"])
    assert isinstance(result.exception, NotFound)
    assert "the ledger has no accounts" in str(result.exception)


def test_stress(runner: CliRunner) -> None:
    document = json_of(
        runner,
        "stress",
        "--quantities",
        "AAPL=100,XOM=50",
        "--window",
        "2016-06-23..2016-06-27",
        "--shock",
        "-0.05",
        "--sector-shocks",
        "Energy=-0.2",
    )
    names = [s["scenario"] for s in document["scenarios"]]
    assert names == ["2016-06-23..2016-06-27", "your shock"]
    assert document["scenarios"][1]["moves"] == {"AAPL": -0.05, "XOM": -0.2}
    people = runner.invoke(app, ["stress", "--weights", "AAPL=1"])
    assert people.exit_code == 0 and "Brexit vote" in people.stdout


def test_allocate_and_rebalance(runner: CliRunner) -> None:
    weights = json_of(
        runner, "allocate", "--method", "hrp", "--symbols", "AAPL,MSFT,XOM", "--max-weight", "0.4"
    )
    assert sum(row["weight"] for row in weights["weights"]) == pytest.approx(1.0)
    plan = json_of(runner, "rebalance", "--cash", "10000", "--targets", "AAPL=0.5,MSFT=0.5")
    assert plan["submitted"] is False and len(plan["orders"]) == 2
    people = runner.invoke(
        app,
        [
            "rebalance",
            "--quantities",
            "AAPL=10",
            "--method",
            "equal_weight",
            "--symbols",
            "AAPL,MSFT",
        ],
    )
    assert people.exit_code == 0, people.output
    assert "Planned orders (not submitted)" in people.stdout


def test_engine_errors_leave_as_workbench_errors(runner: CliRunner) -> None:
    bad = runner.invoke(app, ["indicators", "AAPL", "--name", "RSI", "--params", "timeperiod=x"])
    assert isinstance(bad.exception, ValidationError)
    unknown = runner.invoke(app, ["risk", "NOSUCH"])
    assert isinstance(unknown.exception, NotFound)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["indicators", "AAPL", "--name", "RSX"], "unknown indicator 'RSX'; did you mean RSI?"),
        (["indicators", "NOSUCH", "--name", "RSI"], "unknown symbol(s) in bars_1d: NOSUCH"),
        (["indicators", "AAPL", "--name", "RSI", "--params", "timeperiod=1"], "timeperiod must"),
        (["indicators", "AAPL", "--name", "RSI", "--start", "2030-01-02"], "no bars_1d bars"),
        (["performance", "--run", "7"], "no run 7 in the ledger"),
        (["performance", "AAPL", "--benchmark", "NOSUCH"], "NOSUCH"),
        (["risk", "--portfolio"], "the ledger has no accounts"),
        (["risk", "AAPL", "--method", "magic"], "unknown VaR method 'magic'"),
        (["allocate", "--method", "best", "--symbols", "AAPL,MSFT"], "unknown allocation"),
        (["rebalance", "--cash", "100", "--targets", "AAPL=0.8,MSFT=0.8"], "must not exceed 1"),
    ],
)
def test_bad_input_through_main_is_one_line_and_exit_code_1(
    args: list[str], words: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The root command's error mapping, in process (the system test runs a few as processes)."""
    monkeypatch.setattr(sys, "argv", ["workbench", "analyze", *args, "--json"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: ") and words in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["indicators", "AAPL"], "give --name"),
        (["indicators", "--name", "RSI"], "give one SYMBOL or --symbols"),
        (["indicators", "AAPL", "--name", "RSI", "--params", "timeperiod"], "not key=value"),
        (["risk", "AAPL", "--weights", "AAPL=1"], "not both"),
        (["risk"], "give --portfolio"),
        (["risk", "--weights", "AAPL=half"], "'half' is not a number"),
        (["risk", "AAPL", "--confidence", "high"], "'high' is not a number"),
        (["stress", "--weights", "AAPL=1", "--window", "2016-06-23"], "is not START..END"),
        (["risk", "--weights", "AAPL=1", "--account", "x"], "goes with --portfolio"),
        (["allocate", "--method", "hrp"], "--symbols"),
    ],
)
def test_usage_errors_exit_2(runner: CliRunner, args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_a_lake_is_needed(runner: CliRunner, cli_home: Path) -> None:
    assert (cli_home / "lake" / "bars_1d").is_dir()
