"""Use case of serving the Voila dashboards (``notebooks/dashboards/``) on loopback.

Voila runs as a child process with the workbench kernel (``kernels/workbench``, installed
into this environment first, so nothing is installed by hand); the child inherits the
environment, so its kernels open the same ``WB_HOME``. Voila serves its own scripts and styles
(the repo's ``workbench`` template is Voila's lab template without its one CDN stylesheet),
so a page needs no network beyond the server. SIGINT and SIGTERM stop the child and return.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess  # nosec B404 # starts Voila: our own argv, never a shell
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from workbench.core.errors import ConfigError, NotFound, WorkbenchError

__all__ = [
    "DEFAULT_DASHBOARD_PORT",
    "KERNEL_NAME",
    "DashboardsStarted",
    "dashboards_dir",
    "install_kernel",
    "serve_dashboards",
]

DEFAULT_DASHBOARD_PORT = 8866
KERNEL_NAME = "workbench"
_PROJECT = Path(__file__).resolve().parents[2]
#: Voila's lab template without its CDN stylesheet (deploy/jupyter/voila/templates/workbench)
TEMPLATE = "workbench"
_TEMPLATES = _PROJECT / "deploy" / "jupyter"
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_START_TIMEOUT = 60.0


@dataclass(frozen=True)
class DashboardsStarted:
    url: str
    directory: Path
    dashboards: tuple[str, ...]


def dashboards_dir(directory: Path | str | None = None) -> Path:
    """The folder of dashboards: ``directory``, or the project's ``notebooks/dashboards``."""
    path = Path(directory) if directory is not None else _PROJECT / "notebooks" / "dashboards"
    if not path.is_dir():
        raise NotFound(f"no dashboards folder at {path}: give one with --dir")
    if not any(path.glob("*.ipynb")):
        raise NotFound(f"no notebooks (*.ipynb) in {path}")
    return path.resolve()


def install_kernel(source: Path | None = None) -> Path:
    """Install the workbench kernelspec into this environment (``sys.prefix``), replacing an
    older copy; the dashboards name it in their metadata."""
    from filelock import FileLock
    from jupyter_client.kernelspec import KernelSpecManager

    spec = source or _PROJECT / "kernels" / KERNEL_NAME
    if not (spec / "kernel.json").is_file():
        raise ConfigError(f"no kernelspec at {spec} (kernel.json missing)")
    kernels = Path(sys.prefix) / "share" / "jupyter" / "kernels"
    installed = kernels / KERNEL_NAME
    if _same_files(spec, installed):
        # already there: nothing is written (an image installs it at build time and is
        # read-only at run time)
        return installed
    kernels.mkdir(parents=True, exist_ok=True)
    # installing replaces the folder: a lock keeps a concurrent run (or test) from launching a
    # kernel out of a half-copied one
    with FileLock(str(kernels / f".{KERNEL_NAME}-kernel.lock")):
        if _same_files(spec, installed):
            return installed
        placed = KernelSpecManager().install_kernel_spec(
            str(spec), kernel_name=KERNEL_NAME, prefix=sys.prefix
        )
    return Path(placed)


def _same_files(source: Path, installed: Path) -> bool:
    files = [p for p in source.iterdir() if p.is_file()]
    return all(
        (installed / p.name).is_file() and (installed / p.name).read_bytes() == p.read_bytes()
        for p in files
    )


def serve_dashboards(
    *,
    host: str = "127.0.0.1",
    port: int = DEFAULT_DASHBOARD_PORT,
    directory: Path | str | None = None,
    on_ready: Callable[[DashboardsStarted], None] | None = None,
    behind_proxy: bool = False,
) -> int:
    """Serve the dashboards until SIGINT/SIGTERM or until Voila stops; returns Voila's exit
    code (0 after a signal). A taken port is a ConfigError, and so is a non-loopback host
    unless ``behind_proxy`` says an authenticating proxy is the only way in (a container's
    interface, reached through the Ingress or the load balancer: docs/deployment/)."""
    folder = dashboards_dir(directory)
    if host not in _LOOPBACK and not behind_proxy:
        raise ConfigError(
            f"dashboards listen on loopback only (127.0.0.1, localhost, ::1), not {host!r}: "
            "they have no login; --behind-proxy when an authenticating proxy is in front"
        )
    _require_free(host, port)
    install_kernel()
    command = [
        sys.executable, "-m", "voila", str(folder), "--no-browser",
        f"--Voila.ip={host}", f"--Voila.port={port}", "--Voila.port_retries=0",
        "--Voila.log_level=ERROR", f"--VoilaConfiguration.template={TEMPLATE}",
        "--VoilaConfiguration.show_tracebacks=False",
    ]  # fmt: skip
    # the repo's template folder goes first on Jupyter's data path, where Voila looks
    shared = os.pathsep.join(p for p in (str(_TEMPLATES), os.environ.get("JUPYTER_PATH")) if p)
    env = {**os.environ, "JUPYTER_PATH": shared}
    # its own session: a terminal's Ctrl+C reaches only us, and we stop Voila without its prompt
    child = subprocess.Popen(  # noqa: S603  # nosec B603 # a fixed argv of this Python's Voila
        command, cwd=folder, env=env, start_new_session=True
    )
    stopping: list[float] = []
    with _stopping_on_signals(child, stopping):
        try:
            _wait_listening(child, host, port)
        except WorkbenchError:
            _stop(child)
            raise
        if on_ready is not None:
            shown = f"[{host}]" if ":" in host else host
            names = tuple(sorted(p.stem for p in folder.glob("*.ipynb")))
            on_ready(DashboardsStarted(f"http://{shown}:{port}/", folder, names))
        code = _wait(child, stopping)
    return 0 if stopping or code == 0 else code


def _require_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise ConfigError(
                f"port {port} on {host} is taken ({error.strerror}): pick another with --port"
            ) from None


def _wait_listening(child: subprocess.Popen[bytes], host: str, port: int) -> None:
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise ConfigError(f"Voila stopped while starting (exit code {child.returncode})")
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        time.sleep(0.1)
    raise ConfigError(f"Voila did not listen on {host}:{port} within {_START_TIMEOUT:g} s")


def _wait(child: subprocess.Popen[bytes], stopping: list[float]) -> int:
    """The child's exit code; killed when it outlives a stop request by 10 s."""
    while True:
        try:
            return child.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            if stopping and time.monotonic() - stopping[0] > 10:
                child.kill()


@contextlib.contextmanager
def _stopping_on_signals(child: subprocess.Popen[bytes], stopping: list[float]) -> Iterator[None]:
    """SIGINT and SIGTERM ask the child to stop (the handler only signals: it never waits)."""

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.append(time.monotonic())
        if child.poll() is None:
            child.terminate()

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if child.poll() is None:
            _stop(child)


def _stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
