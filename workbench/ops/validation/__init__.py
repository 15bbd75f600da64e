"""System validation: the requirements (``catalogue``), the trace from tests to requirements
(``trace``), and the validation run that executes suites and benchmarks and writes the report
(``run``)."""

from workbench.ops.validation.catalogue import (
    AREAS,
    Budgeted,
    Requirement,
    requirement_ids,
    requirements,
)
from workbench.ops.validation.run import (
    FULL,
    QUICK,
    Benchmark,
    Scale,
    ValidationDone,
    run_validation,
)
from workbench.ops.validation.trace import (
    MARKER,
    TRACE_END,
    TRACE_START,
    TraceScan,
    refresh_document,
    scan_tests,
    trace_markdown,
    trace_problems,
)

__all__ = [
    "AREAS",
    "FULL",
    "MARKER",
    "QUICK",
    "TRACE_END",
    "TRACE_START",
    "Benchmark",
    "Budgeted",
    "Requirement",
    "Scale",
    "TraceScan",
    "ValidationDone",
    "refresh_document",
    "requirement_ids",
    "requirements",
    "run_validation",
    "scan_tests",
    "trace_markdown",
    "trace_problems",
]
