"""``workbench exchange serve`` and ``clock``: an empty lake is refused with the hint; a served
exchange says where it listens, where its clock stands and how to move it; ``clock`` moves it
from the command line; a taken port is one line and a non-zero exit; SIGINT and SIGTERM stop it
cleanly with its books saved; listening beyond loopback takes a flag and a warning."""

from __future__ import annotations

import json
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from tests.integration.exchange.conftest import HEADERS, KEY, SECRET, Venue
from workbench.core.errors import AuthError, ConfigError, DataError, NotFound
from workbench.interfaces.cli.exchange import app
from workbench.ops.exchange import exchange_config
from workbench.runtime import Runtime
from workbench.testing import wait_until

pytestmark = pytest.mark.requirement("CON-05")

CLI = [sys.executable, "-c", "from workbench.interfaces.cli.app import main; main()"]


def test_an_empty_lake_is_refused_with_the_load_sample_hint(wb_home: Path) -> None:
    result = CliRunner().invoke(app, ["serve", "--start", "2017-01-03"])
    assert result.exit_code != 0
    assert isinstance(result.exception, NotFound)
    assert "run `workbench data load-sample`" in str(result.exception)


def test_the_start_date_is_checked(wb_home: Path) -> None:
    with pytest.raises(DataError, match="YYYY-MM-DD"):
        exchange_config(Runtime.from_settings(), start="3 Jan 2017")


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "example.org"])
def test_listening_beyond_loopback_needs_allow_remote(wb_home: Path, host: str) -> None:
    result = CliRunner().invoke(app, ["serve", "--host", host, "--start", "2017-01-03"])
    assert result.exit_code != 0
    assert isinstance(result.exception, ConfigError)
    assert "--allow-remote" in str(result.exception)


@pytest.mark.parametrize("speed", ["1e308", "-1", "inf"])
def test_serve_refuses_a_speed_out_of_range(wb_home: Path, sample_lake: Path, speed: str) -> None:
    (wb_home / "lake").symlink_to(sample_lake, target_is_directory=True)
    result = CliRunner().invoke(app, ["serve", "--start", "2017-01-03", "--speed", speed])
    assert isinstance(result.exception, DataError)
    assert "speed must be between 0 and 1,000,000" in str(result.exception)
    assert not (wb_home / "exchange" / "exchange.db").exists()


@pytest.mark.parametrize(
    ("option", "complaint"),
    [(["--admin-key", "short"], "at least 16 characters"), (["--max-accounts", "0"], "at least 1")],
)
def test_serve_checks_its_admin_key_and_account_cap(
    wb_home: Path, option: list[str], complaint: str
) -> None:
    result = CliRunner().invoke(app, ["serve", "--start", "2017-01-03", *option])
    assert isinstance(result.exception, ConfigError)
    assert complaint in str(result.exception)


# -- a served exchange, as a user runs it ----------------------------------------------------
@dataclass
class Served:
    process: subprocess.Popen[str]
    url: str
    out: Path
    err: Path
    home: Path

    def banner(self) -> str:
        """stdout once the start-up lines are all there."""
        return wait_until(self._banner, what="the exchange's start-up lines", timeout=60)

    def _banner(self) -> str | None:
        if self.process.poll() is not None:
            raise AssertionError(f"serve ended early: {self.err.read_text()}")
        text = self.out.read_text()
        return text if "Stop with Ctrl+C" in text else None

    def stop(self, number: int = signal.SIGTERM) -> tuple[int, str, str]:
        self.process.send_signal(number)
        code = self.process.wait(timeout=30)
        return code, self.out.read_text(), self.err.read_text()


@pytest.fixture
def serve(wb_home: Path, sample_lake: Path, tmp_path: Path) -> Iterator[Any]:
    (wb_home / "lake").symlink_to(sample_lake, target_is_directory=True)
    started: list[Served] = []

    def start(*args: str, port: int | None = None) -> Served:
        port = port or _free_port()
        out, err = tmp_path / f"out-{len(started)}.txt", tmp_path / f"err-{len(started)}.txt"
        with out.open("w") as stdout, err.open("w") as stderr:
            process = subprocess.Popen(
                [*CLI, "exchange", "serve", "--port", str(port), *args],
                stdout=stdout,
                stderr=stderr,
                text=True,
            )
        served = Served(process, f"http://127.0.0.1:{port}", out, err, wb_home)
        started.append(served)
        return served

    yield start
    for served in started:
        if served.process.poll() is None:
            served.process.kill()
            served.process.wait(timeout=30)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.system
def test_serve_says_where_its_clock_is_and_clock_moves_it(serve: Any) -> None:
    from alpaca.trading.client import TradingClient
    from alpaca.trading.requests import MarketOrderRequest

    served: Served = serve("--start", "2018-01-02")
    banner = served.banner()
    assert f"on {served.url}" in banner
    assert "Replay clock: Tue 2018-01-02 09:29 New York (2018-01-02T14:29:00+00:00)" in banner
    assert "market closed; next open Tue 2018-01-02 09:30 New York" in banner
    assert "Speed: 0 - the clock stands still until moved" in banner
    assert f"workbench exchange clock --url {served.url} --to open" in banner
    assert "--to 2018-01-02T15:00:00Z, --advance 1d, --speed 60" in banner
    key_file = served.home / "exchange" / "admin-key"
    admin_key = key_file.read_text().strip()
    assert f"Admin key: {admin_key}" in banner
    assert key_file.stat().st_mode & 0o777 == 0o600

    trading = TradingClient(KEY, SECRET, paper=True, url_override=served.url)
    order = trading.submit_order(
        MarketOrderRequest(symbol="AAPL", qty=1, side="buy", time_in_force="day")
    )
    assert order.status.value == "accepted"  # before the open, and the clock stands still

    opened = _cli("exchange", "clock", "--url", served.url, "--to", "open", "--json")
    assert opened.returncode == 0, opened.stderr
    state = json.loads(opened.stdout)  # the admin key came from <home>/exchange/admin-key
    assert (state["now"], state["is_open"], state["speed"]) == (
        "2018-01-02T14:30:00+00:00",
        True,
        0.0,
    )
    filled = trading.get_order_by_id(order.id)  # sent before the open: it fills at the open
    assert filled.status.value == "filled" and filled.filled_at is not None
    assert filled.filled_at.isoformat() == "2018-01-02T14:30:00+00:00"

    closed = _cli("exchange", "clock", "--url", served.url, "--to", "close")
    assert closed.returncode == 0, closed.stderr
    assert "Replay clock: Tue 2018-01-02 16:00 New York" in closed.stdout
    assert "market closed, standing still (speed 0)" in closed.stdout

    code, out, err = served.stop(signal.SIGTERM)
    assert code == 0, err
    assert "Traceback" not in err and "exchange stopped" in out
    assert not key_file.exists()  # the key of a stopped exchange opens nothing


@pytest.mark.system
@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM])
def test_serve_answers_alpaca_requests_and_stops_cleanly_on_a_signal(
    serve: Any, number: int
) -> None:
    served: Served = serve("--start", "2017-01-03", "--speed", "60")
    served.banner()
    first = _clock(served.url)
    wait_until(lambda: _clock(served.url) > first, what="60 simulated seconds a second")
    answer = httpx.post(
        served.url + "/v2/orders",
        headers=HEADERS,
        json={"symbol": "AAPL", "qty": 1, "side": "buy", "type": "market", "time_in_force": "gtc"},
    )
    assert answer.status_code == 200, answer.text
    code, out, err = served.stop(number)
    assert code == 0, err
    assert "Traceback" not in err and "exchange stopped; its books are saved" in out
    with sqlite3.connect(served.home / "exchange" / "exchange.db") as books:
        (orders,) = books.execute("SELECT count(*) FROM orders").fetchone()
        (saved,) = books.execute("SELECT value FROM meta WHERE key = 'clock'").fetchone()
    assert orders == 1
    assert saved > first


@pytest.mark.system
def test_a_taken_port_is_one_clear_line_and_a_non_zero_exit(serve: Any) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        served: Served = serve("--start", "2017-01-03", port=port)
        code = served.process.wait(timeout=60)
    err = served.err.read_text()
    assert code == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines == [
        f"error: port {port} on 127.0.0.1 is already in use (another exchange?): stop that "
        "process or choose another --port"
    ], err


@pytest.mark.system
def test_allow_remote_listens_beyond_loopback_with_a_warning(serve: Any) -> None:
    served: Served = serve("--start", "2017-01-03", "--host", "0.0.0.0", "--allow-remote")
    served.banner()
    assert "warning: listening beyond loopback" in served.err.read_text()
    assert httpx.get(served.url + "/v2/clock", headers=HEADERS).status_code == 200
    code, _, err = served.stop()
    assert code == 0, err


# -- workbench exchange clock, against an exchange on a thread ------------------------------
def test_clock_shows_and_moves_the_clock_with_the_given_key(venue: Venue) -> None:
    key = ["--url", venue.url, "--admin-key", venue.exchange.admin_key]
    shown = CliRunner().invoke(app, ["clock", *key])
    assert shown.exit_code == 0, shown.output
    assert shown.output.startswith("Replay clock: Tue 2017-01-03 09:29 New York")
    moved = CliRunner().invoke(app, ["clock", *key, "--advance", "1d", "--speed", "60", "--json"])
    assert moved.exit_code == 0, moved.output
    state = json.loads(moved.output)
    assert state["now"].startswith("2017-01-04T14:29") and state["speed"] == 60
    assert venue.exchange.clock.speed == 60


def test_clock_reads_the_key_from_the_environment_or_the_home(
    venue: Venue, wb_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = CliRunner().invoke(app, ["clock", "--url", venue.url])
    assert isinstance(missing.exception, ConfigError)
    assert "WB_EXCHANGE_ADMIN_KEY" in str(missing.exception)
    (wb_home / "exchange").mkdir()
    (wb_home / "exchange" / "admin-key").write_text(venue.exchange.admin_key + "\n")
    assert CliRunner().invoke(app, ["clock", "--url", venue.url]).exit_code == 0
    monkeypatch.setenv("WB_EXCHANGE_ADMIN_KEY", "a-wrong-admin-key-from-env")
    refused = CliRunner().invoke(app, ["clock", "--url", venue.url, "--to", "open"])
    assert isinstance(refused.exception, AuthError)
    assert venue.exchange.clock.now().isoformat() == "2017-01-03T14:29:00+00:00"


def test_clock_reports_refusals_and_a_missing_exchange(venue: Venue) -> None:
    key = ["--admin-key", venue.exchange.admin_key]
    for change in (["--advance", "99999999w"], ["--speed", "1e308"], ["--to", "yesterday"]):
        refused = CliRunner().invoke(app, ["clock", "--url", venue.url, *key, *change])
        assert isinstance(refused.exception, DataError), refused.output
        assert "the exchange refused the change" in str(refused.exception)
    both = CliRunner().invoke(app, ["clock", *key, "--to", "open", "--advance", "1d"])
    assert isinstance(both.exception, DataError)
    nobody = CliRunner().invoke(app, ["clock", "--url", f"http://127.0.0.1:{_free_port()}", *key])
    assert isinstance(nobody.exception, NotFound)
    assert "workbench exchange serve" in str(nobody.exception)


def _clock(url: str) -> str:
    return str(httpx.get(url + "/v2/clock", headers=HEADERS).json()["timestamp"])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
