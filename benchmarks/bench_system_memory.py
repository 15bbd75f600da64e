"""Figures for the whole system's memory under a normal load: the local exchange, the API
(trading on the exchange through the Alpaca adapter, MCP mounted at ``/mcp``) and the MCP server
over stdio, each its own process, sampled while clients use them.

Run: ``.venv/bin/python benchmarks/bench_system_memory.py [--seconds N] [--users N]``. A plain
script that prints figures (not part of the test suite). Budget (the system's requirement,
docs/requirements.md): the system under 2 GB under normal load. DESIGN.md sets none for the
whole system; its nearest are a simple CLI read under 256 MB and the 6,000-portfolio grid
under 1.5 GB.

Normal load, for ``--seconds`` (default 30): ``--users`` (default 10) API clients each reading
the account, positions, orders, latest bars or an indicator, or previewing an order, about twice
a second; one trader submitting a market order a second; ten WebSocket clients subscribed to
``orders`` and ``fills``; two assistants calling MCP tools over ``/mcp`` and one over stdio,
each about once a second. The exchange replays the bundled sample from 2018-01-02, its clock
standing still (orders wait for the open). Every process's resident memory (and its
children's) is sampled every half second: its peak, and the peak of their sum. The load
generator (this process) is not counted; its own peak is printed apart.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psutil
from _figures import record

WORKBENCH = str(Path(sys.executable).with_name("workbench"))
BUDGET_MB = 2048
READS = (
    "/api/v1/account",
    "/api/v1/positions",
    "/api/v1/orders?limit=50",
    "/api/v1/market/latest?symbols=AAPL,MSFT,JPM",
    "/api/v1/analysis/indicators/RSI?symbols=AAPL&tail=20",
)


def _port() -> int:
    from workbench.testing import free_port

    return free_port()


def _wait(url: str, process: subprocess.Popen[bytes]) -> None:
    from workbench.testing import wait_until

    def answers() -> bool:
        if process.poll() is not None:
            raise SystemExit(f"{process.args} stopped before answering")
        try:
            return httpx.get(url, timeout=2).status_code < 500
        except httpx.TransportError:
            return False

    wait_until(answers, what=url, timeout=120, interval=0.2)


def _prepare(home: Path) -> str:
    from workbench.ops import data, keys, users
    from workbench.runtime import Runtime

    with Runtime.from_settings(home=home, ledger_url=None) as rt:
        data.load_sample(rt)
        users.add(rt, "bench", "a long enough password 1", role="admin", actor="bench")
        return keys.create(rt, username="bench", actor="bench").key


class Sampler(threading.Thread):
    """Each named process's resident memory with its children's, every half second."""

    def __init__(self, processes: dict[str, int]) -> None:
        super().__init__(daemon=True)
        self.processes = processes
        self.peaks = dict.fromkeys(processes, 0.0)
        self.total_peak = 0.0
        self.stop = threading.Event()

    @staticmethod
    def _rss_mb(pid: int) -> float:
        try:
            root = psutil.Process(pid)
            tree = [root, *root.children(recursive=True)]
            return sum(p.memory_info().rss for p in tree) / 2**20
        except psutil.NoSuchProcess:
            return 0.0

    def run(self) -> None:
        while not self.stop.wait(0.5):
            now = {name: self._rss_mb(pid) for name, pid in self.processes.items()}
            for name, mb in now.items():
                self.peaks[name] = max(self.peaks[name], mb)
            self.total_peak = max(self.total_peak, sum(now.values()))


async def _reader(http: httpx.AsyncClient, until: float, n: int) -> int:
    done = 0
    while time.monotonic() < until:
        if n % 5 == 0 and done % 4 == 0:
            answer = await http.post(
                "/api/v1/orders/preview", json={"symbol": "AAPL", "side": "buy", "qty": "1"}
            )
        else:
            answer = await http.get(READS[(n + done) % len(READS)])
        answer.raise_for_status()
        done += 1
        await asyncio.sleep(0.5)
    return done


async def _trader(http: httpx.AsyncClient, until: float) -> int:
    done = 0
    while time.monotonic() < until:
        order = {"symbol": "MSFT", "side": "buy", "qty": "1"}
        (await http.post("/api/v1/orders", json=order)).raise_for_status()
        done += 1
        await asyncio.sleep(1)
    return done


async def _subscriber(ws_url: str, key: str, until: float) -> int:
    from websockets.asyncio.client import connect

    events = 0
    async with connect(f"{ws_url}/ws", ping_interval=None) as ws:
        await ws.send(json.dumps({"type": "auth", "token": key}))
        await ws.send(json.dumps({"type": "subscribe", "channels": ["orders", "fills"]}))
        while (left := until - time.monotonic()) > 0:
            try:
                message = json.loads(await asyncio.wait_for(ws.recv(), left))
            except TimeoutError:
                break
            if message["type"] == "ping":
                await ws.send(json.dumps({"type": "pong"}))
            events += message["type"] == "event"
    return events


async def _assistant(client: Any, until: float) -> int:
    calls = [
        ("portfolio_account", {}),
        ("market_latest", {"symbols": ["AAPL"]}),
        ("order_preview", {"symbol": "JPM", "side": "buy", "qty": "1"}),
    ]
    done = 0
    while time.monotonic() < until:
        tool, arguments = calls[done % len(calls)]
        result = await client.call_tool(tool, arguments)
        if result.is_error:
            raise SystemExit(f"MCP {tool}: {result.content}")
        done += 1
        await asyncio.sleep(1)
    return done


async def _load(
    api: str, key: str, env: dict[str, str], args: argparse.Namespace, ready: Callable[[], None]
) -> str:
    """The load, once every client is connected (``ready`` is called then)."""
    from mcp import Client, StdioServerParameters
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    headers = {"Authorization": f"Bearer {key}"}
    stdio = StdioServerParameters(
        command=WORKBENCH, args=["serve", "mcp"], env={**env, "WB_MCP__API_KEY": key}
    )
    async with (
        httpx.AsyncClient(base_url=api, headers=headers, timeout=120) as http,
        create_mcp_http_client(headers=headers) as mcp_http,
        Client(streamable_http_client(f"{api}/mcp", http_client=mcp_http)) as over_http,
        Client(stdio) as over_stdio,
    ):
        for path in READS:  # the runtime builds its parts on first use: not the load's cost
            (await http.get(path)).raise_for_status()
        ready()
        until = time.monotonic() + args.seconds
        counts = await asyncio.gather(
            *(_reader(http, until, n) for n in range(args.users)),
            _trader(http, until),
            *(_subscriber(api.replace("http", "ws", 1), key, until) for _ in range(10)),
            _assistant(over_http, until),
            _assistant(over_http, until),
            _assistant(over_stdio, until),
        )
    reads, orders = sum(counts[: args.users]), counts[args.users]
    events, calls = sum(counts[args.users + 1 : args.users + 11]), sum(counts[-3:])
    return f"{reads} API requests, {orders} orders, {events} WebSocket events, {calls} MCP calls"


def _stdio_server() -> int:
    """The ``workbench serve mcp`` the MCP client started under this process."""
    for child in psutil.Process().children(recursive=True):
        if "mcp" in child.cmdline() and "serve" in child.cmdline():
            return child.pid
    raise SystemExit("the MCP stdio server is not running")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--users", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as folder:
        home = Path(folder)
        env = {k: v for k, v in os.environ.items() if not k.startswith("WB_")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        key = _prepare(home)
        exchange_port, api_port = _port(), _port()
        exchange_url = f"http://127.0.0.1:{exchange_port}"
        env.update(
            WB_HOME=str(home),
            WB_LOG_LEVEL="WARNING",
            WB_BROKER="alpaca",
            WB_ALPACA__API_KEY="bench-memory-key",
            WB_ALPACA__SECRET_KEY="bench-memory-secret",
            WB_ALPACA__URL=exchange_url,
            WB_ALPACA__DATA_URL=exchange_url,
            WB_MCP__TRADING_ENABLED="true",
            WB_API__RATE_LIMIT__ENABLED="false",
            WB_RISK__LIMITS__MARKET_HOURS="any",
        )
        serve = ["exchange", "serve", "--port", str(exchange_port), "--start", "2018-01-02"]
        started = {
            "exchange": subprocess.Popen([WORKBENCH, *serve], env=env, stdout=subprocess.DEVNULL),
            "api (+ /mcp)": subprocess.Popen(
                [WORKBENCH, "serve", "api", "--port", str(api_port)],
                env=env,
                stdout=subprocess.DEVNULL,
            ),
        }
        api = f"http://127.0.0.1:{api_port}"
        try:
            _wait(f"{exchange_url}/v2/clock", started["exchange"])
            _wait(f"{api}/healthz", started["api (+ /mcp)"])
            sampler = Sampler({name: process.pid for name, process in started.items()})

            def ready() -> None:
                sampler.processes["mcp (stdio)"] = _stdio_server()
                sampler.peaks["mcp (stdio)"] = 0.0
                sampler.start()

            summary = asyncio.run(_load(api, key, env, args, ready))
            sampler.stop.set()
            sampler.join()
        finally:
            for process in started.values():
                process.terminate()
                process.wait(timeout=60)
    peaks, total = sampler.peaks, sampler.total_peak
    own = psutil.Process().memory_info().rss / 2**20
    print(f"{args.seconds:g} s of normal load: {summary}")
    print(f"load average {os.getloadavg()[0]:.1f} (2 cores, shared)")
    for name, mb in peaks.items():
        print(f"  {name:<16} peak {mb:7.0f} MB")
    verdict = "within" if total < BUDGET_MB else "OVER"
    print(
        f"  {'the system':<16} peak {total:7.0f} MB  [requirement < {BUDGET_MB} MB: {verdict}; "
        "DESIGN.md: none for the whole system]"
    )
    print(f"  (the load generator, not counted: {own:.0f} MB)")
    record("system.peak_mb", total, "MB", seconds=args.seconds)


if __name__ == "__main__":
    main()
