"""Jobs through the API in process: queued on a real Dask cluster (one worker process, shared
by the module's tests), polled to their end, their results the numbers the engine gives when
called directly; bad parameters refused before anything is queued; cancel and resubmit."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.api.conftest import key_for  # noqa: F401
from workbench.core.topics import JOB
from workbench.ops import strategy
from workbench.runtime import Runtime

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
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
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
