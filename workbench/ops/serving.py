"""Serving the API and the dashboards together, what ``make run`` does after the pipeline.

Each face runs as its own child process, the same command a user would type
(``workbench serve api`` and ``workbench serve dashboards``), in its own session so that a
terminal's Ctrl+C reaches only this process, which then stops both. Both listen on loopback.
A taken port fails before anything starts, as one line naming the option that moves it (rather
than silently moving to another port: the printed URLs, bookmarks and the docs stay true).
"""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess  # nosec B404 # starts this workbench's own servers, never a shell
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from workbench.core.errors import ConfigError, WorkbenchError

__all__ = [
    "DEFAULT_API_PORT",
    "FacesStarted",
    "require_free_ports",
    "serve_api_and_dashboards",
]

DEFAULT_API_PORT = 8000
_HOST = "127.0.0.1"
_START_TIMEOUT = 90.0
_STOP_GRACE = 15.0


@dataclass(frozen=True)
class FacesStarted:
    api_url: str
    dashboards_url: str


def require_free_ports(api_port: int, dashboards_port: int) -> None:
    """ConfigError, one line naming the option, when a port is taken (or both are the same)."""
    if api_port == dashboards_port:
        raise ConfigError(f"--api-port and --dashboards-port are both {api_port}: give two ports")
    for port, option in ((api_port, "--api-port"), (dashboards_port, "--dashboards-port")):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((_HOST, port))
            except (OSError, OverflowError) as error:
                reason = error.strerror if isinstance(error, OSError) else str(error)
                raise ConfigError(
                    f"port {port} on {_HOST} is not free ({reason}): stop what holds it or "
                    f"choose another with {option}"
                ) from None


def serve_api_and_dashboards(
    *,
    api_port: int = DEFAULT_API_PORT,
    dashboards_port: int = 8866,
    on_ready: Callable[[FacesStarted], None] | None = None,
) -> None:
    """Serve the API and the dashboards on loopback until SIGINT or SIGTERM, then stop both
    and return; when one of them stops by itself, the other is stopped and that is a
    WorkbenchError."""
    require_free_ports(api_port, dashboards_port)
    command = _workbench_command()
    commands = {
        "API": [*command, "serve", "api", "--host", _HOST, "--port", str(api_port)],
        "dashboards": [*command, "serve", "dashboards", "--port", str(dashboards_port)],
    }
    children: dict[str, subprocess.Popen[bytes]] = {}
    stopping: list[float] = []
    with _stopping_on_signals(children, stopping):
        for name, argv in commands.items():
            # stdout (each child's own "listening" line) is ours to print; errors pass through
            children[name] = subprocess.Popen(  # noqa: S603  # nosec B603 # our own argv
                argv, stdout=subprocess.DEVNULL, start_new_session=True
            )
        ports = {"API": api_port, "dashboards": dashboards_port}
        for name, child in children.items():
            _wait_listening(name, child, ports[name], stopping)
        if stopping:
            return
        if on_ready is not None:
            on_ready(
                FacesStarted(
                    api_url=f"http://{_HOST}:{api_port}",
                    dashboards_url=f"http://{_HOST}:{dashboards_port}/",
                )
            )
        _watch(children, stopping)


def _workbench_command() -> list[str]:
    script = Path(sys.executable).with_name("workbench")
    if script.is_file():
        return [str(script)]
    # an environment without the console script (e.g. run from a source tree)
    return [sys.executable, "-c", "from workbench.interfaces.cli.app import main; main()"]


def _wait_listening(
    name: str, child: subprocess.Popen[bytes], port: int, stopping: list[float]
) -> None:
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline and not stopping:
        if child.poll() is not None:
            raise ConfigError(f"the {name} server stopped while starting (exit {child.returncode})")
        with contextlib.suppress(OSError), socket.create_connection((_HOST, port), timeout=0.5):
            return
        time.sleep(0.1)
    if not stopping:
        raise ConfigError(
            f"the {name} server did not listen on port {port} within {_START_TIMEOUT:g} s"
        )


def _watch(children: dict[str, subprocess.Popen[bytes]], stopping: list[float]) -> None:
    """Return once a signal has stopped both children; a WorkbenchError when one stops by itself
    (the other is stopped first)."""
    while True:
        if stopping:
            _stop_all(children)
            return
        for name, child in children.items():
            code = child.poll()
            if code is not None:
                _stop_all(children)
                raise WorkbenchError(f"the {name} server stopped by itself (exit code {code})")
        time.sleep(0.2)


@contextlib.contextmanager
def _stopping_on_signals(
    children: dict[str, subprocess.Popen[bytes]], stopping: list[float]
) -> Iterator[None]:
    """SIGINT and SIGTERM only mark the stop (the handler never waits); whatever way this
    ends, no child outlives it."""

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.append(time.monotonic())

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        _stop_all(children)
        for number, handler in previous.items():
            signal.signal(number, handler)


def _stop_all(children: dict[str, subprocess.Popen[bytes]]) -> None:
    """SIGTERM to every child at once (each stops its own server cleanly), then wait; a child
    still there after the grace period is killed."""
    for child in children.values():
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + _STOP_GRACE
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
