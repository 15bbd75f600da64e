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
    "MARKER",
    "TRACE_END",
    "TRACE_START",
    "Budgeted",
    "Requirement",
    "TraceScan",
    "refresh_document",
    "requirement_ids",
    "requirements",
    "scan_tests",
    "trace_markdown",
    "trace_problems",
]
