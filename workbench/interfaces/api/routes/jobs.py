"""Jobs: backtests, grids, walk-forwards and reports queued on the job workers (202 with the
job), then followed, canceled, read and resubmitted under ``/api/v1/jobs``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response

from workbench.interfaces.api.deps import API_PREFIX, RuntimeDep, require
from workbench.interfaces.api.errors import problem_responses
from workbench.interfaces.api.schemas import (
    BacktestCreate,
    JobPublic,
    JobResultPublic,
    OptimizationCreate,
    ReportCreate,
    WalkForwardCreate,
)
from workbench.model import JobKind, Permission, to_plain
from workbench.ops import jobs
from workbench.ops.auth import Principal

__all__ = ["router"]

router = APIRouter(prefix=API_PREFIX, tags=["jobs"], responses=problem_responses(401, 403, 422))
Backtester = Annotated[Principal, Depends(require(Permission.RUN_BACKTESTS))]
Analyst = Annotated[Principal, Depends(require(Permission.RUN_ANALYSIS))]
Reader = Annotated[Principal, Depends(require(Permission.READ_REPORTS))]
JobId = Annotated[int, Path(ge=1, le=2**53)]


def _queues(path: str, summary: str) -> Callable[[Callable[..., JobPublic]], Any]:
    """A POST that queues a job: 202 with it, ``Location`` naming it; 503 when the job
    workers cannot take it."""
    return router.post(
        path,
        status_code=202,
        response_model=JobPublic,
        summary=summary,
        responses=problem_responses(503),
    )


def _public(job: jobs.JobInfo) -> JobPublic:
    return JobPublic.model_validate(to_plain(job))


def _queued(rt: Any, kind: JobKind, body: Any, who: Principal, response: Response) -> JobPublic:
    job = jobs.submit(rt, kind, body.model_dump(mode="json"), who)
    response.headers["Location"] = f"{API_PREFIX}/jobs/{job.id}"
    return _public(job)


@_queues("/backtests", "Queue a backtest")
def backtest(
    rt: RuntimeDep, body: BacktestCreate, who: Backtester, response: Response
) -> JobPublic:
    return _queued(rt, JobKind.BACKTEST, body, who, response)


@_queues("/optimizations", "Queue a grid search")
def optimization(
    rt: RuntimeDep, body: OptimizationCreate, who: Backtester, response: Response
) -> JobPublic:
    return _queued(rt, JobKind.OPTIMIZE, body, who, response)


@_queues("/walk-forwards", "Queue a walk-forward")
def walk_forward(
    rt: RuntimeDep, body: WalkForwardCreate, who: Backtester, response: Response
) -> JobPublic:
    return _queued(rt, JobKind.WALK_FORWARD, body, who, response)


@_queues("/reports", "Queue a report's generation")
def report(rt: RuntimeDep, body: ReportCreate, who: Analyst, response: Response) -> JobPublic:
    return _queued(rt, JobKind.REPORT, body, who, response)


@router.get("/jobs", response_model=list[JobPublic], summary="Your jobs, newest first")
def list_jobs(
    rt: RuntimeDep,
    who: Reader,
    state: Annotated[str | None, Query(max_length=16)] = None,
    kind: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1, le=jobs.MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[JobPublic]:
    found = jobs.jobs(rt, who, state=state, kind=kind, limit=limit, offset=offset)
    return [_public(job) for job in found]


@router.get(
    "/jobs/{job_id}", response_model=JobPublic, summary="One job", responses=problem_responses(404)
)
def show_job(rt: RuntimeDep, job_id: JobId, who: Reader) -> JobPublic:
    return _public(jobs.job(rt, job_id, who))


@router.get(
    "/jobs/{job_id}/result",
    response_model=JobResultPublic,
    summary="A succeeded job's result",
    responses=problem_responses(404),
)
def job_result(rt: RuntimeDep, job_id: JobId, who: Reader) -> JobResultPublic:
    return JobResultPublic.model_validate(to_plain(jobs.result(rt, job_id, who)))


@router.post(
    "/jobs/{job_id}/cancel",
    response_model=JobPublic,
    summary="Cancel a queued or running job",
    responses=problem_responses(404),
)
def cancel_job(rt: RuntimeDep, job_id: JobId, who: Backtester) -> JobPublic:
    return _public(jobs.cancel(rt, job_id, who))


@router.post(
    "/jobs/{job_id}/resubmit",
    status_code=202,
    response_model=JobPublic,
    summary="Run a failed, canceled or interrupted job again",
    responses=problem_responses(404, 503),
)
def resubmit_job(rt: RuntimeDep, job_id: JobId, who: Backtester) -> JobPublic:
    return _public(jobs.resubmit(rt, job_id, who))
