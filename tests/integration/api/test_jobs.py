"""Jobs through the API in process: queued on a real Dask cluster (one worker process, shared
by the module's tests), polled to their end, their results the numbers the engine gives when
called directly; bad parameters refused before anything is queued; cancel and resubmit."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.integration.api.conftest import key_for
from workbench.core.topics import JOB
from workbench.ledger import JobRow
from workbench.model import Role
from workbench.ops import jobs, strategy
from workbench.ops.auth import Principal
from workbench.ops.jobs import _store as jobs_store
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("INT-04")

BACKTEST = {
    "strategy": "sma_crossover",
    "symbols": ["AAPL", "MSFT"],
    "params": {"fast": 10, "slow": 40},
    "start": "2015-01-01",
    "end": "2016-12-31",
}
GRID = {
    "strategy": "sma_crossover",
    "symbols": ["AAPL"],
    "grid": {"fast": "5:30:1", "slow": "40:120:2"},
    "start": "2014-01-01",
    "end": "2017-12-31",
}


@pytest.fixture(scope="module")
def dask_scheduler() -> Iterator[str]:
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        yield cluster.scheduler_address


@pytest.fixture
def runtime(
    sample_home: Path, dask_scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Runtime]:
    monkeypatch.setenv("WB_JOBS__SCHEDULER", dask_scheduler)
    rt = Runtime.from_settings()
    yield rt
    rt.close()


def _wait(
    client: TestClient, job_id: int, *, until: set[str], seconds: float = 180
) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/api/v1/jobs/{job_id}").json()
        if job["state"] in until:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} never reached {until}: {job}")


def test_a_backtest_job_gives_the_numbers_of_a_direct_backtest(
    client: TestClient, runtime: Runtime
) -> None:
    heard: list[dict[str, Any]] = []
    runtime.bus.subscribe(JOB, lambda _topic, payload: heard.append(payload))
    queued = client.post("/api/v1/backtests", json=BACKTEST)
    assert queued.status_code == 202, queued.text
    job = queued.json()
    assert queued.headers["Location"] == f"/api/v1/jobs/{job['id']}"
    assert job["state"] == "queued" and job["kind"] == "backtest" and job["owner"] == "analyst-user"

    done = _wait(client, job["id"], until={"succeeded", "failed"})
    assert done["state"] == "succeeded", done["error"]
    assert done["progress"] == 1.0 and done["error"] is None and done["finished_at"]
    answer = client.get(f"/api/v1/jobs/{job['id']}/result").json()
    assert answer["result_kind"] == "run" and answer["result_id"] == done["result_id"]

    direct = strategy.backtest(
        runtime,
        "sma_crossover",
        ["AAPL", "MSFT"],
        params={"fast": 10, "slow": 40},
        start=date(2015, 1, 1),
        end=date(2016, 12, 31),
        save=False,
    ).to_dict()
    assert answer["result"]["final_equity"] == pytest.approx(direct["final_equity"], rel=1e-12)
    assert answer["result"]["orders"] == direct["orders"]
    assert strategy.results(runtime, done["result_id"]).final_equity == pytest.approx(
        direct["final_equity"], rel=1e-12
    )
    states = [
        (event["previous"], event["state"]) for event in heard if event["job_id"] == job["id"]
    ]
    assert states[0] == ("queued", "queued") and states[-1] == ("running", "succeeded")
    workers = {c["name"]: c for c in client.get("/readyz").json()["checks"]}["job_workers"]
    assert workers["status"] == "ok" and "1 worker(s)" in workers["detail"]


def test_bad_parameters_are_422_naming_the_field_and_queue_nothing(client: TestClient) -> None:
    for body, field in [
        ({**BACKTEST, "params": {"fast": 50, "slow": 40}}, "params"),
        ({**BACKTEST, "strategy": "no_such_strategy"}, "strategy"),
        ({**BACKTEST, "symbols": ["AAPL", "NOPE!"]}, "symbols"),
        ({**BACKTEST, "config": {"fees": 3}}, "config"),
    ]:
        refused = client.post("/api/v1/backtests", json=body)
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"].startswith(f"{field}: ")
    unknown = client.post("/api/v1/backtests", json={**BACKTEST, "leverage": 3})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "body.leverage"
    no_grid = client.post("/api/v1/optimizations", json={**GRID, "grid": {}})
    assert no_grid.status_code == 422
    assert client.post("/api/v1/reports", json={"kind": "gossip"}).status_code == 422
    assert client.get("/api/v1/jobs").json() == []


def test_a_canceled_job_stays_canceled_and_resubmits_to_its_end(
    client: TestClient, runtime: Runtime
) -> None:
    job = client.post("/api/v1/optimizations", json=GRID).json()
    canceled = client.post(f"/api/v1/jobs/{job['id']}/cancel")
    assert canceled.status_code == 200, canceled.text
    assert canceled.json()["state"] == "canceled"
    assert client.post(f"/api/v1/jobs/{job['id']}/cancel").status_code == 422
    missing = client.get(f"/api/v1/jobs/{job['id']}/result")
    assert missing.status_code == 404 and "canceled" in missing.json()["detail"]

    again = client.post(f"/api/v1/jobs/{job['id']}/resubmit")
    assert again.status_code == 202, again.text
    assert again.json()["attempts"] == 2 and again.json()["state"] == "queued"
    done = _wait(client, job["id"], until={"succeeded", "failed", "canceled"})
    assert done["state"] == "succeeded", done["error"]
    result = client.get(f"/api/v1/jobs/{job['id']}/result").json()["result"]
    assert result["combinations"] == 26 * 41
    assert result["best_params"]["fast"] < result["best_params"]["slow"]
    assert client.post(f"/api/v1/jobs/{job['id']}/resubmit").status_code == 422


def test_jobs_are_their_owners_and_admins(client: TestClient, runtime: Runtime) -> None:
    with runtime.ledger.session() as session:
        session.add(
            JobRow(
                kind="backtest",
                owner="analyst-user",
                parameters=BACKTEST,
                state="failed",
                progress=0.0,
                attempts=1,
                error="boom",
            )
        )
    mine = client.get("/api/v1/jobs").json()
    assert [j["error"] for j in mine] == ["boom"]
    job_id = mine[0]["id"]
    other = {"Authorization": f"Bearer {key_for(runtime, 'trader')}"}
    assert client.get("/api/v1/jobs", headers=other).json() == []
    assert client.get(f"/api/v1/jobs/{job_id}", headers=other).status_code == 404
    assert client.post(f"/api/v1/jobs/{job_id}/resubmit", headers=other).status_code == 404
    admin = {"Authorization": f"Bearer {key_for(runtime, 'admin')}"}
    assert [j["id"] for j in client.get("/api/v1/jobs", headers=admin).json()] == [job_id]
    viewer = {"Authorization": f"Bearer {key_for(runtime, 'viewer')}"}
    assert client.post("/api/v1/backtests", json=BACKTEST, headers=viewer).status_code == 403
    assert client.get("/api/v1/jobs", headers=viewer).json() == []
    assert client.get("/api/v1/jobs?state=lost").status_code == 422
    assert client.get("/api/v1/jobs?limit=201").status_code == 422


def test_start_up_marks_what_a_dead_process_left_interrupted(runtime: Runtime) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    gone = f"{jobs_store.this_host()}:{dead.pid}:0000"
    alive = f"{jobs_store.this_host()}:{os.getppid()}:0000"
    with runtime.ledger.session() as session:
        for runner, state in [
            (gone, "running"),
            (gone, "queued"),
            (alive, "running"),
            (gone, "succeeded"),
        ]:
            session.add(
                JobRow(
                    kind="backtest",
                    owner="x",
                    parameters={},
                    state=state,
                    progress=0.0,
                    attempts=1,
                    runner=runner,
                )
            )
    assert sorted(jobs.recover(runtime)) == [1, 2]
    analyst = Principal(user="x", role=Role.ANALYST, via="key")
    states = [job.state for job in reversed(jobs.jobs(runtime, analyst))]
    assert states == ["interrupted", "interrupted", "running", "succeeded"]
    assert "resubmit" in (jobs.job(runtime, 1, analyst).error or "")


def test_workers_that_cannot_take_a_job_are_503_and_the_job_failed(
    sample_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    from workbench.interfaces.api import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        nobody = f"tcp://127.0.0.1:{probe.getsockname()[1]}"
    monkeypatch.setenv("WB_JOBS__SCHEDULER", nobody)
    rt = Runtime.from_settings()
    with TestClient(create_app(rt), base_url="http://127.0.0.1") as client:
        client.headers["Authorization"] = f"Bearer {key_for(rt, 'analyst')}"
        refused = client.post("/api/v1/backtests", json=BACKTEST)
        assert refused.status_code == 503, refused.text
        assert nobody not in refused.text  # the settings stay in the log
        [failed] = client.get("/api/v1/jobs").json()
        assert failed["state"] == "failed" and "no Dask scheduler answers" in failed["error"]
    schema = create_app(rt).openapi()
    for path in ("/api/v1/backtests", "/api/v1/jobs/{job_id}/resubmit"):
        post = schema["paths"][path]["post"]
        assert {"401", "403", "422", "503"} <= set(post["responses"])
        assert post["security"] == [{"bearer": []}]


def _job_row(runner: str, renewed: datetime | None) -> JobRow:
    return JobRow(
        kind="backtest",
        owner="x",
        parameters={},
        state="running",
        progress=0.0,
        attempts=1,
        runner=runner,
        updated_at=renewed,
    )


def test_a_job_of_another_host_is_interrupted_once_its_lease_runs_out(runtime: Runtime) -> None:
    lease = runtime.settings.jobs.lease_seconds
    now = datetime.now(UTC)
    with runtime.ledger.session() as session:
        session.add(_job_row("pod-a:7:beef", now - timedelta(seconds=lease / 2)))  # renewed
        session.add(_job_row("pod-b:7:beef", now - timedelta(seconds=lease + 5)))  # gone
        session.add(_job_row("pod-c:7:beef", None))  # never renewed
    assert sorted(jobs.recover(runtime)) == [2, 3]
    analyst = Principal(user="x", role=Role.ANALYST, via="key")
    assert jobs.job(runtime, 1, analyst).state == "running"
    assert "resubmit" in (jobs.job(runtime, 2, analyst).error or "")


def test_tending_renews_the_lease_of_this_process_jobs(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = datetime.now(UTC) - timedelta(days=1)
    with runtime.ledger.session() as session:
        session.add(_job_row(runtime.jobs.identity, stale))  # this process runs it
        session.add(_job_row(runtime.jobs.identity, stale))  # its row, but not in its runner
    # which jobs this process's Dask client holds: job 1 only (no cluster is started for it)
    monkeypatch.setattr(runtime.jobs, "running", lambda: [1])
    assert jobs.tend(runtime) == []
    with runtime.ledger.session(read_only=True) as session:
        renewed = dict(session.execute(sa.select(JobRow.id, JobRow.updated_at)).all())
    assert renewed[1] > stale + timedelta(hours=23)
    assert renewed[2] == stale
