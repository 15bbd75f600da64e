"""``workbench monitor ...`` through Typer's CliRunner on the monitor sub-app, over a lake with
the sample's daily bars of two symbols. A WorkbenchError leaves the sub-app as an exception
(the root ``main`` maps it to exit code 1: ``tests/system/test_monitor_cli.py`` checks that)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from workbench.core.errors import NotFound, ValidationError
from workbench.data import Lake
from workbench.data.sample import read_sample
from workbench.interfaces.cli.monitor import app
from workbench.testing import odd_json_keys

pytestmark = pytest.mark.requirement("MON-02")

SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
#: weight targets are keyed by symbol: data in their keys
SYMBOL = re.compile(r"^[A-Z][A-Z.]*$")


@pytest.fixture
def home(wb_home: Path) -> Path:
    daily = read_sample("bars_1d")
    lake = Lake(wb_home / "lake")
    lake.ingest(daily[daily["symbol"].isin(["AAPL", "MSFT"])], "bars_1d", policy="drop")
    lake.close()
    return wb_home


def json_of(*args: str) -> Any:
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    odd = odd_json_keys(document, (SNAKE, SYMBOL))
    assert not odd, odd
    return document


@pytest.mark.parametrize(
    ("args", "error", "words"),
    [
        (
            ["--kind", "price_above", "--scope", "IBM", "--params", "level=1"],
            NotFound,
            "unknown symbol(s) IBM",
        ),
        (
            ["--kind", "indicator", "--scope", "AAPL", "--params", "indicator=MACD,op=>,value=1"],
            NotFound,
            "unknown indicator 'MACD'",
        ),
        (
            [
                "--kind",
                "price_above",
                "--scope",
                "AAPL",
                "--params",
                "level=1",
                "--channels",
                "email",
            ],
            NotFound,
            "unknown channel(s) email; configured channels: inapp, log",
        ),
        (
            [
                "--kind",
                "price_above",
                "--scope",
                "AAPL",
                "--params",
                "level=1",
                "--severity",
                "loud",
            ],
            ValidationError,
            "unknown severity 'loud'; valid: info, warning, critical",
        ),
        (
            ["--kind", "weight_drift", "--params", "band=0.05", "--targets", "AAPL=0.6,XOM=0.4"],
            NotFound,
            "unknown symbol(s) XOM",
        ),
    ],
)
def test_bad_rules_are_refused(
    home: Path, args: list[str], error: type[Exception], words: str
) -> None:
    result = CliRunner().invoke(app, ["rules", "add", "bad", *args])
    assert isinstance(result.exception, error)
    assert words in str(result.exception)


def test_rules_and_alerts_json(home: Path) -> None:
    json_of(
        "rules",
        "add",
        "drift",
        "--kind",
        "weight_drift",
        "--params",
        "band=0.05",
        "--targets",
        "AAPL=0.6,MSFT=0.4",
        "--channels",
        "log",
        "--cooldown",
        "600",
    )
    json_of(
        "rules",
        "add",
        "rsi",
        "--kind",
        "indicator",
        "--scope",
        "MSFT",
        "--params",
        "indicator=RSI,op=<,value=30,timeperiod=14",
    )
    rules = json_of("rules", "list")["rules"]
    assert [r["name"] for r in rules] == ["drift", "rsi"]
    assert rules[0]["params"]["targets"] == {"AAPL": 0.6, "MSFT": 0.4}
    dry = json_of("rules", "test", "rsi", "--start", "2016-01-01", "--end", "2016-12-31")
    assert dry["bars"] == 252 and all("RSI(14) is" in a["message"] for a in dry["alerts"])
    assert all(a["details"]["value"] < 30 for a in dry["alerts"])
    refused = CliRunner().invoke(app, ["rules", "test", "drift"])
    assert "a weight_drift rule watches the book" in str(refused.exception)
    assert json_of("alerts", "list") == {"alerts": []}
    missing = CliRunner().invoke(app, ["alerts", "ack", "7"])
    assert isinstance(missing.exception, NotFound)
    removed = json_of("rules", "remove", "rsi")
    assert removed["name"] == "rsi"
    kinds = json_of("rules", "kinds")
    assert kinds["channels"] == ["inapp", "log"] and "stale_data" in kinds["kinds"]
