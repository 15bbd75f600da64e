"""Bad input never answers with a traceback and never writes anything.

A table of out-of-range dates, numbers and sizes walks every command group. The bulk runs in
this process through ``CliRunner`` on the root app (which maps errors exactly as the installed
command does); a small sample runs the real ``workbench`` entry point. Every case must exit 1
or 2 with one short ``error: ...`` line on stderr, and leave the ledger's row counts and the
lake's files as they were.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from workbench.interfaces.cli.app import app

pytestmark = pytest.mark.system

WORKBENCH = str(Path(sys.executable).with_name("workbench"))
LONG = "A" * 5000
#: a message may name what was wrong, but never echo a whole 5,000-character value
MAX_LINE = 400

BAD_DATES = ["3000-01-01", "1600-01-01", "2262-04-12", "0001-01-01", "2017-13-45"]
BAD_NUMBERS = ["1e400", "-1", "0", "nan", "inf", "-inf", "1e27", str(10**30)]


def _dated(command: list[str], first: str = "--start", last: str = "--end") -> list[list[str]]:
    """``command`` with each bad date as the first and as the last day, and a reversed range."""
    cases = [[*command, first, day] for day in BAD_DATES]
    cases += [[*command, last, day] for day in BAD_DATES]
    cases.append([*command, first, "2020-01-02", last, "2019-01-02"])
    return cases


def _numbered(command: list[str], option: str, values: list[str] = BAD_NUMBERS) -> list[list[str]]:
    return [[*command, option, value] for value in values]


ORDER = ["trade", "preview", "AAPL", "--side", "buy"]
SUBMIT = ["trade", "submit", "AAPL", "--side", "buy"]
BACKTEST = ["strategy", "backtest", "sma_crossover", "--symbols", "AAPL", "--no-save"]

CASES: list[list[str]] = [
    # dates
    *_dated(["data", "show", "AAPL"]),
    *_dated(["data", "fetch", "--symbols", "AAPL", "--start", "2020-01-02", "--end", "2020-01-03"]),
    *_dated(["analyze", "indicators", "AAPL", "--name", "RSI"]),
    *_dated(["analyze", "performance", "AAPL"]),
    *_dated(["analyze", "risk", "AAPL"]),
    *_dated(["analyze", "allocate", "--method", "equal_weight", "--symbols", "AAPL,MSFT"]),
    *_dated(["analyze", "stress", "--weights", "AAPL=1"], first="--end"),
    *_dated(BACKTEST),
    *_dated(
        ["strategy", "optimize", "sma_crossover", "--symbols", "AAPL", "--grid", "fast=5:10:5"]
    ),
    *_dated(["trade", "run", "sma_crossover", "--symbols", "AAPL"]),
    *_dated(["audit", "show"]),
    *_dated(["monitor", "rules", "test", "price"]),
    *_dated(["report", "generate", "performance", "--format", "json"], "--from", "--to"),
    *_dated(["report", "export", "orders"], "--from", "--to"),
    *[["exchange", "serve", "--start", day] for day in BAD_DATES],
    *[["monitor", "watch", "--seconds", "0.1", "--replay-from", day] for day in BAD_DATES],
    # numbers
    *_numbered([*ORDER], "--qty"),
    *_numbered([*ORDER], "--notional"),
    *_numbered([*ORDER, "--qty", "1", "--type", "limit"], "--limit-price"),
    *_numbered([*ORDER, "--qty", "1", "--type", "stop"], "--stop-price"),
    *_numbered([*SUBMIT], "--qty"),
    *_numbered([*SUBMIT], "--notional"),
    *_numbered([*SUBMIT, "--qty", "1", "--type", "limit"], "--limit-price"),
    *_numbered(["analyze", "performance", "AAPL"], "--risk-free"),
    *_numbered(["analyze", "risk", "AAPL"], "--confidence"),
    *_numbered(["analyze", "risk", "AAPL"], "--horizon", ["-1", "0", str(10**30)]),
    *_numbered(["analyze", "risk", "--weights", "AAPL=1"], "--value"),
    *_numbered(["analyze", "stress", "--weights", "AAPL=1"], "--shock"),
    *_numbered(
        ["analyze", "allocate", "--method", "equal_weight", "--symbols", "AAPL,MSFT"],
        "--max-weight",
    ),
    *_numbered(["analyze", "rebalance", "--targets", "AAPL=1"], "--cash-buffer"),
    *[["analyze", "risk", "--weights", f"AAPL={value}"] for value in BAD_NUMBERS[:6]],
    *_numbered(BACKTEST, "--cash"),
    *_numbered(BACKTEST, "--fees", ["1e400", "-1", "nan", "inf"]),
    *_numbered(BACKTEST, "--slippage", ["1e400", "-1", "nan", "inf"]),
    *_numbered(BACKTEST, "--size", ["1e400", "-1", "0", "nan", "inf"]),
    *_numbered(
        ["strategy", "walk-forward", "sma_crossover", "--symbols", "AAPL", "--grid", "fast=5:10:5"],
        "--train",
        ["-1", "0", str(10**30)],
    ),
    *_numbered(["strategy", "results"], "", [str(10**30)]),
    *_numbered(["trade", "orders"], "--run", [str(10**30)]),
    *_numbered(["trade", "fills"], "--run", [str(10**30)]),
    *_numbered(["audit", "show"], "--limit", ["-1", "0", str(10**30)]),
    *_numbered(["monitor", "alerts", "list"], "--limit", ["-1", "0", str(10**30)]),
    *_numbered(["monitor", "alerts", "ack"], "", [str(10**30), "-1"]),
    *_numbered(
        [
            "monitor",
            "rules",
            "add",
            "x",
            "--kind",
            "price_above",
            "--scope",
            "AAPL",
            "--params",
            "level=1",
        ],
        "--cooldown",
        ["-1", str(10**30)],
    ),
    *[
        [
            "monitor",
            "rules",
            "add",
            "x",
            "--kind",
            "price_above",
            "--scope",
            "AAPL",
            "--params",
            f"level={v}",
        ]
        for v in ["nan", "inf", "1e400"]
    ],
    *_numbered(["monitor", "watch"], "--seconds", ["-1", "nan", "inf"]),
    *_numbered(["report", "list"], "--limit", ["-1", "0", str(10**30)]),
    # sizes
    ["data", "show", LONG],
    ["data", "fetch", "--symbols", LONG, "--start", "2020-01-02", "--end", "2020-01-03"],
    ["data", "import", LONG],
    ["data", "quality", "--dataset", LONG],
    ["analyze", "indicators", "AAPL", "--name", LONG],
    ["analyze", "performance", "--run", LONG],
    ["strategy", "show", LONG],
    ["strategy", "backtest", LONG, "--symbols", "AAPL", "--no-save"],
    [*ORDER[:2], LONG, *ORDER[3:], "--qty", "1"],
    [*SUBMIT[:2], LONG, *SUBMIT[3:], "--qty", "1"],
    [*SUBMIT, "--qty", "1", "--client-order-id", LONG],
    [*SUBMIT, "--qty", "1", "--strategy", LONG],
    ["trade", "cancel", LONG],
    ["trade", "orders", "--status", LONG],
    ["audit", "show", "--kind", LONG, "--actor", LONG],
    [
        "monitor",
        "rules",
        "add",
        LONG,
        "--kind",
        "price_above",
        "--scope",
        "AAPL",
        "--params",
        "level=1",
    ],
    ["monitor", "rules", "add", "x", "--kind", LONG],
    ["monitor", "rules", "remove", LONG],
    ["monitor", "rules", "test", LONG],
    ["report", "generate", LONG],
    ["report", "export", LONG],
    ["report", "list", "--kind", LONG],
    ["config", "validate", "--env", LONG],
    ["db", "restore", LONG, "--yes"],
    ["exchange", "serve", "--timeframe", LONG],
]


def _ledger_rows(home: Path) -> dict[str, int]:
    with sqlite3.connect(home / "ledger.db") as connection:
        tables = [
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        return {t: connection.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def _lake_files(home: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path.relative_to(home)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in (home / "lake").rglob("*")
        if path.is_file()
    }


def _state(home: Path) -> tuple[dict[str, int], dict[str, tuple[int, int]]]:
    return _ledger_rows(home), _lake_files(home)


@pytest.fixture(scope="module")
def bench_home(sample_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with its own copy of the sample lake, an order, a rule and a stored run."""
    home = tmp_path_factory.mktemp("bad-input-home")
    shutil.copytree(sample_lake, home / "lake")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WB_HOME", str(home))
        runner = CliRunner()
        for args in (
            ["trade", "submit", "AAPL", "--side", "buy", "--qty", "1"],
            ["monitor", "rules", "add", "price", "--kind", "price_above", "--scope", "AAPL"]
            + ["--params", "level=150"],
        ):
            result = runner.invoke(app, args)
            assert result.exit_code == 0, result.output
    return home


@pytest.fixture
def home(bench_home: Path, wb_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("WB_HOME", str(bench_home))
    yield bench_home


def _assert_refused(exit_code: int, stdout: str, stderr: str) -> None:
    assert "Traceback" not in stderr
    assert exit_code in (1, 2), (exit_code, stdout, stderr)
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: "), stderr
    assert len(lines[0]) <= MAX_LINE, lines[0][:MAX_LINE]


def _case_id(args: list[str]) -> str:
    return " ".join(a if len(a) <= 20 else f"<{len(a)} chars>" for a in args)


@pytest.mark.parametrize("args", [[a for a in c if a] for c in CASES], ids=_case_id)
def test_bad_input_is_one_line_and_writes_nothing(home: Path, args: list[str]) -> None:
    before = _state(home)
    result = CliRunner().invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    _assert_refused(result.exit_code, result.stdout, result.stderr)
    assert _state(home) == before


@pytest.mark.parametrize(
    "args",
    [
        ["data", "show", "AAPL", "--start", "3000-01-01"],
        ["trade", "submit", "AAPL", "--side", "buy", "--qty", "1e400"],
        ["trade", "preview", "AAPL", "--side", "buy", "--qty", "1", "--type", "limit"]
        + ["--limit-price", "1e27"],
        ["monitor", "rules", "add", LONG, "--kind", "price_above", "--scope", "AAPL"],
    ],
    ids=_case_id,
)
def test_the_installed_command_answers_alike(home: Path, args: list[str]) -> None:
    before = _state(home)
    result = subprocess.run(
        [WORKBENCH, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "WB_HOME": str(home)},
        check=False,
    )
    _assert_refused(result.returncode, result.stdout, result.stderr)
    assert result.stdout == ""
    assert _state(home) == before
