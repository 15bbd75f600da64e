"""One running system for the performance suites: ``workbench serve api`` (uvicorn, its own
process, MCP mounted at ``/mcp``) on a sample home with a key of each role, the paper book
started early enough that market orders fill for some forty sessions.

The suites put load on it from this process with asyncio (httpx, the ``websockets`` client,
the MCP SDK's client) and a few CLI processes, then assert that every answer was right. The
scale is ``WB_LOAD_SCALE`` (a positive number, default 1: a few seconds of load per test, so
``make test`` stays fast; ``make validate`` sets it higher): it multiplies how long the users
run and how many requests and rows each suite sends. The figures each suite prints are for
reading, not asserting; the budgets are measured by ``benchmarks/``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest

from workbench.testing import copy_lake, free_port, wait_until

WORKBENCH = str(Path(sys.executable).with_name("workbench"))
PASSWORD = "a long enough password 1"
ROLES = ("viewer", "analyst", "trader", "admin")
#: a paper book started here has some forty sessions of the sample ahead of it
EARLY_START = date(2017, 12, 1)
#: lifted for the load: a hundred users submit far more than a person would in a minute, the
#: replay's clock passes the last session of the sample (market hours would refuse the rest),
#: and one address sends every request (the rate limits have tests of their own)
LOAD_SETTINGS = {
    "WB_API__RATE_LIMIT__ENABLED": "false",
    "WB_RISK__LIMITS__MAX_ORDERS_PER_MINUTE": "1000000",
    "WB_RISK__LIMITS__MARKET_HOURS": "any",
    "WB_MCP__TRADING_ENABLED": "true",
    "WB_LOG_LEVEL": "WARNING",
}


def _scale_from_environment() -> float:
    text = os.environ.get("WB_LOAD_SCALE", "1")
    try:
        scale = float(text)
    except ValueError:
        raise pytest.UsageError(f"WB_LOAD_SCALE must be a positive number, got {text!r}") from None
    if not scale > 0:
        raise pytest.UsageError(f"WB_LOAD_SCALE must be a positive number, got {text!r}")
    return scale


#: read when the suite is collected: every test runs without the caller's ``WB_`` variables
#: (tests/conftest.py), this one included
_SCALE = _scale_from_environment()


def load_scale() -> float:
    """``WB_LOAD_SCALE`` as a positive number (default 1)."""
    return _SCALE


@dataclass
class System:
    """The running API and what a test needs to drive it and look behind it."""

    url: str
    home: Path
    env: dict[str, str]
    keys: dict[str, str]

    @property
    def ws(self) -> str:
        return self.url.replace("http", "ws", 1)

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}


def _prepare(home: Path) -> dict[str, str]:
    """A key per role, and the paper book standing at ``EARLY_START``."""
    from workbench.adapters.paper import PaperBroker, PaperConfig
    from workbench.data import Lake
    from workbench.ops import keys, users
    from workbench.runtime import Runtime

    lake = Lake(home / "lake")
    PaperBroker.open(lake, home / "paper" / "book.db", PaperConfig(start=EARLY_START)).close()
    lake.close()
    made = {}
    with Runtime.from_settings(home=home, ledger_url=None) as rt:
        for role in ROLES:
            users.add(rt, f"{role}-user", PASSWORD, role=role, actor="test")
            made[role] = keys.create(rt, username=f"{role}-user", actor="test").key
    return made


@pytest.fixture(scope="session")
def system(shared_sample_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    home = tmp_path_factory.mktemp("load-home")
    copy_lake(shared_sample_lake, home / "lake")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WB_")}
    env.update(LOAD_SETTINGS, WB_HOME=str(home))
    made = _prepare(home)
    port = free_port()
    process = subprocess.Popen(
        [WORKBENCH, "serve", "api", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        assert process.poll() is None, process.communicate()[1][-3000:]
        try:
            return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_until(answers, what="the API's /healthz", timeout=90, interval=0.2)
        started = System(url, home, env, made)
        _warm_up(started)
        yield started
    finally:
        process.terminate()
        _, err = process.communicate(timeout=60)
        # a 5xx the load caused leaves its traceback in the server's log
        assert "Traceback" not in err, err[-5000:]


def _warm_up(system: System) -> None:
    """The runtime builds its parts on first use (the ledger, the paper book, the lake's
    catalog): one request of each kind first, so the load meets a warm server."""
    with httpx.Client(base_url=system.url, headers=system.headers("trader"), timeout=120) as http:
        for path in ("/api/v1/account", "/api/v1/market/latest?symbols=AAPL", "/api/v1/orders"):
            assert http.get(path).status_code == 200, path
        order = {"symbol": "AAPL", "side": "buy", "qty": "1"}
        assert http.post("/api/v1/orders/preview", json=order).status_code == 200


def figures(name: str, seconds: list[float], elapsed: float | None = None) -> str:
    """One printed line: count, rate, p50, p99 and max in milliseconds."""
    if not seconds:
        return f"{name}: no samples"
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    rate = f", {len(ordered) / elapsed * 60:,.0f}/min" if elapsed else ""
    return (
        f"{name}: {len(ordered)}{rate}, p50 {statistics.median(ordered) * 1000:.1f} ms, "
        f"p99 {p99 * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms"
    )
