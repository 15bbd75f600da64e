"""One sample home per module with a key of each role, and the MCP server over its two real
transports: ``workbench serve mcp`` (stdio subprocess) and ``/mcp`` in ``workbench serve api``
(a uvicorn subprocess on a free port). Each test drives them with the SDK's own client."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import Future
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from workbench.ops import keys, users
from workbench.runtime import Runtime
from workbench.testing import copy_lake

WORKBENCH = str(Path(sys.executable).with_name("workbench"))
PASSWORD = "a long enough password 1"


@dataclass
class McpHome:
    home: Path
    env: dict[str, str]
    keys: dict[str, str]

    def runtime(self) -> Runtime:
        return Runtime.from_settings(home=self.home, mcp={"trading_enabled": True})


@pytest.fixture(scope="module")
def mcp_home(shared_sample_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> McpHome:
    home = tmp_path_factory.mktemp("mcp-home")
    copy_lake(shared_sample_lake, home / "lake")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WB_")}
    env.update(
        WB_HOME=str(home),
        WB_ENV="development",
        WB_MCP__TRADING_ENABLED="true",
        WB_MCP__CONFIRMATION_TTL_SECONDS="120",
        WB_LOG_LEVEL="WARNING",
    )
    # explicit: the subprocesses keep their ledger in <home>, whatever this environment says
    rt = Runtime.from_settings(home=home, ledger_url=None)
    made = {}
    for role in ("viewer", "analyst", "trader", "admin"):
        users.add(rt, f"{role}-user", PASSWORD, role=role, actor="test")
        made[role] = keys.create(rt, username=f"{role}-user", actor="test").key
    rt.close()
    return McpHome(home, env, made)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def api_url(mcp_home: McpHome) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [WORKBENCH, "serve", "api", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=mcp_home.env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, "the API never answered /healthz"
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.communicate(timeout=30)


@asynccontextmanager
async def http_client(url: str, key: str | None) -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with create_mcp_http_client(headers=headers) as http:
        transport = streamable_http_client(f"{url}/mcp", http_client=http)
        async with Client(transport) as client:
            yield client


def stdio_params(mcp_home: McpHome, key: str | None, **env: str) -> StdioServerParameters:
    environment = {**mcp_home.env, **env}
    if key is not None:
        environment["WB_MCP__API_KEY"] = key
    return StdioServerParameters(command=WORKBENCH, args=["serve", "mcp"], env=environment)


class LiveClient:
    """One MCP client session kept open for a whole module on a background event loop (the
    SDK's client must be entered and left in one task): ``call(work)`` runs ``work(client)``
    there and returns its answer."""

    def __init__(self, make: Callable[[], Client]) -> None:
        self._make = make
        self._loop = asyncio.new_event_loop()
        self._queue: asyncio.Queue[Any] | None = None
        self._ready: Future[None] = Future()
        self._done: Future[None] = Future()
        self._thread = threading.Thread(target=self._loop.run_until_complete, args=(self._serve(),))
        self._thread.start()
        self._ready.result(timeout=120)

    async def _serve(self) -> None:
        self._queue = asyncio.Queue()
        try:
            async with self._make() as client:
                self._ready.set_result(None)
                while (item := await self._queue.get()) is not None:
                    work, answer = item
                    try:
                        answer.set_result(await work(client))
                    except Exception as error:  # handed to the waiting test
                        answer.set_exception(error)
        except Exception as error:
            if not self._ready.done():
                self._ready.set_exception(error)
            raise
        finally:
            self._done.set_result(None)

    def call(self, work: Callable[[Client], Awaitable[Any]]) -> Any:
        answer: Future[Any] = Future()
        assert self._queue is not None
        self._loop.call_soon_threadsafe(self._queue.put_nowait, (work, answer))
        return answer.result(timeout=300)

    def close(self) -> None:
        assert self._queue is not None
        self._loop.call_soon_threadsafe(self._queue.put_nowait, None)
        self._thread.join(timeout=60)
        self._loop.close()
