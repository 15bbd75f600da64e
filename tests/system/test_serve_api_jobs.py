"""A job survives a restart of ``workbench serve api``: a real server on a free port with its
own local Dask cluster, a grid running when SIGTERM stops it, a new server that reads the job as
``interrupted``, resubmits it with one call and finishes it; a result finished before the
restart is still there after it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from workbench.ops import keys, users
from workbench.runtime import Runtime

pytestmark = [pytest.mark.system, pytest.mark.slow, pytest.mark.requirement("INT-04")]

WORKBENCH = str(Path(sys.executable).with_name("workbench"))
BACKTEST = {"strategy": "sma_crossover", "symbols": ["AAPL"], "params": {"fast": 10, "slow": 40}}
# big enough to be running when the server stops, small enough to finish in seconds
GRID = {
    "strategy": "sma_crossover",
    "symbols": ["AAPL", "MSFT", "JPM", "XOM", "PFE", "KO"],
    "grid": {"fast": "2:12:1", "slow": "61:130:1"},
    "separate": True,
    "objective": "total_return",
}


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(port: int) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [WORKBENCH, "serve", "api", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError(f"the API never answered: {process.communicate()[1][-2000:]}")


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err[-2000:]
    return err


def _wait(api: httpx.Client, job_id: int, until: set[str], seconds: float = 240) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    job: dict[str, Any] = {}
    while time.monotonic() < deadline:
        job = api.get(f"/api/v1/jobs/{job_id}").json()
        if job["state"] in until:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} never reached {until}: {job}")


def test_a_job_survives_a_restart_and_resubmits_in_one_call(home: Path) -> None:
    with Runtime.from_settings() as rt:
        users.add(rt, "quant", "a long enough password 1", role="analyst", actor="test")
        key = keys.create(rt, username="quant", actor="test").key
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {key}"}

    server = _serve(port)
    try:
        with httpx.Client(base_url=url, headers=headers, timeout=60) as api:
            quick = api.post("/api/v1/backtests", json=BACKTEST).json()
            finished = _wait(api, quick["id"], {"succeeded", "failed"})
            assert finished["state"] == "succeeded", finished["error"]
            kept = api.get(f"/api/v1/jobs/{quick['id']}/result").json()

            grid = api.post("/api/v1/optimizations", json=GRID)
            assert grid.status_code == 202, grid.text
            grid_id = grid.json()["id"]
            running = _wait(api, grid_id, {"running", "succeeded", "failed"})
            assert running["state"] == "running", running
    finally:
        err = _stop(server)
    assert "Traceback" not in err

    server = _serve(port)
    try:
        with httpx.Client(base_url=url, headers=headers, timeout=60) as api:
            stopped = api.get(f"/api/v1/jobs/{grid_id}").json()
            assert stopped["state"] == "interrupted" and "resubmit" in stopped["error"]
            assert api.get(f"/api/v1/jobs/{quick['id']}/result").json() == kept
            assert api.get(f"/api/v1/jobs/{grid_id}/result").status_code == 404

            again = api.post(f"/api/v1/jobs/{grid_id}/resubmit")
            assert again.status_code == 202, again.text
            assert again.json()["state"] == "queued" and again.json()["attempts"] == 2
            done = _wait(api, grid_id, {"succeeded", "failed"})
            assert done["state"] == "succeeded", done["error"]
            result = api.get(f"/api/v1/jobs/{grid_id}/result").json()
            assert result["result"]["combinations"] == 11 * 70
            assert result["result"]["portfolios"] == 11 * 70 * 6
    finally:
        _stop(server)


def test_a_running_server_interrupts_the_jobs_of_a_host_that_is_gone(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two pods share a ledger; pod B dies and never comes back under its name. A serving API
    renews nothing of B's, so within B's lease its running job turns ``interrupted`` (and can be
    resubmitted), while a job whose pod keeps renewing its lease stays ``running``."""
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from workbench.ledger import JobRow

    monkeypatch.setenv("WB_JOBS__HEARTBEAT_SECONDS", "0.3")
    monkeypatch.setenv("WB_JOBS__LEASE_SECONDS", "1.5")
    with Runtime.from_settings() as rt:
        users.add(rt, "ops", "a long enough password 1", role="admin", actor="test")
        key = keys.create(rt, username="ops", actor="test").key
        with rt.ledger.session() as session:
            for pod in ("pod-a", "pod-b"):
                row = JobRow(
                    kind="backtest",
                    owner="ops",
                    parameters=BACKTEST,
                    state="running",
                    progress=0.5,
                    attempts=1,
                    runner=f"{pod}:1:cafe",
                    updated_at=datetime.now(UTC),
                )
                session.add(row)
        stopped, b_died = threading.Event(), threading.Event()

        def pods_renew() -> None:  # as their servers would; B only until it dies
            while not stopped.wait(0.2):
                ids = [1] if b_died.is_set() else [1, 2]
                with rt.ledger.session() as session:
                    session.execute(
                        sa.update(JobRow)
                        .where(JobRow.id.in_(ids))
                        .values(updated_at=datetime.now(UTC))
                    )

        renewing = threading.Thread(target=pods_renew, daemon=True)
        renewing.start()
        port = _free_port()
        server = _serve(port)
        b_died.set()  # after start-up: the serving process's heartbeat, not its start, finds it
        try:
            with httpx.Client(
                base_url=f"http://127.0.0.1:{port}",
                headers={"Authorization": f"Bearer {key}"},
                timeout=60,
            ) as api:
                deadline = time.monotonic() + 60
                while api.get("/api/v1/jobs/2").json()["state"] == "running":
                    assert time.monotonic() < deadline, "pod B's job was never interrupted"
                    time.sleep(0.2)
                gone = api.get("/api/v1/jobs/2").json()
                assert gone["state"] == "interrupted" and "resubmit" in gone["error"]
                time.sleep(2)  # more than a lease: pod A's renewals keep its job
                assert api.get("/api/v1/jobs/1").json()["state"] == "running"
        finally:
            stopped.set()
            renewing.join()
            err = _stop(server)
    assert "jobs whose process is gone, now interrupted: 2" in err
