"""What a validation run found, as the report's tables: test results merged per test, the
trace with each requirement's outcome, and the budgeted figures compared with their budgets."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.ops.validation.catalogue import Budgeted, Requirement

__all__ = ["figure_table", "read_lines", "result_table", "trace_table"]

#: when one test reports twice (a teardown error after its call), the worse outcome stands
_SEVERITY = {"error": 5, "failed": 4, "xpassed": 3, "passed": 2, "xfailed": 1, "skipped": 0}
_FAILED = ("failed", "error", "xpassed")
_RESULT_COLUMNS = ["test", "outcome", "seconds", "requirements", "message"]


def read_lines(path: Path) -> list[dict[str, Any]]:
    """The JSON lines of ``path`` (none when it was never written)."""
    if not path.is_file():
        return []
    text = path.read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def result_table(lines: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    merged: dict[str, dict[str, Any]] = {}
    for line in lines:
        seen = merged.get(line["test"])
        if seen is None or _SEVERITY[line["outcome"]] > _SEVERITY[seen["outcome"]]:
            merged[line["test"]] = {**line, "requirements": ", ".join(line["requirements"])}
    return pd.DataFrame(list(merged.values()), columns=_RESULT_COLUMNS)


def trace_table(
    requirements: Sequence[Requirement], traced: Mapping[str, list[str]], results: pd.DataFrame
) -> pd.DataFrame:
    """One row per requirement: the tests traced to it (statically, a module standing for its
    tests) joined with the results of the tests that ran, and its status: proven, failing,
    skipped, not run or untraced."""
    rows = []
    for requirement in requirements:
        refs = traced.get(requirement.id, [])
        ran = results[[_proves(r, refs, requirement.id) for r in results.itertuples()]]
        outcomes = ran["outcome"]
        failed = int(outcomes.isin(_FAILED).sum())
        passed = int((outcomes == "passed").sum())
        # the verdict first and the long text last: the columns a reader scans fit the page
        rows.append(
            {
                "id": requirement.id,
                "status": _status(refs, len(ran), passed, failed),
                "area": requirement.area,
                "traced": len(refs),
                "run": len(ran),
                "passed": passed,
                "failed": failed,
                "skipped": len(ran) - passed - failed,
                "requirement": requirement.text,
                "tests": " ".join(sorted(set(refs) | set(ran["test"]))),
            }
        )
    return pd.DataFrame(rows)


def _proves(result: Any, refs: Sequence[str], ident: str) -> bool:
    marked = ident in str(result.requirements).split(", ")
    return marked or any(
        result.test == ref or result.test.startswith((f"{ref}::", f"{ref}[")) for ref in refs
    )


def _status(refs: Sequence[str], run: int, passed: int, failed: int) -> str:
    if failed:
        return "failing"
    if passed:
        return "proven"
    if run:
        return "skipped"
    return "not run" if refs else "untraced"


def figure_table(
    requirements: Sequence[Requirement], recorded: Sequence[Mapping[str, Any]]
) -> pd.DataFrame:
    """One row per budgeted figure: the measured value (the last one recorded under its name),
    each budget and whether the value is within it, over it, not measured or has no budget."""
    latest = {line["name"]: float(line["value"]) for line in recorded}
    rows = []
    for requirement in requirements:
        for figure in requirement.figures:
            value = latest.get(figure.name)
            rows.append(
                {
                    "requirement": requirement.id,
                    "figure": figure.name,
                    "measured": value,
                    "unit": figure.unit,
                    "system_budget": figure.system,
                    "system": _verdict(figure, value, figure.system),
                    "design_budget": figure.design,
                    "design": _verdict(figure, value, figure.design),
                    "benchmark": requirement.benchmark,
                }
            )
    return pd.DataFrame(rows)


def _verdict(figure: Budgeted, value: float | None, limit: float | None) -> str:
    if limit is None:
        return "no budget"
    if value is None:
        return "not measured"
    return "within" if figure.meets(value, limit) else "over"
