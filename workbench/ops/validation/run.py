"""``run_validation``: run the suites and the benchmarks of a scale and write the validation
report (HTML and JSON, through the reporting engine) with the raw results beside it.

The suites run in one pytest process with this package's plugin (``pytest_plugin``), which
writes one JSON line per test; the benchmarks run one process each with ``BENCH_FIGURES``
naming the file their figures go to (``benchmarks/_figures.py``). Both run on the checkout at
``root`` (its ``tests/`` and ``benchmarks/``, its package first on the path). The output folder
is written whole or not at all (``workbench.core.outputs``): the report, ``results.jsonl``,
``figures.jsonl`` and one log per process.
"""

from __future__ import annotations

import os
import subprocess  # nosec B404 # runs this interpreter's pytest and benchmarks, never a shell
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.core.config import load_settings
from workbench.core.errors import ValidationError
from workbench.core.outputs import aimed_target, atomic_folder, store_paths
from workbench.ops.validation.catalogue import requirements
from workbench.ops.validation.environment import environment
from workbench.ops.validation.outcomes import figure_table, read_lines, result_table, trace_table
from workbench.ops.validation.pytest_plugin import RESULTS_ENV
from workbench.ops.validation.trace import scan_tests, trace_problems

__all__ = ["FULL", "QUICK", "Benchmark", "Scale", "ValidationDone", "run_validation"]

FIGURES_ENV = "BENCH_FIGURES"  # benchmarks/_figures.py reads it


@dataclass(frozen=True)
class Benchmark:
    script: str
    arguments: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return Path(self.script).stem


@dataclass(frozen=True)
class Scale:
    """``benchmarks`` None: every ``benchmarks/bench_*.py`` with its defaults; ``workers``:
    pytest-xdist workers (0: one process); ``pytest_options`` go to the suites' pytest."""

    name: str
    suites: tuple[str, ...]
    benchmarks: tuple[Benchmark, ...] | None
    workers: int
    pytest_options: tuple[str, ...] = ()


#: the notebook (nbval) and OpenAPI-fuzzing (schemathesis, hypothesis) plugins: about 4 s of
#: CPU to import in every pytest process, for suites that use neither
LIGHT_PYTEST = ("-p", "no:nbval", "-p", "no:schemathesis", "-p", "no:hypothesispytest")


#: what CI's ``make test`` runs, and every benchmark at its full size (tens of minutes more)
FULL = Scale("full", ("tests",), None, (os.cpu_count() or 1) + 1)
#: a few minutes: the per-requirement system tests and two unit packages, two small benchmarks
QUICK = Scale(
    "quick",
    ("tests/system/test_system_requirements.py", "tests/unit/execution", "tests/unit/reporting"),
    (
        Benchmark("benchmarks/bench_stream.py", ("--quotes", "200000", "--symbols", "50")),
        Benchmark("benchmarks/bench_ledger.py", ("--records", "500", "--repeat", "10")),
    ),
    0,
    LIGHT_PYTEST,
)


@dataclass(frozen=True)
class ValidationDone:
    folder: Path
    html: Path
    json: Path
    verdict: str
    summary: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "html": str(self.html),
            "json": str(self.json),
            "verdict": self.verdict,
            **self.summary,
        }


def run_validation(
    root: Path,
    out: Path,
    *,
    scale: Scale = QUICK,
    suites: Sequence[str] | None = None,
    benchmarks: Sequence[Benchmark] | None = None,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> ValidationDone:
    """Run ``scale`` (its suites and benchmarks unless given) on the checkout at ``root`` and
    write the report into the folder ``out`` (replacing one written before only with
    ``force``); ``progress`` hears of each step as it starts."""
    say = progress or (lambda step: None)
    from workbench.reporting import ValidationInput, render_report, validation_report
    from workbench.reporting.builders.validation import verdict

    root = Path(root).absolute()
    if not (root / "tests").is_dir() or not (root / "benchmarks").is_dir():
        raise ValidationError(
            f"{root} is not the project's checkout (no tests/ and benchmarks/): "
            "run validate from it or pass --root"
        )
    # never inside the workbench's own stores (its lake, ledger, books), as every output
    stores = store_paths(load_settings())
    target = aimed_target(out, stores=stores, folder=True, force=force, make_parents=True)
    chosen = _benchmarks(root, scale, benchmarks)
    env = _environment_for_children(root)
    facts = environment(root)
    with atomic_folder(target, force=force) as folder:
        run_suites = list(suites or scale.suites)
        say(f"running the suites: {' '.join(run_suites)} (log: {target.name}/pytest.log)")
        problems = _run_suites(root, folder, run_suites, scale, env)
        benchmark_rows = []
        for benchmark in chosen:
            say(f"running {benchmark.script} {' '.join(benchmark.arguments)}".rstrip())
            benchmark_rows.append(_run_benchmark(root, folder, benchmark, env))
        say("writing the report")
        catalogue = requirements()
        scan = scan_tests(root / "tests", relative_to=root)
        problems += trace_problems(catalogue, scan)
        results = result_table(read_lines(folder / "results.jsonl"))
        recorded = read_lines(folder / "figures.jsonl")
        data = ValidationInput(
            scale=scale.name,
            trace=trace_table(catalogue, scan.tests, results),
            results=results,
            figures=figure_table(catalogue, recorded),
            recorded=pd.DataFrame(recorded, columns=["benchmark", "name", "value", "unit"]),
            benchmarks=pd.DataFrame(
                benchmark_rows, columns=["benchmark", "arguments", "exit_code", "seconds", "log"]
            ),
            environment=facts,
            problems=problems,
            params={"scale": scale.name, "suites": run_suites},
        )
        report = validation_report(data)
        render_report(report, "html", folder / "validation.html")
        render_report(report, "json", folder / "validation.json")
        summary = {m.key: m.value for _, m in report.metrics()}
    return ValidationDone(
        target, target / "validation.html", target / "validation.json", verdict(data), summary
    )


def _benchmarks(root: Path, scale: Scale, given: Sequence[Benchmark] | None) -> list[Benchmark]:
    if given is not None:
        chosen = list(given)
    elif scale.benchmarks is not None:
        chosen = list(scale.benchmarks)
    else:
        scripts = sorted((root / "benchmarks").glob("bench_*.py"))
        chosen = [Benchmark(p.relative_to(root).as_posix()) for p in scripts]
    for benchmark in chosen:
        if not (root / benchmark.script).is_file():
            raise ValidationError(f"no benchmark {benchmark.script} in {root}")
    return chosen


def _environment_for_children(root: Path) -> dict[str, str]:
    """This checkout's package first on the path (a venv may have installed another checkout
    as editable), and no inherited results or figures file."""
    env = {k: v for k, v in os.environ.items() if k not in (RESULTS_ENV, FIGURES_ENV)}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), env.get("PYTHONPATH")) if p)
    return env


def _run_suites(
    root: Path, folder: Path, suites: list[str], scale: Scale, env: dict[str, str]
) -> list[str]:
    command = [sys.executable, "-m", "pytest", *suites, "-c", str(root / "pyproject.toml")]
    command += ["-p", "workbench.ops.validation.pytest_plugin", "-p", "no:cacheprovider", "-q"]
    command += scale.pytest_options
    if scale.workers:
        command += ["-n", str(scale.workers), "--dist", "worksteal"]
    with open(folder / "pytest.log", "w", encoding="utf-8") as log:
        # this interpreter and the checkout's own test paths, no shell
        done = subprocess.run(  # noqa: S603  # nosec B603 # our own argv, no shell
            command,
            cwd=root,
            env={**env, RESULTS_ENV: str(folder / "results.jsonl")},
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    # 0: all passed, 1: some failed (each in the results); anything else stopped the run
    if done.returncode in (0, 1):
        return []
    if done.returncode == 5:
        return [f"pytest collected no test from {' '.join(suites)}"]
    return [f"pytest exited {done.returncode} (see pytest.log)"]


def _run_benchmark(
    root: Path, folder: Path, benchmark: Benchmark, env: dict[str, str]
) -> dict[str, Any]:
    log = f"{benchmark.name}.log"
    began = time.perf_counter()
    with open(folder / log, "w", encoding="utf-8") as output:
        # this interpreter on a benchmark script of the checkout, no shell
        done = subprocess.run(  # noqa: S603  # nosec B603 # our own argv, no shell
            [sys.executable, str(root / benchmark.script), *benchmark.arguments],
            cwd=root,
            env={**env, FIGURES_ENV: str(folder / "figures.jsonl")},
            stdout=output,
            stderr=subprocess.STDOUT,
            check=False,
        )
    return {
        "benchmark": benchmark.script,
        "arguments": " ".join(benchmark.arguments),
        "exit_code": done.returncode,
        "seconds": round(time.perf_counter() - began, 2),
        "log": log,
    }
