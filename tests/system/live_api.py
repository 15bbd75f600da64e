"""A real ``workbench serve api`` (uvicorn, a socket) for the security suites: its home with a
copy of the sample lake, users and credentials of every kind for every role, its output kept
in files so that a test can read every line it logged."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.api.test_rbac import credentials
from workbench.model import Role
from workbench.runtime import Runtime
from workbench.testing import copy_lake

WORKBENCH = str(Path(sys.executable).with_name("workbench"))
#: MCP arguments that pass each tool's input schema and fail fast once past the permission
#: check (an unknown name, symbol or id), so that a permitted call neither writes nor computes
MCP_ARGUMENTS: dict[str, dict[str, Any]] = {
    "market_bars_summary": {"symbol": "NOPE"},
    "market_latest": {"symbols": ["NOPE"]},
    "market_quality": {"symbols": ["NOPE"]},
    "strategy_show": {"name": "nope"},
    "strategy_backtest": {"name": "nope", "symbols": ["NOPE"]},
    "strategy_results": {"run_id": 999999},
    "strategy_optimize": {"name": "nope", "symbols": ["NOPE"], "grid": {"n": [1]}},
    "strategy_walk_forward": {"name": "nope", "symbols": ["NOPE"], "grid": {"n": [1]}},
    "analysis_indicators": {"symbols": ["NOPE"], "name": "nope"},
    "analysis_performance": {"symbols": ["NOPE"]},
    "analysis_risk": {"weights": {"NOPE": 1}},
    "analysis_stress": {"weights": {"NOPE": 1}},
    "analysis_allocation": {"symbols": ["NOPE"]},
    "portfolio_rebalance_plan": {"targets": {"NOPE": 1}},
    "runs_parity": {"run_id": 999999},
    "reports_generate": {"kind": "performance", "run_id": 999999},
    "order_preview": {"symbol": "NOPE", "side": "buy", "qty": 1},
    "order_submit": {"confirmation_token": "wbc_nope", "symbol": "NOPE", "side": "buy"},
    "order_cancel": {"reference": "nope"},
    "trading_state_set": {"state": "resume"},
    "alerts_acknowledge": {"alert_id": 999999},
    "alerts_create_rule": {"name": "nope", "kind": "nope", "params": {}},
}


@dataclass
class LiveApi:
    url: str
    home: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    logs: list[Path]
    #: role -> credential kind (test_rbac's table) -> the Authorization header, None: none
    headers: dict[Role, dict[str, str | None]] = field(default_factory=dict)

    @property
    def ws(self) -> str:
        return self.url.replace("http", "ws", 1)

    def runtime(self) -> Runtime:
        """A runtime over the server's own home and ledger, in this process."""
        with pytest.MonkeyPatch.context() as patch:
            for name, value in self.env.items():
                if name.startswith("WB_"):
                    patch.setenv(name, value)
            return Runtime.from_settings()

    def log_text(self) -> str:
        return "\n".join(path.read_text(errors="replace") for path in self.logs)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(home: Path, settings: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without its ``WB_`` settings, then ``settings``."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith("WB_")}
    return {**kept, "WB_HOME": str(home), "WB_ENV": "development", **settings}


def start(
    shared_sample_lake: Path, folder: Path, settings: Mapping[str, str], *, roles: bool = True
) -> LiveApi:
    """The server on a free port, ready; with ``roles``, a user per role and each credential
    kind of test_rbac made in this process on its ledger first."""
    home = folder / "home"
    copy_lake(shared_sample_lake, home / "lake")
    env = environment(home, settings)
    api = LiveApi("", home, env, None, [folder / "api.out", folder / "api.err"])  # type: ignore[arg-type]
    if roles:
        with api.runtime() as rt:
            api.headers = {role: credentials(rt, role) for role in Role}
    port = free_port()
    with api.logs[0].open("wb") as out, api.logs[1].open("wb") as err:
        api.process = subprocess.Popen(
            [WORKBENCH, "serve", "api", "--port", str(port)], stdout=out, stderr=err, env=env
        )
    api.url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"{api.url}/healthz", timeout=2).status_code == 200:
                return api
        except httpx.TransportError:
            pass
        if api.process.poll() is not None or time.monotonic() > deadline:
            api.process.kill()
            raise AssertionError(f"the API never answered: {api.log_text()[-3000:]}")
        time.sleep(0.1)


def stop(api: LiveApi) -> None:
    api.process.send_signal(signal.SIGTERM)
    api.process.wait(timeout=30)
    assert "Traceback" not in api.log_text(), api.log_text()[-3000:]
