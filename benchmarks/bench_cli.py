"""Figures for the CLI as a person meets it: each command a whole process, wall time and memory.

Run: ``.venv/bin/python benchmarks/bench_cli.py [--repeat N] [--only TEXT] [--home DIR]``.
A plain script that prints figures (not part of the test suite). Budgets (DESIGN.md and
issue 12): ``workbench --help`` under 0.25 s; a simple read under 1 s and 256 MB; an order on
the paper broker under 1.5 s; one backtest under 5 s; the 6,000-portfolio grid command under
15 s, start-up included. The last lines set the system's requirements (docs/requirements.md:
start-up under 5 s, simple commands under 2 s, complex analysis under 10 s, memory under 512 MB)
beside these stricter budgets.

The home is fresh (a temporary ``WB_HOME``, every other ``WB_`` variable cleared: the embedded
default) with the bundled sample loaded by ``workbench data load-sample`` and one paper order
placed, so that ``trade account`` and ``trade positions`` have something to read. Each command
runs once untimed (warm-up: the OS file cache, numba's cache, the paper book's first save),
then ``--repeat`` times; the figures are the median wall time (and the fastest), the median CPU
time of the process (user + system: on a shared machine, the figure that moves least with the
load) and its median peak resident memory (``ru_maxrss`` and ``ru_*time`` from ``wait4``). The
load average before and after is printed beside the figures. The numba cache is
``NUMBA_CACHE_DIR`` (default ``~/.cache/workbench/numba``, as the Makefile sets).
``PYTHONDONTWRITEBYTECODE`` is dropped from the environment so that the warm-up leaves compiled
bytecode (``__pycache__``) behind, as any installed Python does: with it set, each run compiles
every module it imports again and the figures measure the compiler, not the command.

The grid is the one of ``bench_backtest.py``: ``sma_crossover`` with fast 5..50 step 5 x slow
60..240 step 20 (100 pairs) on each of the 60 stocks as its own portfolio, 2013-02-08 onwards,
10 bp fees and 5 bp slippage, not saved.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from _figures import record

WORKBENCH = str(Path(sys.executable).with_name("workbench"))
INDICES = ("SPY", "^GSPC", "^IXIC")
#: a GTC limit order that rests on the book: repeatable, where a market order moves the paper
#: clock to the next print and after a few the replay runs past the bundled data (market closed)
ORDER = ("trade", "submit", "AAPL", "--side", "buy", "--qty", "1", "--type", "limit")
ORDER += ("--limit-price", "130", "--tif", "gtc")


@dataclass(frozen=True)
class Case:
    label: str
    args: tuple[str, ...]
    budget_s: float
    budget_mb: float | None = None
    #: which figure of the requirements the command counts towards: startup, simple, backtest
    kind: str = ""


def cases(stocks: list[str]) -> list[Case]:
    read = 1.0, 256.0
    grid = (
        "strategy",
        "optimize",
        "sma_crossover",
        "--symbols",
        ",".join(stocks),
        "--grid",
        "fast=5:50:5,slow=60:240:20",
        "--separate",
        "--start",
        "2013-02-08",
        "--fees",
        "0.001",
        "--slippage",
        "0.0005",
        "--no-save",
        "--json",
    )
    return [
        Case("workbench --help", ("--help",), 0.25, kind="startup"),
        Case("trade account", ("trade", "account"), *read, kind="simple"),
        Case("trade positions", ("trade", "positions"), *read, kind="simple"),
        Case("analyze performance AAPL", ("analyze", "performance", "AAPL"), *read, kind="simple"),
        Case("monitor health", ("monitor", "health"), *read, kind="simple"),
        Case("data list", ("data", "list"), *read, kind="simple"),
        Case("data show AAPL --tail 5", ("data", "show", "AAPL", "--tail", "5"), *read, "simple"),
        Case("trade submit (paper)", ORDER, 1.5),
        Case(
            "strategy backtest (2 symbols)",
            (
                "strategy",
                "backtest",
                "sma_crossover",
                "--symbols",
                "AAPL,MSFT",
                "--params",
                "fast=10,slow=50",
            ),
            5.0,
            kind="backtest",
        ),
        Case(f"strategy optimize ({len(stocks)} x 100 grid)", grid, 15.0),
    ]


#: each measured command's (median wall seconds, median peak MB), for the requirements' lines
MEASURED: dict[str, tuple[float, float]] = {}


def run_once(args: tuple[str, ...], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak resident MB of one ``workbench``
    process."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [WORKBENCH, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    error = process.stderr.read().decode() if process.stderr else ""
    if process.returncode != 0:
        raise SystemExit(f"workbench {' '.join(args)} failed ({process.returncode}):\n{error}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # Linux: kilobytes


def prepare(home: Path, env: dict[str, str]) -> list[str]:
    """Load the sample and place one paper order, unless the home has them; the stocks."""
    if not (home / "lake").is_dir():
        run_once(("data", "load-sample"), env)
    if not (home / "paper").is_dir():
        run_once(("trade", "submit", "AAPL", "--side", "buy", "--qty", "5"), env)
    listed = subprocess.run(
        [WORKBENCH, "data", "list", "--json"], env=env, capture_output=True, text=True, check=True
    ).stdout
    symbols = sorted({r["symbol"] for r in json.loads(listed) if r["dataset"] == "bars_1d"})
    return [s for s in symbols if s not in INDICES]


def measure(case: Case, env: dict[str, str], repeat: int, worst: dict[str, float]) -> str:
    """One row; ``worst`` keeps the slowest wall time and largest memory of each kind."""
    run_once(case.args, env)  # warm-up
    walls, cpus, peaks = zip(*(run_once(case.args, env) for _ in range(repeat)), strict=True)
    wall, cpu, peak = statistics.median(walls), statistics.median(cpus), statistics.median(peaks)
    worst["every.peak_mb"] = max(peak, worst.get("every.peak_mb", 0.0))
    if case.kind:
        worst[f"{case.kind}.wall_s"] = max(wall, worst.get(f"{case.kind}.wall_s", 0.0))
        worst[f"{case.kind}.peak_mb"] = max(peak, worst.get(f"{case.kind}.peak_mb", 0.0))
    MEASURED[case.label] = wall, peak
    over = wall > case.budget_s or (case.budget_mb is not None and peak > case.budget_mb)
    budget = f"{case.budget_s:g} s" + (f", {case.budget_mb:g} MB" if case.budget_mb else "")
    return (
        f"{case.label:<34} {wall:7.2f} s {min(walls):7.2f} s {cpu:7.2f} s {peak:7.0f} MB   "
        f"[budget {budget}]{'  OVER' if over else ''}"
    )


def _record(worst: dict[str, float]) -> None:
    """The figures the requirements read (each only when its commands ran)."""
    absent = float("nan")  # not recorded
    record("cli.startup.wall_s", worst.get("startup.wall_s", absent), "s")
    record("cli.simple.wall_s", worst.get("simple.wall_s", absent), "s")
    record("cli.simple.peak_mb", worst.get("simple.peak_mb", absent), "MB")
    record("cli.peak_mb", worst.get("every.peak_mb", absent), "MB")
    record("cli.backtest.wall_s", worst.get("backtest.wall_s", absent), "s")


def print_requirements() -> None:
    """The system's requirements (docs/requirements.md) beside DESIGN.md's stricter budgets."""
    simple = {
        k: v for k, v in MEASURED.items() if k.split()[0] in {"trade", "analyze", "monitor", "data"}
    }
    complex_ = {k: v for k, v in MEASURED.items() if k.startswith("strategy backtest")}
    lines: list[tuple[str, float, str, float, float | None]] = []
    if "workbench --help" in MEASURED:
        lines.append(("start-up (workbench --help)", MEASURED["workbench --help"][0], "s", 5, 0.3))
    if simple:
        name, (wall, _) = max(simple.items(), key=lambda item: item[1][0])
        lines.append((f"simple command, slowest ({name})", wall, "s", 2, 1))
    if complex_:
        name, (wall, _) = max(complex_.items(), key=lambda item: item[1][0])
        lines.append((f"complex analysis ({name})", wall, "s", 10, 5))
    # the system's 512 MB holds for every command, the grid included; DESIGN.md's 256 MB for a
    # simple read only
    if MEASURED:
        name, (_, peak) = max(MEASURED.items(), key=lambda item: item[1][1])
        lines.append((f"memory, largest of all ({name})", peak, "MB", 512, None))
    if simple:
        name, (_, peak) = max(simple.items(), key=lambda item: item[1][1])
        lines.append((f"memory, largest simple read ({name})", peak, "MB", 512, 256))
    print("requirements (system | DESIGN.md), measured:")
    for label, value, unit, required, designed in lines:
        verdict = "within" if value < required else "OVER"
        design = (
            "none"
            if designed is None
            else f"< {designed:g} {unit}: {'within' if value < designed else 'OVER'}"
        )
        print(f"  {label:<52} {value:8.2f} {unit}  [< {required:g} {unit}: {verdict} | {design}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per command")
    parser.add_argument("--only", help="run only the commands whose label contains this")
    parser.add_argument("--home", help="a WB_HOME to use (and prepare) instead of a fresh one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as folder:
        home = Path(args.home or folder)
        env = {k: v for k, v in os.environ.items() if not k.startswith("WB_")}
        # a user's installed Python keeps compiled bytecode; without it every run compiles the
        # sources of every module it imports again (about 2 s more per command)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["WB_HOME"] = str(home)
        env.setdefault("NUMBA_CACHE_DIR", str(Path.home() / ".cache" / "workbench" / "numba"))
        started = time.perf_counter()
        stocks = prepare(home, env)
        print(f"home {home} ready in {time.perf_counter() - started:.1f} s")
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"{'command':<34} {'median':>9} {'fastest':>9} {'CPU':>9} {'peak RSS':>10}")
        worst: dict[str, float] = {}
        for case in cases(stocks):
            if args.only and args.only not in case.label:
                continue
            print(measure(case, env, args.repeat, worst), flush=True)
        _record(worst)
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print_requirements()


if __name__ == "__main__":
    main()
