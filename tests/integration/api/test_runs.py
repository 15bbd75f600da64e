"""Stored strategy results and trading runs: lists a page at a time, one run, a backtest's
trades and orders, a paper run's summary and its parity with the backtest."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from workbench.model import to_plain
from workbench.ops import strategy, trade_runs
from workbench.ops.parity import parity
from workbench.ops.run_summary import run_summary
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("INT-03")


def test_empty_lists_unknown_runs_and_bounds(client: TestClient) -> None:
    assert client.get("/api/v1/runs").json() == []
    assert client.get("/api/v1/strategies/runs").json() == []
    for path in (
        "/api/v1/runs/7",
        "/api/v1/runs/7/parity",
        "/api/v1/strategies/runs/7",
        "/api/v1/strategies/runs/7/trades",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"
    for path, params in (
        ("/api/v1/runs", {"limit": 201}),
        ("/api/v1/runs", {"offset": -1}),
        ("/api/v1/runs", {"kind": "backtest"}),
        ("/api/v1/strategies/runs", {"kind": "paper"}),
        ("/api/v1/strategies/runs/1/fills", {}),
        ("/api/v1/strategies/runs/1/trades", {"limit": 1001}),
        ("/api/v1/runs/0", {}),
        ("/api/v1/runs/abc/parity", {}),
    ):
        assert client.get(path, params=params).status_code == 422, (path, params)


@pytest.mark.slow  # the backtest and the parity report load vectorbt (seconds on first use)
def test_results_and_runs_equal_ops(client: TestClient, runtime: Runtime) -> None:
    paper = trade_runs.paper_run(
        runtime, "sma_crossover", ["AAPL", "MSFT"], start=date(2017, 10, 2), end=date(2017, 11, 3)
    )
    tested = [
        strategy.backtest(runtime, "sma_crossover", ["AAPL", "MSFT"], start=date(2016, 1, 1))
        for _ in range(2)
    ]

    results = client.get("/api/v1/strategies/runs").json()
    assert [r["run_id"] for r in results] == [t.run_id for t in reversed(tested)]
    assert results[0]["kind"] == "backtest" and results[0]["status"] == "succeeded"
    page = client.get("/api/v1/strategies/runs", params={"limit": 1, "offset": 1}).json()
    assert [r["run_id"] for r in page] == [tested[0].run_id]
    one = client.get(f"/api/v1/strategies/runs/{tested[0].run_id}").json()
    assert one == to_plain(strategy.results(runtime, tested[0].run_id or 0).to_dict())
    whole = strategy.run_records(runtime, tested[0].run_id or 0, "trades", limit=1000)
    assert whole["total"] > 4
    pages = [
        client.get(
            f"/api/v1/strategies/runs/{tested[0].run_id}/trades",
            params={"limit": 3, "offset": offset},
        ).json()
        for offset in (0, 3)
    ]
    assert pages[0]["rows"] + pages[1]["rows"] == to_plain(whole["rows"][:6])
    assert pages[1]["offset"] == 3 and pages[1]["more"] == whole["total"] - 6
    orders = client.get(f"/api/v1/strategies/runs/{tested[0].run_id}/orders").json()
    assert orders["table"] == "orders" and orders["total"] > 0

    trading = client.get("/api/v1/runs").json()
    assert [(r["run_id"], r["kind"]) for r in trading] == [(paper.run_id, "paper")]
    assert client.get("/api/v1/runs", params={"kind": "live"}).json() == []
    summary = client.get(f"/api/v1/runs/{paper.run_id}").json()
    assert summary == to_plain(run_summary(runtime, paper.run_id).to_dict())
    assert client.get(f"/api/v1/runs/{tested[0].run_id}").status_code == 404  # not a trading run
    compared = client.get(f"/api/v1/runs/{paper.run_id}/parity")
    assert compared.status_code == 200, compared.text
    assert compared.json() == to_plain(parity(runtime, paper.run_id).to_dict())
