"""``workbench data ...`` through Typer's CliRunner on the data sub-app.

A WorkbenchError leaves the sub-app as an exception (the root ``main`` maps it to exit code 1
and one line on stderr; that mapping is tested on the root app).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from workbench.core.errors import NotFound, ValidationError
from workbench.interfaces.cli.data import app
from workbench.testing import odd_json_keys

pytestmark = pytest.mark.requirement("DAT-07")

SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


def json_of(result) -> object:
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)  # the whole of stdout is one JSON document
    assert not odd_json_keys(document, (SNAKE,)), odd_json_keys(document, (SNAKE,))
    return document


@pytest.fixture
def loaded(sample_home: Path) -> Path:
    """The sample in this test's WB_HOME, a copy of the session's that this test may write."""
    return sample_home / "lake"


def test_load_sample(runner: CliRunner, wb_home: Path) -> None:
    reports = json_of(runner.invoke(app, ["load-sample", "--json"]))
    assert [r["dataset"] for r in reports] == ["bars_1d", "bars_30m", "bars_5m", "bars_1m"]
    assert reports[0]["new"] == 88_211
    assert reports[0]["quality"]["rows_rejected"] == 2
    ohlc = next(i for i in reports[0]["quality"]["issues"] if i["rule"] == "ohlc")
    assert ohlc["count"] == 2
    assert [r["symbol"] for r in ohlc["rows"]] == ["SPY", "SPY"]
    assert (wb_home / "lake" / "bars_1d" / "symbol=AAPL").is_dir()


def test_load_sample_twice_writes_nothing_the_second_time(runner: CliRunner, loaded: Path) -> None:
    again = json_of(runner.invoke(app, ["load-sample", "--json"]))
    assert [r["new"] for r in again] == [0, 0, 0, 0]
    people = runner.invoke(app, ["load-sample"])
    assert people.exit_code == 0
    assert "bars_1d" in people.stdout


def test_list_json(runner: CliRunner, loaded: Path) -> None:
    rows = json_of(runner.invoke(app, ["list", "--json", "--dataset", "bars_1d"]))
    assert len(rows) == 63
    aapl = next(r for r in rows if r["symbol"] == "AAPL")
    assert aapl == {
        "dataset": "bars_1d",
        "symbol": "AAPL",
        "first": "2013-02-08T05:00:00+00:00",
        "last": "2018-02-07T05:00:00+00:00",
        "rows": 1259,
        "sessions": 1259,
        "missing_sessions": 0,
    }
    everything = json_of(runner.invoke(app, ["list", "--json"]))
    assert {r["dataset"] for r in everything} == {"bars_1d", "bars_1m", "bars_5m", "bars_30m"}


def test_list_for_people(runner: CliRunner, loaded: Path) -> None:
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0
    assert "AAPL" in result.stdout
    assert "2018-02-07" in result.stdout


def test_list_of_an_empty_lake(runner: CliRunner) -> None:
    assert json_of(runner.invoke(app, ["list", "--json"])) == []
    assert "load-sample" in runner.invoke(app, ["list"]).stdout


def test_show_json(runner: CliRunner, loaded: Path) -> None:
    bars = json_of(runner.invoke(app, ["show", "aapl", "--json"]))
    assert len(bars) == 20
    assert bars[-1]["symbol"] == "AAPL"
    assert bars[-1]["timestamp"] == "2018-02-07T05:00:00+00:00"
    window = json_of(
        runner.invoke(
            app, ["show", "AAPL", "--start", "2017-08-01", "--end", "2017-08-01", "--json"]
        )
    )
    assert [b["close"] for b in window] == [158.59]
    assert window[0]["trade_count"] is None


def test_show_an_unknown_symbol(runner: CliRunner, loaded: Path) -> None:
    result = runner.invoke(app, ["show", "UNKNOWN"])
    assert result.exit_code != 0
    assert isinstance(result.exception, NotFound)
    message = result.exception.message
    assert "UNKNOWN" in message
    assert "\n" not in message
    assert result.stdout == ""


def test_show_a_bad_date_is_a_usage_error(runner: CliRunner, loaded: Path) -> None:
    result = runner.invoke(app, ["show", "AAPL", "--start", "01/02/2017"])
    assert result.exit_code == 2
    assert "is not a date (expected YYYY-MM-DD)" in result.stderr


def test_import_of_a_bad_csv_writes_nothing(
    runner: CliRunner, loaded: Path, tmp_path: Path
) -> None:
    before = {p: p.stat().st_mtime_ns for p in loaded.rglob("*.parquet")}
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "date,open,high,low,close,volume,Name\n"
        "2018-02-08,160.29,161.0,155.03,155.15,54390516,AAPL\n"
        "2018-02-09,157.07,157.89,150.24,one fifty six,70672608,AAPL\n"
    )
    result = runner.invoke(app, ["import", str(bad), "--json"])
    assert result.exit_code != 0
    assert isinstance(result.exception, ValidationError)
    assert "line 3: column 'close': 'one fifty six' is not a number" in result.exception.message
    assert result.stdout == ""
    assert {p: p.stat().st_mtime_ns for p in loaded.rglob("*.parquet")} == before


def test_import_of_a_good_csv(runner: CliRunner, loaded: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("Day,Px\n2018-02-08,155.15\n")
    result = runner.invoke(
        app, ["import", str(good), "--symbol", "AAPL", "--json", "--map", "Day=timestamp,Px=close"]
    )
    assert result.exit_code != 0
    assert "missing column(s) open, high, low, volume" in result.exception.message
    good.write_text(
        "date,open,high,low,close,volume\n2018-02-08,160.29,161.0,155.03,155.15,54390516\n"
    )
    report = json_of(runner.invoke(app, ["import", str(good), "--symbol", "AAPL", "--json"]))
    assert report["new"] == 1
    assert report["quality"]["ok"] is True
    latest = json_of(runner.invoke(app, ["show", "AAPL", "--tail", "1", "--json"]))
    assert latest[0]["timestamp"] == "2018-02-08T05:00:00+00:00"


def test_quality_json(runner: CliRunner, loaded: Path) -> None:
    report = json_of(runner.invoke(app, ["quality", "--symbols", "EBAY,SPY", "--json"]))
    assert report["ok"] is True
    rules = {i["rule"] for i in report["issues"]}
    assert {"jump", "gap"} <= rules
