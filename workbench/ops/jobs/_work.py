"""What a job worker runs: one job, start to end, in a Dask worker process.

The task opens a runtime of its own on the settings it is given (the same home, lake and
ledger as the process that queued it), claims the job (``queued`` -> ``running``; a job canceled
meanwhile is not run), calls the job's ``ops`` function, which stores its result as the CLI's
commands do, and answers with a small outcome (never an exception: a worker's exception would
have to travel back pickled). Progress goes into the job's row as it comes, at most every
``PROGRESS_SECONDS``; the same write finds out whether the job was canceled, and then stops the
work at that step. Each claim and step is also sent to the client as a Dask event
(``EVENT_TOPIC``) for the bus of the process that queued it.
"""

from __future__ import annotations

import importlib
import time
from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from workbench.core.errors import WorkbenchError
from workbench.ledger import JobRow
from workbench.ledger.sqltypes import utcnow
from workbench.model import JobKind, JobState, to_plain

if TYPE_CHECKING:
    from workbench.core.config import Settings
    from workbench.runtime import Runtime

__all__ = ["EVENT_TOPIC", "PROGRESS_SECONDS", "JobStopped", "one_line", "run_job"]

#: the Dask event topic of job claims and progress
EVENT_TOPIC = "workbench-jobs"
PROGRESS_SECONDS = 0.5
_ERROR_CHARS = 500


class JobStopped(Exception):
    """The job is no longer ``running`` (canceled): its work stops here."""


def run_job(
    job_id: int, attempt: int, kind: str, parameters: dict[str, Any], settings: Settings
) -> dict[str, Any]:
    """Run attempt ``attempt`` of job ``job_id``: ``{"state": "succeeded", "result_id",
    "result_kind", "result"}``, ``{"state": "failed", "error"}`` or ``{"state": "stopped"}``
    (canceled, or resubmitted since: a later attempt owns the row)."""
    from workbench.runtime import Runtime

    rt = Runtime(settings=settings)
    try:
        if not _claim(rt, job_id, attempt):
            return {"state": "stopped"}
        _tell(job_id, JobState.RUNNING)
        reporter = _Reporter(rt, job_id, attempt)
        found = _RUNS[JobKind(kind)](rt, parameters, reporter)
        return {"state": JobState.SUCCEEDED.value, **found}
    except JobStopped:
        return {"state": "stopped"}
    except Exception as error:  # the outcome carries one line; the worker's log the rest
        return {"state": JobState.FAILED.value, "error": one_line(error)}
    finally:
        rt.close()


def one_line(error: BaseException) -> str:
    """The error as one line for a person: a workbench error's message, else its type too."""
    if isinstance(error, WorkbenchError):
        text = error.message
    else:
        text = f"{type(error).__name__}: {error}"
    line = " ".join(str(text).split())
    return line if len(line) <= _ERROR_CHARS else line[: _ERROR_CHARS - 3] + "..."


def _claim(rt: Runtime, job_id: int, attempt: int) -> bool:
    """Take the row for this attempt: a queued one, or one already ``running`` this attempt,
    which only Dask's rerun of the task after the worker running it died can meet (each
    attempt is one task, never retried on an error). The rerun starts the work again from
    the start, so the job finishes with a whole result instead of staying ``running`` forever.
    A canceled, interrupted or resubmitted job (a later attempt owns it) is not taken."""
    now = utcnow()
    with rt.ledger.session() as session:
        moved = session.execute(
            sa.update(JobRow)
            .where(
                JobRow.id == job_id,
                JobRow.attempts == attempt,
                JobRow.state.in_([JobState.QUEUED.value, JobState.RUNNING.value]),
            )
            .values(state=JobState.RUNNING.value, progress=0.0, started_at=now, updated_at=now)
        )
        return bool(moved.rowcount)  # type: ignore[attr-defined]


class _Reporter:
    """The progress callback (``workbench.core.progress.Progress``) of one job."""

    def __init__(self, rt: Runtime, job_id: int, attempt: int) -> None:
        self._rt, self._job_id, self._attempt, self._last = rt, job_id, attempt, 0.0

    def __call__(self, done: int, total: int, label: str) -> None:
        now = time.monotonic()
        if done < total and now - self._last < PROGRESS_SECONDS:
            return
        self._last = now
        share = min(1.0, max(0.0, done / total)) if total > 0 else 0.0
        with self._rt.ledger.session() as session:
            moved = session.execute(
                sa.update(JobRow)
                .where(
                    JobRow.id == self._job_id,
                    JobRow.attempts == self._attempt,
                    JobRow.state == JobState.RUNNING.value,
                )
                .values(progress=share, message=label[:200], updated_at=utcnow())
            )
            if not moved.rowcount:  # type: ignore[attr-defined]
                raise JobStopped
        _tell(self._job_id, JobState.RUNNING, progress=share, message=label[:200])


def _tell(job_id: int, state: JobState, **more: Any) -> None:
    """A Dask event for the client that queued the job (nothing when not on a Dask worker)."""
    try:
        worker = importlib.import_module("distributed").get_worker()
    except (ImportError, ValueError):
        return
    worker.log_event(EVENT_TOPIC, {"job_id": job_id, "state": state.value, **more})


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _strategy_args(parameters: dict[str, Any]) -> dict[str, Any]:
    from workbench.strategy import BacktestConfig

    return {
        "start": _day(parameters["start"]),
        "end": _day(parameters["end"]),
        "config": BacktestConfig.from_dict(dict(parameters["config"])),
    }


def _backtest(rt: Runtime, parameters: dict[str, Any], progress: _Reporter) -> dict[str, Any]:
    from workbench.ops import strategy

    progress(0, 1, "backtest")
    result = strategy.backtest(
        rt,
        parameters["strategy"],
        parameters["symbols"],
        params=parameters["params"],
        **_strategy_args(parameters),
    )
    return _run_outcome(result)


def _optimize(rt: Runtime, parameters: dict[str, Any], progress: _Reporter) -> dict[str, Any]:
    from workbench.ops import strategy

    result = strategy.optimize(
        rt,
        parameters["strategy"],
        parameters["symbols"],
        parameters["grid"],
        objective=parameters["objective"],
        maximize=parameters["maximize"],
        constraints=parameters["constraints"],
        separate=parameters["separate"],
        progress=progress,
        **_strategy_args(parameters),
    )
    return _run_outcome(result)


def _walk_forward(rt: Runtime, parameters: dict[str, Any], progress: _Reporter) -> dict[str, Any]:
    from workbench.ops import strategy

    result = strategy.walk_forward(
        rt,
        parameters["strategy"],
        parameters["symbols"],
        parameters["grid"],
        train=parameters["train"],
        test=parameters["test"],
        anchored=parameters["anchored"],
        objective=parameters["objective"],
        constraints=parameters["constraints"],
        progress=progress,
        **_strategy_args(parameters),
    )
    return _run_outcome(result)


def _report(rt: Runtime, parameters: dict[str, Any], progress: _Reporter) -> dict[str, Any]:
    from workbench.ops import report

    progress(0, 1, "report")
    made = report.generate(
        rt,
        parameters["kind"],
        fmt=parameters["format"],
        run_id=parameters["run_id"],
        start=_day(parameters["start"]),
        end=_day(parameters["end"]),
    )
    return {"result_id": made.id, "result_kind": "report", "result": to_plain(made.to_dict())}


def _run_outcome(result: Any) -> dict[str, Any]:
    return {"result_id": result.run_id, "result_kind": "run", "result": to_plain(result.to_dict())}


_RUNS = {
    JobKind.BACKTEST: _backtest,
    JobKind.OPTIMIZE: _optimize,
    JobKind.WALK_FORWARD: _walk_forward,
    JobKind.REPORT: _report,
}
