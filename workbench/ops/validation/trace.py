"""The requirements trace: which tests name which requirement ids, read statically.

Tests name the ids they prove with the registered marker ``@pytest.mark.requirement("EXE-04",
...)`` on a test function or class, or a module-level ``pytestmark``. The trace is read by
parsing the test files' syntax trees rather than by collecting the suite: collection imports
every test module and its fixtures' dependencies (pandas, vectorbt, FastAPI, the notebooks'
kernels...), which takes tens of seconds, where the parse of every file under ``tests/`` takes
well under a second and needs no import. The price is that ids must be written as string
literals in the marker; anything else is reported as a problem rather than silently missed.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from workbench.ops.validation.catalogue import AREAS, Requirement

__all__ = [
    "MARKER",
    "TRACE_END",
    "TRACE_START",
    "TraceScan",
    "refresh_document",
    "scan_tests",
    "trace_markdown",
    "trace_problems",
]

MARKER = "requirement"
TRACE_START = "<!-- requirements-trace:start -->"
TRACE_END = "<!-- requirements-trace:end -->"


@dataclass
class TraceScan:
    """``tests`` maps an id to the node ids naming it (a module path stands for all of its
    tests); ``problems`` are markers the scan could not read."""

    tests: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    problems: list[str] = field(default_factory=list)

    def named_ids(self) -> set[str]:
        return set(self.tests)


def scan_tests(tests_root: Path, relative_to: Path | None = None) -> TraceScan:
    """Every ``requirement`` marker in the ``test_*.py`` files under ``tests_root``; node ids are
    relative to ``relative_to`` (the project root, the parent of ``tests_root`` by default)."""
    base = relative_to or tests_root.parent
    scan = TraceScan()
    for path in sorted(tests_root.rglob("test_*.py")):
        module = path.relative_to(base).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node_id, ids in _marked(tree, module, scan.problems):
            for ident in ids:
                scan.tests[ident].append(node_id)
    return scan


def _marked(tree: ast.Module, module: str, problems: list[str]) -> Iterator[tuple[str, list[str]]]:
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and _assigns_pytestmark(node):
            if node.value is None:  # a bare annotation marks nothing
                continue
            values = (
                node.value.elts if isinstance(node.value, ast.List | ast.Tuple) else [node.value]
            )
            yield module, _ids(values, module, problems)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield from _marked_definition(node, module, problems)


def _marked_definition(
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, prefix: str, problems: list[str]
) -> Iterator[tuple[str, list[str]]]:
    node_id = f"{prefix}::{node.name}"
    ids = _ids(node.decorator_list, prefix.split("::")[0], problems)
    if ids:
        yield node_id, ids
    if isinstance(node, ast.ClassDef):
        for member in node.body:
            if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                yield from _marked_definition(member, node_id, problems)


def _assigns_pytestmark(node: ast.Assign | ast.AnnAssign) -> bool:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in targets)


def _ids(expressions: Iterable[ast.expr], module: str, problems: list[str]) -> list[str]:
    found: list[str] = []
    for expression in expressions:
        if not (isinstance(expression, ast.Call) and _is_marker(expression.func)):
            continue
        where = f"{module}:{expression.lineno}"
        for argument in [*expression.args, *(k.value for k in expression.keywords)]:
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                found.append(argument.value)
            else:
                problems.append(f"{where}: requirement ids must be string literals")
        if not expression.args:
            problems.append(f"{where}: a requirement marker names no id")
    return found


def _is_marker(func: ast.expr) -> bool:
    """``pytest.mark.requirement`` or ``mark.requirement`` (``from pytest import mark``)."""
    return isinstance(func, ast.Attribute) and func.attr == MARKER and _ends_with_mark(func.value)


def _ends_with_mark(node: ast.expr) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr == "mark"
    return isinstance(node, ast.Name) and node.id == "mark"


def trace_problems(
    requirements: Sequence[Requirement], scan: TraceScan, *, document: str | None = None
) -> list[str]:
    """What breaks the trace: an unreadable marker, an id no requirement has, a requirement no
    test names, and (given the document's text) a stale generated part."""
    known = {r.id for r in requirements}
    problems = list(scan.problems)
    for ident in sorted(scan.named_ids() - known):
        problems.append(f"{ident} is named by {', '.join(scan.tests[ident])} but is no requirement")
    for requirement in requirements:
        if not scan.tests.get(requirement.id):
            problems.append(f"{requirement.id} has no test")
    if document is not None and refresh_document(document, requirements, scan) != document:
        problems.append(
            "docs/requirements.md is stale: run .venv/bin/python scripts/regen_requirements.py"
        )
    return problems


def trace_markdown(requirements: Sequence[Requirement], tests: Mapping[str, list[str]]) -> str:
    """One table per area: id, requirement, source, the tests that prove it and, for a figure,
    the benchmark with its budgets."""
    parts: list[str] = []
    for area in AREAS:
        rows = [r for r in requirements if r.area == area]
        if not rows:
            continue
        parts.append(f"### {area.capitalize()}\n")
        parts.append("| id | requirement | source | tests | benchmark and budgets |")
        parts.append("|---|---|---|---|---|")
        for r in rows:
            named = "<br>".join(f"`{t}`" for t in sorted(tests.get(r.id, []))) or "**none**"
            parts.append(f"| {r.id} | {r.text} | {r.source} | {named} | {_budgets(r)} |")
        parts.append("")
    return "\n".join(parts).rstrip("\n")


def _budgets(requirement: Requirement) -> str:
    if requirement.benchmark is None:
        return ""
    lines = [f"`{requirement.benchmark}`"]
    for figure in requirement.figures:
        sign = "≤" if figure.better == "lower" else "≥"
        limits = [
            f"{label} {sign} {_number(limit)} {figure.unit}"
            for label, limit in (("system", figure.system), ("design", figure.design))
            if limit is not None
        ]
        lines.append(f"`{figure.name}`: {'; '.join(limits)}")
        lines.append(f"last measured: {figure.measured or 'not yet'}")
    return "<br>".join(lines)


def _number(limit: float) -> str:
    return f"{int(limit):,}" if float(limit).is_integer() else f"{limit:g}"


def refresh_document(text: str, requirements: Sequence[Requirement], scan: TraceScan) -> str:
    """``text`` with its generated part (between the trace markers) rebuilt."""
    start, end = text.index(TRACE_START) + len(TRACE_START), text.index(TRACE_END)
    body = trace_markdown(requirements, scan.tests)
    return f"{text[:start]}\n{body}\n{text[end:]}"
