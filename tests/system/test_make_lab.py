"""``make lab``: JupyterLab with the Makefile's own command line (read from ``make -n lab``, so
the test follows the Makefile), on a free loopback port. It prints its URL with a token, answers
``/api/status`` with that token (and refuses without it), offers the workbench kernel as the
default, and stops cleanly on Ctrl+C (SIGINT)."""

from __future__ import annotations

import json
import os
import pty
import queue
import re
import shlex
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.system, pytest.mark.requirement("INT-07")]

REPO = Path(__file__).resolve().parents[2]
#: Lab's start-up takes a few seconds idle; a loaded CI machine is slower
STARTUP_S = 120.0


def lab_command() -> list[str]:
    """The ``jupyter lab`` line that ``make lab`` runs (its kernel install and sample load are
    the other lines, checked elsewhere)."""
    planned = subprocess.run(
        ["make", "-n", "lab"], cwd=REPO, capture_output=True, text=True, check=True, timeout=60
    ).stdout
    lines = [line for line in planned.splitlines() if re.search(r"\bjupyter lab\b", line)]
    assert len(lines) == 1, planned
    return shlex.split(lines[0])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def get(url: str, token: str | None, *, deadline: float = 0.0) -> tuple[int, object]:
    """The status and JSON body; until ``deadline`` (monotonic), a refused connection is tried
    again (the URL line can come a moment before the socket accepts)."""
    headers = {"Authorization": f"token {token}"} if token else {}
    request = urllib.request.Request(url, headers=headers)
    while True:
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            error.close()
            return error.code, None
        except urllib.error.URLError as error:
            if not isinstance(error.reason, ConnectionRefusedError):
                raise
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_make_lab_serves_the_workbench_kernel_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    command = [*lab_command(), f"--ServerApp.port={port}", "--ServerApp.port_retries=0"]
    # Jupyter's own files (runtime, config, workspaces) in the test's folder, not the user's
    jupyter = {
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
        "IPYTHONDIR": str(tmp_path / "ipython"),
    }
    # a terminal, as a person's: Jupyter takes Ctrl-C as a shutdown only from one (without one
    # it is a bare KeyboardInterrupt, which can hang a loaded server's exit)
    terminal, its_end = pty.openpty()
    lab = subprocess.Popen(
        command,
        cwd=REPO,
        env={**os.environ, **jupyter},
        stdin=its_end,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    os.close(its_end)
    lines: queue.Queue[str] = queue.Queue()
    assert lab.stderr is not None
    reader = threading.Thread(target=lambda: [lines.put(x) for x in lab.stderr], daemon=True)
    reader.start()
    pattern = re.compile(rf"http://127\.0\.0\.1:{port}/lab\?token=(\w+)")
    try:
        token, seen, deadline = None, [], time.monotonic() + STARTUP_S
        while token is None and lab.poll() is None and time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            seen.append(line)
            if found := pattern.search(line):
                token = found.group(1)
        assert token, "no URL line:\n" + "".join(seen)

        base = f"http://127.0.0.1:{port}/api"
        status, body = get(f"{base}/status", token, deadline=time.monotonic() + 30)
        assert status == 200 and isinstance(body, dict) and "started" in body
        assert get(f"{base}/status", None)[0] == 403  # the token is required
        status, specs = get(f"{base}/kernelspecs", token)
        assert status == 200 and isinstance(specs, dict)
        assert specs["default"] == "workbench"
        assert "workbench" in specs["kernelspecs"]

        lab.send_signal(signal.SIGINT)  # once: make lab answers its "shut down?" with yes
        assert lab.wait(timeout=60) == 0
        reader.join(timeout=10)  # its last lines
        assert any("Shutting down" in line for line in list(lines.queue)), "".join(seen)
    finally:
        if lab.poll() is None:
            lab.kill()
            lab.wait()
        lab.stderr.close()
        os.close(terminal)
