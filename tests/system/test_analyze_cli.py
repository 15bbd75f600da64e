"""``workbench analyze`` as a user runs it: a real process over a lake holding the sample, JSON
on stdout, and one line on stderr with exit code 1 for bad input.

Each process costs a couple of seconds of imports, so the other bad inputs are checked through
the same ``main`` in process (``tests/integration/analysis/test_analyze_cli.py``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.system, pytest.mark.requirement("ANA-06")]

WORKBENCH = str(Path(sys.executable).with_name("workbench"))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [WORKBENCH, "analyze", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
        check=False,
    )


def test_indicator_json_on_stdout(home: Path) -> None:
    result = run("indicators", "AAPL", "--name", "RSI", "--params", "timeperiod=14", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["indicator"] == "RSI" and document["params"] == {"timeperiod": 14}
    assert len(document["rows"]) == 20
    assert document["rows"][-1]["timestamp"].startswith("2018-02-07")
    assert 0 < document["rows"][-1]["rsi"] < 100


def test_performance_json_on_stdout(home: Path) -> None:
    result = run("performance", "AAPL", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["benchmark"] == "SPY"
    summary = document["results"][0]["summary"]
    assert summary["total_return"] == pytest.approx(159.54 / 67.8542 - 1, rel=1e-9)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["indicators", "AAPL", "--name", "NOPE"], "unknown indicator 'NOPE'"),
        (["risk", "NOSUCH"], "unknown symbol(s) in bars_1d: NOSUCH"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_1(home: Path, args: list[str], words: str) -> None:
    result = run(*args, "--json")
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and words in lines[0]


def test_analyze_help_imports_no_engine() -> None:
    probe = (
        "import sys;"
        "from workbench.interfaces.cli.app import app;"
        "from typer.testing import CliRunner;"
        "r = CliRunner().invoke(app, ['analyze', 'risk', '--help']);"
        "assert r.exit_code == 0, r.output;"
        "print([m for m in ('pandas', 'numpy', 'scipy', 'skfolio', 'talib') if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
