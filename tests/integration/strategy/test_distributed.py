"""The same sweep on a Dask LocalCluster (two workers, threads) and in this process."""

from __future__ import annotations

import pytest

from workbench.strategy import (
    BacktestConfig,
    Bars,
    DaskExecutor,
    LocalExecutor,
    grid_search,
    make_executor,
    walk_forward,
)

pytestmark = pytest.mark.requirement("STR-05")

GRID = {"fast": "5:20:5", "slow": "30:60:10"}
CONFIG = BacktestConfig(benchmark=None, fees=0.001)


@pytest.mark.slow
def test_dask_and_local_give_identical_results(bars: Bars) -> None:
    local = grid_search("sma_crossover", bars, GRID, CONFIG, memory_mb=1)
    heard: list[int] = []
    with DaskExecutor(n_workers=2, processes=False) as executor:
        remote = grid_search(
            "sma_crossover",
            bars,
            GRID,
            CONFIG,
            memory_mb=1,
            executor=executor,
            progress=lambda done, total, _: heard.append(done),
        )
        assert executor.client.status == "running"
        forward = walk_forward(
            "sma_crossover", bars, GRID, CONFIG, train=378, test=189, executor=executor
        )
    assert remote.chunks == local.chunks > 1
    assert sorted(heard) == list(range(1, remote.chunks + 1))
    assert remote.table.equals(local.table)
    assert remote.returns.equals(local.returns)
    assert forward.equity.equals(
        walk_forward("sma_crossover", bars, GRID, CONFIG, train=378, test=189).equity
    )


def test_make_executor() -> None:
    assert isinstance(make_executor(), LocalExecutor)
    assert isinstance(make_executor(workers=1), LocalExecutor)
    assert make_executor(workers=2).n_workers == 2  # type: ignore[attr-defined]
    remote = make_executor(scheduler="tcp://127.0.0.1:1")
    assert isinstance(remote, DaskExecutor)
    assert remote.address == "tcp://127.0.0.1:1"
