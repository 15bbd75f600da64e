"""``workbench monitor`` as an operator runs it: the installed command in fresh processes over
a lake holding the bundled sample, JSON on stdout, one line on stderr and exit code 1 for bad
input, and a non-zero exit when the workbench is unhealthy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.system, pytest.mark.requirement("MON-05")]

WORKBENCH = str(Path(sys.executable).with_name("workbench"))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [WORKBENCH, "monitor", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
        check=False,
    )


def test_rules_alerts_and_health_end_to_end(home: Path) -> None:
    unhealthy = run("health", "--json")
    assert unhealthy.returncode == 1, unhealthy.stderr
    report = json.loads(unhealthy.stdout)
    assert report["healthy"] is False and report["checks"][0]["name"] == "ledger"

    added = run(
        "rules",
        "add",
        "aapl-hi",
        "--kind",
        "price_above",
        "--scope",
        "AAPL",
        "--params",
        "level=150",
        "--channels",
        "log,inapp",
        "--owner",
        "ana",
        "--json",
    )
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["params"] == {"level": 150.0}

    tried = json.loads(run("rules", "test", "aapl-hi", "--end", "2017-12-31", "--json").stdout)
    assert tried["alerts"][0]["raised_at"].startswith("2017-05-08")

    watched = run("watch", "--symbols", "AAPL", "--replay-from", "2018-01-02", "--seconds", "3")
    assert watched.returncode == 0, watched.stderr
    assert "AAPL" in watched.stdout

    (alert,) = json.loads(run("alerts", "list", "--json").stdout)["alerts"]
    assert alert["rule"] == "aapl-hi" and alert["message"].startswith("AAPL rose above 150")
    assert {d["channel"]: d["status"] for d in alert["deliveries"]} == {
        "log": "sent",
        "inapp": "sent",
    }
    resolved = json.loads(run("alerts", "resolve", str(alert["id"]), "--json").stdout)
    assert resolved["state"] == "resolved" and resolved["resolved_by"]
    healthy = run("health", "--json")
    assert healthy.returncode == 0, healthy.stdout


def test_a_bad_rule_is_one_line_and_exit_code_1(home: Path) -> None:
    """The other bad inputs run in process: tests/integration/monitoring/test_monitor_cli.py."""
    result = run(
        "rules",
        "add",
        "bad",
        "--kind",
        "price_above",
        "--scope",
        "NOPE",
        "--params",
        "level=1",
        "--json",
    )
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: unknown symbol(s) NOPE: not in the lake's bars_1d")


def test_monitor_help_imports_no_engine() -> None:
    probe = (
        "import sys;"
        "from workbench.interfaces.cli.app import app;"
        "from typer.testing import CliRunner;"
        "r = CliRunner().invoke(app, ['monitor', 'rules', 'add', '--help']);"
        "assert r.exit_code == 0, r.output;"
        "print([m for m in ('pandas', 'numpy', 'sqlalchemy') if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
