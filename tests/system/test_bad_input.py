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
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from workbench.interfaces.cli.app import app

pytestmark = [pytest.mark.system, pytest.mark.requirement("SEC-07", "INT-01")]

WORKBENCH = str(Path(sys.executable).with_name("workbench"))
LONG = "A" * 5000

BAD_DATES = ["3000-01-01", "1600-01-01", "2262-04-12", "0001-01-01", "2017-13-45"]
HUGE = str(10**30)
#: no float option takes these
NOT_FINITE = ["1e400", "nan", "inf", "-inf"]
#: nor these an amount of an order
BAD_AMOUNTS = [*NOT_FINITE, "-1", "0", "1e27", HUGE]


def _dated(command: list[str], first: str = "--start", last: str = "--end") -> list[list[str]]:
    """``command`` with each bad date as the first and as the last day, and a reversed range."""
    cases = [[*command, first, day] for day in BAD_DATES]
    cases += [[*command, last, day] for day in BAD_DATES]
    cases.append([*command, first, "2020-01-02", last, "2019-01-02"])
    return cases


def _numbered(command: list[str], option: str, values: list[str] = NOT_FINITE) -> list[list[str]]:
    return [[*command, option, value] for value in values]


ORDER = ["trade", "preview", "AAPL", "--side", "buy"]
SUBMIT = ["trade", "submit", "AAPL", "--side", "buy"]
BACKTEST = ["strategy", "backtest", "sma_crossover", "--symbols", "AAPL", "--no-save"]
GRID = ["--symbols", "AAPL", "--grid", "fast=5:10:5"]
RULE = ["monitor", "rules", "add", "x", "--kind", "price_above", "--scope", "AAPL"]
FETCH = ["data", "fetch", "--symbols", "AAPL", "--start", "2020-01-02", "--end", "2020-01-03"]
ALLOCATE = ["analyze", "allocate", "--method", "equal_weight", "--symbols", "AAPL,MSFT"]

CASES: list[list[str]] = [
    # dates
    *_dated(["data", "show", "AAPL"]),
    *_dated(FETCH),
    *_dated(["analyze", "indicators", "AAPL", "--name", "RSI"]),
    *_dated(["analyze", "performance", "AAPL"]),
    *_dated(["analyze", "risk", "AAPL"]),
    *_dated(ALLOCATE),
    *[["analyze", "stress", "--weights", "AAPL=1", "--end", day] for day in BAD_DATES],
    *_dated(BACKTEST),
    *_dated(["strategy", "optimize", "sma_crossover", *GRID]),
    *_dated(["trade", "run", "sma_crossover", "--symbols", "AAPL"]),
    *_dated(["audit", "show"]),
    *_dated(["monitor", "rules", "test", "price"]),
    *_dated(["report", "generate", "performance", "--format", "json"], "--from", "--to"),
    *_dated(["report", "export", "orders"], "--from", "--to"),
    *[["exchange", "serve", "--start", day] for day in BAD_DATES],
    *[["monitor", "watch", "--seconds", "0.1", "--replay-from", day] for day in BAD_DATES],
    # numbers
    *_numbered(ORDER, "--qty", BAD_AMOUNTS),
    *_numbered(ORDER, "--notional", BAD_AMOUNTS),
    *_numbered([*ORDER, "--qty", "1", "--type", "limit"], "--limit-price", BAD_AMOUNTS),
    *_numbered([*ORDER, "--qty", "1", "--type", "stop"], "--stop-price", BAD_AMOUNTS),
    *_numbered(SUBMIT, "--qty", BAD_AMOUNTS),
    *_numbered(SUBMIT, "--notional", BAD_AMOUNTS),
    *_numbered([*SUBMIT, "--qty", "1", "--type", "limit"], "--limit-price", BAD_AMOUNTS),
    *_numbered(["analyze", "performance", "AAPL"], "--risk-free"),
    *_numbered(["analyze", "risk", "AAPL"], "--confidence", [*NOT_FINITE, "-1", "0", "1"]),
    *_numbered(["analyze", "risk", "AAPL"], "--horizon", ["-1", "0", HUGE]),
    *_numbered(["analyze", "risk", "--weights", "AAPL=1"], "--value", [*NOT_FINITE, "0", "-1"]),
    *[["analyze", "risk", "--weights", f"AAPL={value}"] for value in NOT_FINITE],
    *_numbered(["analyze", "stress", "--weights", "AAPL=1"], "--shock"),
    *_numbered(ALLOCATE, "--max-weight", [*NOT_FINITE, "-1"]),
    *_numbered(
        ["analyze", "rebalance", "--targets", "AAPL=1"], "--cash-buffer", [*NOT_FINITE, "-1"]
    ),
    *_numbered(BACKTEST, "--cash", [*NOT_FINITE, "-1", "0"]),
    *_numbered(BACKTEST, "--fees", [*NOT_FINITE, "-1"]),
    *_numbered(BACKTEST, "--slippage", [*NOT_FINITE, "-1"]),
    *_numbered(BACKTEST, "--size", [*NOT_FINITE, "-1", "0"]),
    *_numbered(["strategy", "walk-forward", "sma_crossover", *GRID], "--train", ["-1", "0", HUGE]),
    ["strategy", "results", HUGE],
    ["trade", "orders", "--run", HUGE],
    ["trade", "fills", "--run", HUGE],
    ["trade", "parity", "--run", HUGE],
    *_numbered(["audit", "show"], "--limit", ["-1", "0", HUGE]),
    *_numbered(["monitor", "alerts", "list"], "--limit", ["-1", "0", HUGE]),
    ["monitor", "alerts", "ack", HUGE],
    ["monitor", "alerts", "resolve", "-1"],
    *_numbered([*RULE, "--params", "level=1"], "--cooldown", ["-1", HUGE]),
    *[[*RULE, "--params", f"level={value}"] for value in NOT_FINITE],
    *_numbered(["report", "list"], "--limit", ["-1", "0", HUGE]),
    # files that are not files
    ["data", "import", "/dev/null"],
    ["data", "import", "/"],
    ["db", "restore", "/dev/null", "--yes"],
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
    ["trade", "cancel", LONG],
    ["trade", "orders", "--status", LONG],
    ["monitor", "rules", "add", LONG, "--kind", "price_above", "--scope", "AAPL"],
    ["monitor", "rules", "add", "x", "--kind", LONG],
    ["monitor", "rules", "remove", LONG],
    ["monitor", "rules", "test", LONG],
    ["report", "generate", LONG],
    ["report", "export", LONG],
    ["report", "list", "--kind", LONG],
    ["db", "restore", LONG, "--yes"],
    ["exchange", "serve", "--timeframe", LONG],
    ["config", "validate", "--env", LONG],
    ["config", "validate", "--env", "prod"],
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
            [*RULE[:3], "price", *RULE[4:], "--params", "level=150"],
        ):
            result = runner.invoke(app, args)
            assert result.exit_code == 0, result.output
    return home


@pytest.fixture
def home(bench_home: Path, wb_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WB_HOME", str(bench_home))
    return bench_home


def _assert_refused(exit_code: int, stdout: str, stderr: str) -> None:
    assert "Traceback" not in stderr
    assert exit_code in (1, 2), (exit_code, stdout, stderr)
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: "), stderr
    assert LONG not in stderr, "a 5,000-character value is cut short in the message"


def _case_id(args: list[str]) -> str:
    return " ".join(a if len(a) <= 20 else f"<{len(a)} chars>" for a in args)


@pytest.mark.parametrize("args", CASES, ids=_case_id)
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
        [*ORDER, "--qty", "1", "--type", "limit", "--limit-price", "1e27"],
        ["data", "import", "/dev/null"],
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


def _refused(args: list[str]) -> str:
    """The one line ``args`` answer with, after checking it is a refusal."""
    result = CliRunner().invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    _assert_refused(result.exit_code, result.stdout, result.stderr)
    return result.stderr.strip()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([*ORDER, "--qty", "1e400"], "qty must be below 1,000,000,000,000"),
        ([*SUBMIT, "--notional", "1e400"], "notional must be below"),
        ([*ORDER, "--qty", "1", "--type", "limit", "--limit-price", "1e27"], "limit price must"),
        (["data", "show", "AAPL", "--start", "3000-01-01"], "start 3000-01-01 is out of range"),
        (["data", "show", "AAPL", "--end", "1600-01-01"], "end 1600-01-01 is out of range"),
        ([*BACKTEST, "--start", "2262-04-12"], "dates run from 1800-01-01 to 2199-12-31"),
        (["analyze", "performance", "AAPL", "--end", "0001-01-01"], "out of range"),
        (["audit", "show", "--start", "2020-01-02", "--end", "2019-01-02"], "is after end"),
        (["data", "import", "/dev/null"], "/dev/null: not a regular file"),
        (["analyze", "risk", "--weights", "AAPL=nan"], "the weight of AAPL must be finite"),
        (["data", "show", "AAPL", "--start", "2017-13-45"], "is not a date"),
    ],
    ids=_case_id,
)
def test_named_bad_input_says_what_is_wrong(home: Path, args: list[str], words: str) -> None:
    assert words in _refused(args)


def test_a_long_name_is_cut_short(home: Path) -> None:
    line = _refused([*RULE[:3], LONG, *RULE[4:], "--params", "level=1"])
    assert "… (5,002 characters)" in line and "A" * 80 not in line  # 'AAA…' with its quotes


def test_preview_refuses_what_the_paper_broker_refuses(home: Path) -> None:
    from workbench.adapters.paper import PaperBroker
    from workbench.core.errors import BrokerError
    from workbench.data import Lake
    from workbench.model import OrderRequest, OrderSide

    assert "qty can have at most 9 decimal places" in _refused([*ORDER, "--qty", "0.0000000001"])
    assert "notional must be at least $1" in _refused([*ORDER, "--notional", "0.5"])
    lake = Lake(home / "lake")
    broker = PaperBroker.from_lake(lake)
    try:
        for amount in ({"qty": "0.0000000001"}, {"notional": "0.5"}):
            with pytest.raises(BrokerError):
                broker.submit(OrderRequest(symbol="AAPL", side=OrderSide.BUY, **amount))  # type: ignore[arg-type]
    finally:
        broker.close()
        lake.close()


def test_audit_kind_is_a_prefix_not_a_pattern(home: Path) -> None:
    found = CliRunner().invoke(app, ["audit", "show", "--json", "--kind", "order"])
    assert found.exit_code == 0 and '"kind": "order.' in found.stdout
    for pattern in ("%", "%der", "_rder", "order%intent"):
        result = CliRunner().invoke(app, ["audit", "show", "--json", "--kind", pattern])
        assert result.exit_code == 0, result.output
        assert result.stdout.strip() == "[]", pattern


def test_fetch_with_keys_names_the_unreachable_venue(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("WB_ALPACA__API_KEY", "key")
    monkeypatch.setenv("WB_ALPACA__SECRET_KEY", "secret")
    monkeypatch.setenv("WB_ALPACA__DATA_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("WB_ALPACA__URL", f"http://127.0.0.1:{port}")
    line = _refused(
        ["data", "fetch", "--symbols", "AAPL", "--start", "2021-01-04", "--end", "2021-01-20"]
    )
    assert f"127.0.0.1:{port}" in line
