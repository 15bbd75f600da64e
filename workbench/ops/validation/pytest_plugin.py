"""The pytest plugin a validation run loads into the suites it runs (``-p``): one JSON line per
test to the file named by ``WORKBENCH_VALIDATION_RESULTS``: its node id, outcome (passed,
failed, error, skipped, xfailed, xpassed), seconds, the requirement ids its markers name, and
for a failure the last line of the error. Under pytest-xdist the workers attach the ids to
their reports and only the controller writes."""

from __future__ import annotations

import json
import os
from collections.abc import Generator
from typing import Any

import pytest

__all__ = ["RESULTS_ENV"]

RESULTS_ENV = "WORKBENCH_VALIDATION_RESULTS"
_REQUIREMENTS = "requirements"
_state: dict[str, Any] = {}


def pytest_configure(config: pytest.Config) -> None:
    _state["writes"] = bool(os.environ.get(RESULTS_ENV)) and not hasattr(config, "workerinput")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    ids = [str(i) for mark in item.iter_markers("requirement") for i in mark.args]
    report.user_properties.append((_REQUIREMENTS, ids))
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if not _state.get("writes"):
        return
    outcome = _outcome(report)
    if outcome is None:
        return
    ids = [str(i) for k, v in report.user_properties if k == _REQUIREMENTS for i in v]  # type: ignore[attr-defined]
    line = {
        "test": report.nodeid,
        "outcome": outcome,
        "seconds": round(report.duration, 3),
        "requirements": sorted(set(ids)),
        "message": _message(report) if outcome in ("failed", "error") else "",
    }
    with open(os.environ[RESULTS_ENV], "a", encoding="utf-8") as results:
        results.write(json.dumps(line) + "\n")


def _outcome(report: pytest.TestReport) -> str | None:
    """The test's one outcome: its call, or the setup or teardown that failed or skipped it."""
    expected_failure = hasattr(report, "wasxfail")
    if report.when == "call":
        if expected_failure:
            return "xfailed" if report.skipped else "xpassed"
        return str(report.outcome)
    if report.when == "setup" and not report.passed:
        return "skipped" if report.skipped else "error"
    if report.when == "teardown" and report.failed:
        return "error"
    return None


def _message(report: pytest.TestReport) -> str:
    """What failed in one line: the exception and its message where pytest kept them."""
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else report.longreprtext
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return " ".join(lines)[:300]
