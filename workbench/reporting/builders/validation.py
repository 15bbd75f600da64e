"""The validation report: the requirements trace with each test's outcome, every test result,
the measured figures against their budgets (the system requirement and DESIGN.md's) and the
environment they were measured on. ``workbench.ops.validation`` gathers the inputs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from workbench.reporting.model import Metric, Report, Section, Table, ValueFormat

__all__ = ["ValidationInput", "validation_report"]

_COUNT: ValueFormat = "integer"


@dataclass(frozen=True)
class ValidationInput:
    """``trace``: id, status, area, traced, run, passed, failed, skipped, requirement, tests.
    ``results``: test, outcome, seconds, requirements, message. ``figures``: requirement,
    figure, measured, unit, system_budget, system, design_budget, design, benchmark.
    ``recorded``: every figure a benchmark recorded. ``benchmarks``: benchmark, arguments,
    exit_code, seconds, log."""

    scale: str
    trace: pd.DataFrame
    results: pd.DataFrame
    figures: pd.DataFrame
    recorded: pd.DataFrame
    benchmarks: pd.DataFrame
    environment: Mapping[str, str]
    problems: Sequence[str] = ()
    params: Mapping[str, Any] = field(default_factory=dict)


def validation_report(data: ValidationInput) -> Report:
    return Report(
        kind="validation",
        title="System validation",
        subtitle=f"{data.scale} scale, commit {data.environment.get('git_commit', 'unknown')}",
        generated_at=datetime.now(UTC),
        sections=(
            _summary(data),
            _trace(data),
            _figures(data),
            _results(data),
            _environment(data),
        ),
        params=dict(data.params),
    )


def verdict(data: ValidationInput) -> str:
    """``passed`` when no test failed, the trace is whole and no measured figure is over its
    system budget (a design budget over is reported, not failed: it is the project's goal)."""
    failed = data.results["outcome"].isin(["failed", "error", "xpassed"]).any()
    over = (data.figures["system"] == "over").any()
    benchmark_failed = (data.benchmarks["exit_code"] != 0).any()
    return "failed" if failed or over or benchmark_failed or data.problems else "passed"


def _summary(data: ValidationInput) -> Section:
    outcomes = data.results["outcome"]
    status = data.trace["status"]
    system, design = data.figures["system"], data.figures["design"]
    metrics = (
        Metric("verdict", "Verdict", verdict(data), "text"),
        Metric("tests", "Tests run", len(data.results), _COUNT),
        Metric("passed", "Passed", int((outcomes == "passed").sum()), _COUNT),
        Metric(
            "failed", "Failed", int(outcomes.isin(["failed", "error", "xpassed"]).sum()), _COUNT
        ),
        Metric("skipped", "Skipped", int(outcomes.isin(["skipped", "xfailed"]).sum()), _COUNT),
        Metric("requirements", "Requirements", len(data.trace), _COUNT),
        Metric("proven", "Proven by passing tests", int((status == "proven").sum()), _COUNT),
        Metric("failing", "With a failing test", int((status == "failing").sum()), _COUNT),
        Metric("not_run", "Not run at this scale", int((status == "not run").sum()), _COUNT),
        Metric("untraced", "Without a test", int((status == "untraced").sum()), _COUNT),
        Metric(
            "figures_measured",
            "Figures measured",
            int(data.figures["measured"].notna().sum()),
            _COUNT,
        ),
        Metric(
            "within_system", "Within the system budget", int((system == "within").sum()), _COUNT
        ),
        Metric("over_system", "Over the system budget", int((system == "over").sum()), _COUNT),
        Metric(
            "within_design", "Within the DESIGN budget", int((design == "within").sum()), _COUNT
        ),
        Metric("over_design", "Over the DESIGN budget", int((design == "over").sum()), _COUNT),
    )
    notes = tuple(f"Trace problem: {p}" for p in data.problems)
    return Section("summary", "Summary", metrics=metrics, notes=notes)


def _trace(data: ValidationInput) -> Section:
    counts = ("traced", "run", "passed", "failed", "skipped")
    formats: dict[str, ValueFormat] = dict.fromkeys(counts, _COUNT)
    return Section(
        "trace",
        "Requirements trace",
        tables=(Table("trace", "Requirement -> tests -> outcome", data.trace, formats),),
        notes=(
            "A requirement is proven when at least one of its tests ran and none failed; "
            "'not run' means no test of it was in the suites of this scale.",
        ),
    )


def _figures(data: ValidationInput) -> Section:
    number: ValueFormat = "number"
    formats = {"measured": number, "system_budget": number, "design_budget": number}
    return Section(
        "figures",
        "Measured figures against their budgets",
        tables=(
            Table("figures", "Budgeted figures", data.figures, formats),
            Table(
                "recorded", "Every figure the benchmarks recorded", data.recorded, {"value": number}
            ),
            Table(
                "benchmarks",
                "Benchmarks run",
                data.benchmarks,
                {"exit_code": _COUNT, "seconds": number},
            ),
        ),
        notes=(
            "system: the system requirement (issue 17); design: DESIGN.md's stricter budget. "
            "Figures depend on the machine and its load: see the environment.",
        ),
    )


def _results(data: ValidationInput) -> Section:
    return Section(
        "results",
        "Test results",
        tables=(Table("results", "Every test", data.results, {"seconds": "number"}),),
    )


def _environment(data: ValidationInput) -> Section:
    frame = pd.DataFrame(
        [{"what": key, "value": value} for key, value in data.environment.items()],
        columns=["what", "value"],
    )
    return Section(
        "environment",
        "Environment",
        tables=(Table("environment", "Where this ran", frame),),
    )
