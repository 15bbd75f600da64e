"""Figures for the strategy engine: backtest latency and grid throughput.

Run: ``.venv/bin/python benchmarks/bench_backtest.py [--repeat N] [--parts single,grid,baseline]``.
A plain script that prints figures (not part of the test suite). Budget (DESIGN.md): the grid of
6,000 portfolios (60 symbols x 100 SMA pairs x 5 years daily) warm in under 5 s and 1.5 GB on
2 cores.

What is measured, each part in a fresh process (so each peak memory is its own), on the bundled
real daily bars (60 S&P 500 stocks, 2013-02-08..2018-02-07, 1,259 sessions) loaded into a lake
in a temporary folder:

* ``single``: one backtest of ``sma_crossover`` (10/50) on AAPL, five years, next-open fills,
  10 bp fees and 5 bp slippage: the engine's whole path (signals, order plan, vectorbt, result
  frames and the analysis engine's statistics). p50 and best of ``--repeat`` runs, warm.
* ``grid``: ``grid_search`` of 100 SMA pairs (fast 5..50 step 5 x slow 60..240 step 20) on each
  of the 60 symbols as its own portfolio (6,000 portfolios), the same costs and fills, chunked
  to the default memory budget, every figure of every portfolio. Best wall time of
  ``--repeat`` warm runs, portfolios per second, and the process's peak resident memory.
* ``baseline``: vectorbt alone on the same grid (MA crossovers, ``Portfolio.from_signals`` at
  the close, no costs, total return only), for scale.

"Warm" means numba has compiled: each part runs once untimed first. The numba cache is
``NUMBA_CACHE_DIR`` (default ``~/.cache/workbench/numba``).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _figures import record

FAST = list(range(5, 55, 5))
SLOW = list(range(60, 260, 20))


def _bars(home: Path) -> Any:
    from workbench.data import Lake
    from workbench.data.sample import load_sample
    from workbench.strategy import Bars

    lake = Lake(home / "lake", policy="drop")
    if lake.is_empty():
        load_sample(lake)
    stocks = [s for s in lake.symbols() if s not in ("SPY", "^GSPC", "^IXIC")]
    frame = lake.bars(stocks)
    bars = Bars.from_long(frame[frame["timestamp"] >= "2013-02-08"]).by_session()
    return bars


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def part_single(home: Path, repeat: int) -> dict[str, Any]:
    from workbench.strategy import BacktestConfig, backtest

    bars = _bars(home).select(["AAPL"])
    config = BacktestConfig(fees=0.001, slippage=0.0005, benchmark=None)
    backtest("sma_crossover", bars, {"fast": 10, "slow": 50}, config)  # compile / warm up
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        backtest("sma_crossover", bars, {"fast": 10, "slow": 50}, config)
        timings.append(time.perf_counter() - started)
    return {
        "bars": len(bars),
        "p50_ms": statistics.median(timings) * 1e3,
        "best_ms": min(timings) * 1e3,
        "peak_mb": _peak_mb(),
    }


def part_grid(home: Path, repeat: int) -> dict[str, Any]:
    from workbench.strategy import BacktestConfig, grid_search

    bars = _bars(home)
    config = BacktestConfig(fees=0.001, slippage=0.0005, benchmark=None)
    grid = {"fast": FAST, "slow": SLOW}

    def run() -> Any:
        return grid_search("sma_crossover", bars, grid, config, separate=True)

    run()  # compile / warm up
    timings, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        timings.append(time.perf_counter() - started)
    assert result is not None
    best = min(timings)
    return {
        "symbols": len(bars.symbols),
        "bars": len(bars),
        "portfolios": len(result.table),
        "chunks": result.chunks,
        "wall_s": best,
        "median_s": statistics.median(timings),
        "portfolios_per_s": len(result.table) / best,
        "peak_mb": _peak_mb(),
    }


def part_baseline(home: Path, repeat: int) -> dict[str, Any]:
    import numpy as np

    from workbench.strategy._vbt import vectorbt

    vbt = vectorbt()
    close = _bars(home).close

    def run() -> Any:
        fast = vbt.MA.run(close, FAST, short_name="fast").ma
        slow = vbt.MA.run(close, SLOW, short_name="slow").ma
        entries, exits = [], []
        for f in FAST:
            for s in SLOW:
                above = fast[f].to_numpy() > slow[s].to_numpy()
                before = np.vstack([np.zeros((1, above.shape[1]), bool), above[:-1]])
                entries.append(above & ~before)
                exits.append(~above & before)
        prices = np.tile(close.to_numpy(), (1, len(FAST) * len(SLOW)))
        portfolio = vbt.Portfolio.from_signals(prices, np.hstack(entries), np.hstack(exits))
        return portfolio.total_return()

    run()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return {"portfolios": 6000, "wall_s": min(timings), "peak_mb": _peak_mb()}


PARTS = {"single": part_single, "grid": part_grid, "baseline": part_baseline}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--parts", default="single,grid,baseline")
    parser.add_argument("--part", help=argparse.SUPPRESS)  # one part, in a child process
    parser.add_argument("--home", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.part:
        print(json.dumps(PARTS[args.part](Path(args.home), args.repeat)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-backtest-") as folder:
        started = time.perf_counter()
        _bars(Path(folder))
        print(f"sample loaded into a fresh lake in {time.perf_counter() - started:.1f} s")
        for name in args.parts.split(","):
            command = [
                sys.executable,
                __file__,
                "--part",
                name,
                "--home",
                folder,
                "--repeat",
                str(args.repeat),
            ]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                raise SystemExit(f"part {name} failed")
            _report(name, json.loads(done.stdout.strip().splitlines()[-1]))


def _report(name: str, figures: dict[str, Any]) -> None:
    if name == "single":
        print(
            f"single backtest, 1 symbol x {figures['bars']} daily bars: "
            f"p50 {figures['p50_ms']:.1f} ms, best {figures['best_ms']:.1f} ms "
            f"(process peak {figures['peak_mb']:.0f} MB)"
        )
    elif name == "grid":
        print(
            f"grid {figures['portfolios']:,} portfolios ({figures['symbols']} symbols x 100 SMA "
            f"pairs x {figures['bars']} bars, {figures['chunks']} chunks): "
            f"{figures['wall_s']:.2f} s wall (median {figures['median_s']:.2f} s), "
            f"{figures['portfolios_per_s']:,.0f} portfolios/s, "
            f"peak memory {figures['peak_mb']:.0f} MB  [budget: 5 s, 1,536 MB]"
        )
        record("backtest.grid.seconds", figures["wall_s"], "s", portfolios=figures["portfolios"])
        record("backtest.grid.peak_mb", figures["peak_mb"], "MB")
    else:
        print(
            f"baseline, vectorbt alone (close fills, no costs, total return only): "
            f"{figures['wall_s']:.2f} s, peak memory {figures['peak_mb']:.0f} MB"
        )


if __name__ == "__main__":
    main()
