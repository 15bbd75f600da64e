"""``workbench serve api`` as a user runs it: a real process on a free port, driven by httpx."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = [
    pytest.mark.system,
    pytest.mark.requirement("INT-03", "PRF-01", "PRF-02", "PRF-03", "PRF-11"),
]

WORKBENCH = str(Path(sys.executable).with_name("workbench"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(*args: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [WORKBENCH, "serve", "api", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    return process, line


def _stop(process: subprocess.Popen[str], stop: signal.Signals) -> str:
    """Stop the server with ``stop``; what it wrote to stderr."""
    process.send_signal(stop)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert out.strip().endswith("workbench api stopped")
    return err


def _wait_ready(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("the API never answered /healthz")


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_serve_says_where_answers_and_stops_cleanly(home: Path, stop: signal.Signals) -> None:
    port = _free_port()
    process, line = _start("--port", str(port))
    try:
        url = f"http://127.0.0.1:{port}"
        assert line == f"workbench api listening on {url} (docs at /docs)"
        _wait_ready(url)
        ready = httpx.get(f"{url}/readyz").json()
        assert ready["ready"] is True
        assert "workbench_api_requests_total" in httpx.get(f"{url}/metrics").text
        assert httpx.get(f"{url}/api/v1/account").status_code == 401
        taken = subprocess.run(
            [WORKBENCH, "serve", "api", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert taken.returncode == 1
        assert taken.stderr.strip().count("\n") == 0
        assert f"port {port} on 127.0.0.1 is already in use" in taken.stderr
    finally:
        _stop(process, stop)


def test_readyz_says_the_lake_is_missing(wb_home: Path) -> None:
    port = _free_port()
    process, _ = _start("--port", str(port))
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_ready(url)
        checks = {c["name"]: c for c in httpx.get(f"{url}/readyz").json()["checks"]}
        assert checks["lake"]["status"] == "warn"
        assert "no lake at" in checks["lake"]["detail"]
    finally:
        _stop(process, signal.SIGTERM)


def test_beyond_loopback_without_tls_is_refused_in_one_line(wb_home: Path) -> None:
    result = subprocess.run(
        [WORKBENCH, "serve", "api", "--host", "0.0.0.0", "--port", str(_free_port())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: --host 0.0.0.0 would serve the API beyond")
    assert result.stderr.strip().count("\n") == 0


def test_help_names_the_options() -> None:
    result = subprocess.run(
        [WORKBENCH, "serve", "api", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    for option in ("--port", "--workers", "--ssl-certfile", "--behind-proxy"):
        assert option in result.stdout


def test_two_workers_serve_one_port_and_stop_on_sigterm(home: Path) -> None:
    port = _free_port()
    process, line = _start("--port", str(port), "--workers", "2")
    try:
        assert line.startswith(f"workbench api listening on http://127.0.0.1:{port}")
        _wait_ready(f"http://127.0.0.1:{port}")
    finally:
        err = _stop(process, signal.SIGTERM)
    # the workers share no events without Redis: the operator is told at start-up, once
    assert err.count("warning: 2 workers without WB_REDIS_URL") == 1


def test_workers_sharing_redis_start_without_a_warning(
    home: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WB_REDIS_URL", redis_url)
    monkeypatch.setenv("WB_REDIS_PREFIX", f"wbtest-{os.getpid()}-workers")
    port = _free_port()
    process, _ = _start("--port", str(port), "--workers", "2")
    try:
        _wait_ready(f"http://127.0.0.1:{port}")
    finally:
        err = _stop(process, signal.SIGTERM)
    assert "warning:" not in err


PASSWORD = "a long enough password 1"
DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def _python_example() -> str:
    text = DOC.read_text()
    block = text.split("<!-- python-example:start -->", 1)[1].split("<!-- python-example:end -->")[
        0
    ]
    return block.strip().removeprefix("```python").removesuffix("```")


def test_an_order_from_login_to_the_audit_chain(home: Path) -> None:
    """login -> preview -> submit -> filled on the paper book -> in /orders and in the audit
    chain with the API's actor; then the Python example of docs/api.md, run as written."""
    from workbench.ops import users
    from workbench.runtime import Runtime

    with Runtime.from_settings() as rt:
        users.add(rt, "alice", PASSWORD, role="admin", actor="test")
    port = _free_port()
    process, _ = _start("--port", str(port))
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_ready(url)
        with httpx.Client(base_url=f"{url}/api/v1", timeout=30) as api:
            login = api.post("/auth/login", json={"username": "alice", "password": PASSWORD})
            assert login.status_code == 200, login.text
            api.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
            order = {"symbol": "MSFT", "side": "buy", "qty": "3"}
            assert api.post("/orders/preview", json=order).json()["approved"] is True
            placed = api.post("/orders", json={**order, "client_order_id": "system-1"})
            assert placed.status_code == 201, placed.text
            assert placed.json()["order"]["status"] == "filled"
            listed = api.get("/orders").json()
            assert [(o["client_order_id"], o["status"]) for o in listed] == [("system-1", "filled")]
            assert api.get("/positions").json()[0]["qty"] == "3"
            chain = api.get("/audit/records", params={"kind": "order.intent"}).json()["records"]
            assert [(r["actor"], r["payload"]["client_order_id"]) for r in chain] == [
                ("api:alice", "system-1")
            ]
            assert api.get("/audit/verify").json()["ok"] is True

        env = {**os.environ, "WB_API_URL": url, "WB_API_PASSWORD": PASSWORD}
        example = subprocess.run(
            [sys.executable, "-c", _python_example()],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        assert example.returncode == 0, example.stderr
        lines = example.stdout.splitlines()
        assert lines[0].startswith("approved: True checks: ")
        assert lines[1:] == ["order: 201 filled", "again: 200 True", "me: alice"]
    finally:
        _stop(process, signal.SIGTERM)
