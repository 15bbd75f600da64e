"""``workbench validate``: the suites and the benchmarks, and the validation report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from workbench.interfaces.cli._common import JsonOption, console, emit, err_console


def validate(
    quick: Annotated[
        bool,
        typer.Option(help="The reduced scale: a few suites and two small benchmarks (minutes)."),
    ] = False,
    out: Annotated[Path, typer.Option(help="The report's folder.")] = Path("validation"),
    force: Annotated[bool, typer.Option(help="Replace a report folder written before.")] = False,
    root: Annotated[Path, typer.Option(help="The project's checkout.")] = Path("."),
    suite: Annotated[
        list[str] | None,
        typer.Option(
            metavar="PATH", help="A test path to run instead of the scale's suites (repeatable)."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """The suites and the benchmarks, then the validation report (HTML and JSON).

    Runs the test suites and the benchmarks on the checkout at --root (default: here) and
    writes the validation report into --out: validation.html and validation.json (the
    requirements trace with each test's outcome, every result, the measured figures against
    the system's and DESIGN.md's budgets, the environment), with results.jsonl, figures.jsonl
    and a log per process. The full scale is the whole suite and every benchmark at full
    size; --quick a few minutes. Exits 1 when the verdict is failed (docs/validation.md)."""
    from workbench.ops.validation import FULL, QUICK, run_validation

    scale = QUICK if quick else FULL
    done = run_validation(root, out, scale=scale, suites=suite or None, force=force, progress=_step)
    emit(done.to_dict(), as_json, _print)
    if done.verdict != "passed":
        raise typer.Exit(1)


def _step(step: str) -> None:
    err_console.print(step, markup=False, highlight=False)


def _print(data: dict[str, Any]) -> None:
    console.print(
        f"[bold]Validation {data['verdict']}[/]: {data['tests']} tests, {data['passed']} "
        f"passed, {data['failed']} failed, {data['skipped']} skipped",
        highlight=False,
    )
    console.print(
        f"Requirements: {data['proven']} proven, {data['failing']} failing, {data['not_run']} "
        f"not run, {data['untraced']} without a test (of {data['requirements']})",
        highlight=False,
    )
    console.print(
        f"Figures: {data['figures_measured']} measured; system budget {data['within_system']} "
        f"within, {data['over_system']} over; DESIGN budget {data['within_design']} within, "
        f"{data['over_design']} over",
        highlight=False,
    )
    console.print(f"Report: {data['html']}", highlight=False)
