"""Figures for the market-data lake: ingest throughput and read latency.

Run: ``.venv/bin/python benchmarks/bench_lake.py [--repeat N] [--reads N]``. A plain script that
prints figures (not part of the test suite). Budgets (DESIGN.md): ingest 1M bars/s; a simple read
well inside a CLI's 1 s. The lake's own target: one symbol's five years of daily bars under
5 ms p50.

What is measured, each on a fresh lake in a temporary folder:

* ``ingest daily panel``: the bundled real daily bars (88,213 rows, 63 symbols, ~460 year
  partitions, policy ``drop``) into an empty lake: validation + partition writes.
* ``ingest generated 1m``: 1.2M generated minute bars (``generated_bars``, 4 symbols ``GEN0..3``,
  300,000 consecutive minutes each) into an empty lake: few, large partitions.
* ``re-ingest daily panel``: the same panel again (everything unchanged: validate, read, compare).
* ``bars('AAPL')``: one symbol's five years of daily bars, p50/p99 over ``--reads`` calls.
* ``latest()``: the last bar of each of the 63 daily symbols, p50/p99, on a long-lived Lake (the
  way a kernel, dashboard or API process uses it; unchanged files are not read again) and cold
  (a new Lake per call: every symbol's newest file is opened).

The exchange calendar is loaded once per process (about 0.3-1 s); that one-off cost is timed
and printed separately and excluded from the ingest figures.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from _figures import record

from workbench.data import Lake
from workbench.data import calendar as cal
from workbench.data.sample import read_sample
from workbench.testing import generated_bars


def _fresh_lake(parent: Path, name: str) -> Lake:
    root = parent / name
    shutil.rmtree(root, ignore_errors=True)
    return Lake(root)


def _ingest_rate(
    parent: Path, frame: pd.DataFrame, dataset: str, repeat: int, *, again: bool = False
) -> tuple[float, int]:
    """Best-of-``repeat`` seconds for one ingest of ``frame`` (into an empty lake unless
    ``again``: then into a lake that already holds it), and the partitions written."""
    timings, partitions = [], 0
    for attempt in range(repeat):
        lake = _fresh_lake(parent, f"{dataset}-{attempt}")
        if again:
            lake.ingest(frame, dataset, policy="drop")
        gc.collect()
        started = time.perf_counter()
        report = lake.ingest(frame, dataset, policy="drop")
        timings.append(time.perf_counter() - started)
        partitions = max(partitions, report.partitions_written)
        lake.close()
    return min(timings), partitions


def _latency_ms(call: Callable[[], object], reads: int) -> tuple[float, float]:
    for _ in range(5):  # warm: DuckDB connection, OS page cache
        call()
    samples = []
    for _ in range(reads):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), float(np.percentile(samples, 99))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="ingest runs; the best is shown")
    parser.add_argument("--reads", type=int, default=300, help="calls per read latency figure")
    parser.add_argument("--minute-rows", type=int, default=300_000, help="minutes per symbol")
    args = parser.parse_args()

    started = time.perf_counter()
    cal.calendar("XNYS")
    print(f"one-off XNYS calendar load: {time.perf_counter() - started:.2f} s (excluded below)")

    daily = read_sample("bars_1d")
    minutes = generated_bars(symbols=4, rows=args.minute_rows, freq="1min", start="2020-01-02")
    with tempfile.TemporaryDirectory(prefix="bench-lake-") as folder:
        parent = Path(folder)
        for label, frame, dataset, again in (
            ("ingest daily panel (real, bundled)", daily, "bars_1d", False),
            ("ingest generated 1m (4 symbols)", minutes, "bars_1m", False),
            ("re-ingest daily panel (unchanged)", daily, "bars_1d", True),
        ):
            seconds, partitions = _ingest_rate(parent, frame, dataset, args.repeat, again=again)
            print(
                f"{label:38s} {len(frame):>9,} bars {seconds * 1000:8.1f} ms "
                f"{len(frame) / seconds:>12,.0f} bars/s  ({partitions} partitions written)"
            )
            if dataset == "bars_1m":
                record("lake.ingest.bars_per_s", len(frame) / seconds, "bars/s", rows=len(frame))

        lake = _fresh_lake(parent, "reads")
        lake.ingest(daily, "bars_1d", policy="drop")
        rows = len(lake.bars("AAPL"))
        p50, p99 = _latency_ms(lambda: lake.bars("AAPL"), args.reads)
        print(
            f"{'bars(AAPL), ' + str(rows) + ' daily bars':38s} p50 {p50:6.2f} ms  p99 {p99:6.2f} ms"
        )
        count = len(lake.latest())
        p50, p99 = _latency_ms(lake.latest, args.reads)
        print(f"{'latest(), ' + str(count) + ' symbols':38s} p50 {p50:6.2f} ms  p99 {p99:6.2f} ms")
        p50, p99 = _latency_ms(lambda: Lake(lake.root).latest(), max(20, args.reads // 5))
        print(f"{'latest(), cold (a new Lake per call)':38s} p50 {p50:6.2f} ms  p99 {p99:6.2f} ms")
        lake.close()


if __name__ == "__main__":
    main()
