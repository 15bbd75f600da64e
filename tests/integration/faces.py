"""The faces of a home as the cross-face suites drive them: the ``workbench`` command in a
subprocess, the REST API on a real socket (uvicorn on a thread of this process, over the app
``workbench serve api`` serves), and MCP through the SDK's client at that server's ``/mcp``.

Every order view a face answers goes through ``order_facts`` before it is compared, so a
difference between faces is a difference in what they say, never in how a test read it.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from mcp import Client

from tests.integration.mcp.conftest import http_client
from workbench.interfaces.api import create_app
from workbench.ops import keys, users
from workbench.runtime import Runtime
from workbench.testing import free_port, wait_until

__all__ = [
    "ORDER_FIELDS",
    "PASSWORD",
    "WORKBENCH",
    "ApiProcess",
    "DashboardKernel",
    "ThreadedApi",
    "cli",
    "cli_json",
    "cli_json_at_once",
    "face_env",
    "face_runtime",
    "make_keys",
    "mcp_call",
    "mcp_session",
    "order_facts",
]

WORKBENCH = str(Path(sys.executable).with_name("workbench"))
PASSWORD = "a long enough password 1"
#: what one order is, whoever tells it (ids, times and actors aside)
ORDER_FIELDS = (
    "symbol",
    "side",
    "type",
    "time_in_force",
    "qty",
    "limit_price",
    "stop_price",
    "status",
    "filled_qty",
    "filled_avg_price",
)


def face_env(home: Path, **more: str) -> dict[str, str]:
    """This process's environment without its ``WB_`` variables, for a home of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WB_")}
    env.update(WB_HOME=str(home), WB_LOG_LEVEL="WARNING", **more)
    return env


def face_runtime(home: Path) -> Runtime:
    """A runtime of ``home`` as the API and MCP faces hold it: trading tools on, no rate limits
    (the suites send a few dozen requests from one address), the ledger in the home."""
    return Runtime.from_settings(
        home=home,
        ledger_url=None,
        mcp={"trading_enabled": True},
        api={"rate_limit": {"enabled": False}},
    )


def make_keys(home: Path, roles: tuple[str, ...] = ("trader", "admin")) -> dict[str, str]:
    with Runtime.from_settings(home=home, ledger_url=None) as rt:
        made = {}
        for role in roles:
            users.add(rt, f"{role}-user", PASSWORD, role=role, actor="test")
            made[role] = keys.create(rt, username=f"{role}-user", actor="test").key
    return made


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [WORKBENCH, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def cli_json(env: dict[str, str], *args: str) -> Any:
    done = cli(env, *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def cli_json_at_once(env: dict[str, str], *commands: tuple[str, ...]) -> list[Any]:
    """Independent read commands run side by side (each its own process), their answers in
    order: the machine's cores instead of one start-up after another."""
    running = [
        subprocess.Popen(
            [WORKBENCH, *args, "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for args in commands
    ]
    answers = []
    for args, process in zip(commands, running, strict=True):
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, (args, err)
        answers.append(json.loads(out))
    return answers


class ThreadedApi:
    """The API app of ``runtime`` served by uvicorn on a free loopback port, on a thread."""

    def __init__(self, runtime: Runtime) -> None:
        import uvicorn

        self.runtime = runtime
        self.port = free_port()
        # a client starved of CPU on a loaded machine may come back to an idle connection
        # later than uvicorn's 5 s keep-alive, and meet a reset: keep it open longer
        config = uvicorn.Config(
            create_app(runtime),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            timeout_keep_alive=120,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="api", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ThreadedApi:
        self._thread.start()
        wait_until(lambda: self._server.started, what="the API server to start", timeout=60)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)


class ApiProcess:
    """``workbench serve api`` on a free port, as an operator starts it."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [WORKBENCH, "serve", "api", "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self) -> ApiProcess:
        def answers() -> bool:
            assert self.process.poll() is None, self.process.communicate()[1]
            try:
                return httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(answers, what="the API to answer /healthz", timeout=120, interval=0.1)
        return self

    def stop(self) -> None:
        self.process.terminate()
        self.process.communicate(timeout=30)


class DashboardKernel:
    """A Jupyter kernel on the ``workbench`` kernelspec (the one the dashboards run on), started
    with a home and a dashboard role; ``run(code)`` executes a cell and answers the JSON the
    cell printed."""

    def __init__(self, home: Path, role: str = "trader") -> None:
        from jupyter_client.manager import start_new_kernel

        env = face_env(home, WB_DASHBOARD_ROLE=role)
        self.manager, self.client = start_new_kernel(
            kernel_name="workbench", startup_timeout=120, env=env
        )

    def run(self, code: str) -> Any:
        printed: list[str] = []
        errors: list[str] = []

        def heard(message: dict[str, Any]) -> None:
            content = message["content"]
            if message["msg_type"] == "stream" and content["name"] == "stdout":
                printed.append(content["text"])
            elif message["msg_type"] == "error":
                errors.append("\n".join(content["traceback"]))

        reply = self.client.execute_interactive(code, output_hook=heard, timeout=120)
        assert reply["content"]["status"] == "ok", errors
        return json.loads("".join(printed)) if printed else None

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


def mcp_session(url: str, key: str, work: Callable[[Client], Awaitable[Any]]) -> Any:
    """``work(client)`` in one MCP session at ``url``/mcp with ``key``."""

    async def run() -> Any:
        async with http_client(url, key) as client:
            return await work(client)

    return asyncio.run(run())


async def mcp_call(client: Client, tool: str, **args: Any) -> Any:
    """A tool's structured answer (its ``data``); a tool error fails with its text."""
    result = await client.call_tool(tool, args)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content["data"]


def order_facts(order: dict[str, Any]) -> dict[str, Any]:
    """An order as a face wrote it, reduced to ``ORDER_FIELDS`` with numbers as Decimals
    (``"10"`` and ``"10.000"`` are one quantity; a face writing a float would show here)."""
    facts = {}
    for name in ORDER_FIELDS:
        value = order.get(name)
        if name in ("qty", "limit_price", "stop_price", "filled_qty", "filled_avg_price"):
            assert value is None or isinstance(value, str), (name, value)
            value = None if value is None else Decimal(value)
        facts[name] = value
    return facts
