"""``workbench exchange serve``: refuses an empty lake with the hint, and serves a loaded one."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from tests.integration.exchange.conftest import HEADERS
from workbench.core.errors import DataError, NotFound
from workbench.interfaces.cli.exchange import app
from workbench.ops.exchange import exchange_config
from workbench.runtime import Runtime


def test_an_empty_lake_is_refused_with_the_load_sample_hint(wb_home: Path) -> None:
    result = CliRunner().invoke(app, ["serve", "--start", "2017-01-03"])
    assert result.exit_code != 0
    assert isinstance(result.exception, NotFound)
    assert "run `workbench data load-sample`" in str(result.exception)


def test_the_start_date_is_checked(wb_home: Path) -> None:
    with pytest.raises(DataError, match="YYYY-MM-DD"):
        exchange_config(Runtime.from_settings(), start="3 Jan 2017")


@pytest.mark.system
def test_serve_answers_alpaca_requests_on_the_chosen_port(wb_home: Path, sample_lake: Path) -> None:
    (wb_home / "lake").symlink_to(sample_lake, target_is_directory=True)
    port = _free_port()
    command = [sys.executable, "-c", "from workbench.interfaces.cli.exchange import app; app()"]
    args = ["serve", "--port", str(port), "--start", "2017-01-03", "--speed", "60"]
    server = subprocess.Popen([*command, *args], stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        first = _wait_for(url)
        time.sleep(0.5)
        later = httpx.get(url + "/v2/clock", headers=HEADERS).json()["timestamp"]
        assert later > first  # 60 simulated seconds a second
        assert (wb_home / "exchange" / "exchange.db").is_file()
    finally:
        server.send_signal(signal.SIGINT)
        _, errors = server.communicate(timeout=20)
    assert server.returncode == 0, errors


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(url: str) -> str:
    deadline = time.monotonic() + 30
    while True:
        try:
            answer = httpx.get(url + "/v2/clock", headers=HEADERS)
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the exchange did not come up"
            time.sleep(0.1)
            continue
        assert answer.status_code == 200, answer.text
        return str(answer.json()["timestamp"])
