"""Use cases of jobs: long work (a backtest, a grid, a walk-forward, a report) queued by a face
and run on the job workers (Dask: ``_runner``), with its state, progress, result and error in
the ledger's ``jobs`` table.

- ``submit`` checks the parameters first (a bad one is a ``ValidationError`` naming the field,
  and no job is recorded), records the job ``queued`` and hands it to the runner;
- ``job``, ``jobs``: what a caller may see: their own jobs; an admin sees everyone's (another
  user's job is ``NotFound``, as one that does not exist);
- ``cancel`` a queued or running job; ``result`` of a succeeded one (the summary stored with the
  job; the full result is the stored run or report it names);
- ``resubmit`` runs a failed, canceled or interrupted job again, the same job with the same
  parameters;
- ``recover`` (the API's start-up) marks ``interrupted`` what a process that is gone left
  queued or running; ``tend`` (every ``jobs.heartbeat_seconds`` in each API process) renews
  the lease of the jobs the process runs and recovers those of processes that are gone, on
  this host or another.

Every state change is published on the runtime's bus (``core.topics.JOB``); submissions,
cancels and resubmissions are in the audit chain with the actor.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from workbench.core.errors import ConfigError, NotFound, ValidationError, WorkbenchError
from workbench.ledger import JobRow, append_audit
from workbench.ledger.sqltypes import utcnow
from workbench.model import JobKind, JobState, Permission, Role
from workbench.model.jobs import ACTIVE_STATES, RESUBMITTABLE_STATES
from workbench.ops.auth import Principal, authorize
from workbench.ops.jobs._params import check_parameters
from workbench.ops.jobs._runner import JobRunner
from workbench.ops.jobs._store import JobInfo, find_row, info_of, move, publish, runner_alive
from workbench.ops.jobs._work import one_line

if TYPE_CHECKING:
    from workbench.runtime import Runtime

__all__ = [
    "MAX_PAGE",
    "PERMISSIONS",
    "JobInfo",
    "JobRunner",
    "cancel",
    "check_parameters",
    "job",
    "jobs",
    "operator",
    "recover",
    "resubmit",
    "result",
    "submit",
    "tend",
]

#: the most jobs one page lists
MAX_PAGE = 200
#: what a caller's role needs to submit, cancel or resubmit a job of each kind
PERMISSIONS: dict[JobKind, Permission] = {
    JobKind.BACKTEST: Permission.RUN_BACKTESTS,
    JobKind.OPTIMIZE: Permission.RUN_BACKTESTS,
    JobKind.WALK_FORWARD: Permission.RUN_BACKTESTS,
    JobKind.REPORT: Permission.RUN_ANALYSIS,
}


def operator(actor: str) -> Principal:
    """The operator at this home's command line (``cli:<login>``): whoever can open the home's
    ledger already holds everything in it, so they act on every job, as an admin."""
    return Principal(user=actor, role=Role.ADMIN, via="local")


def submit(
    rt: Runtime, kind: JobKind | str, parameters: Mapping[str, Any], principal: Principal
) -> JobInfo:
    """Check ``parameters``, record the job ``queued`` and start it on the job workers."""
    chosen = _kind(kind)
    authorize(principal, PERMISSIONS[chosen])
    checked = check_parameters(chosen, parameters)
    runner = rt.jobs
    with rt.ledger.session() as session:
        row = JobRow(
            kind=chosen.value,
            owner=principal.user,
            parameters=checked,
            state=JobState.QUEUED.value,
            progress=0.0,
            runner=runner.identity,
            attempts=1,
            updated_at=utcnow(),  # the lease starts with the job
        )
        session.add(row)
        session.flush()
        _audit(session, "job.submitted", principal, row, parameters=checked)
        info = info_of(row)
    publish(rt, info, JobState.QUEUED)
    return _start(rt, info)


def job(rt: Runtime, job_id: int, principal: Principal) -> JobInfo:
    with rt.ledger.session(read_only=True) as session:
        return info_of(_visible(session, job_id, principal))


def jobs(
    rt: Runtime,
    principal: Principal,
    *,
    state: str | None = None,
    kind: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[JobInfo]:
    """The caller's jobs (everyone's for an admin), newest first."""
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError(f"limit must be 1 to {MAX_PAGE}, got {limit}")
    if offset < 0:
        raise ValidationError(f"offset must be 0 or more, got {offset}")
    query = sa.select(JobRow).order_by(JobRow.id.desc()).limit(limit).offset(offset)
    if principal.role is not Role.ADMIN:
        query = query.where(JobRow.owner == principal.user)
    if state is not None:
        query = query.where(JobRow.state == _state(state).value)
    if kind is not None:
        query = query.where(JobRow.kind == _kind(kind).value)
    with rt.ledger.session(read_only=True) as session:
        return [info_of(row) for row in session.scalars(query)]


def cancel(rt: Runtime, job_id: int, principal: Principal) -> JobInfo:
    """Cancel a queued or running job (a running one stops at its next progress step)."""
    with rt.ledger.session() as session:
        row = _visible(session, job_id, principal)
        authorize(principal, PERMISSIONS[JobKind(row.kind)])
        if JobState(row.state) not in ACTIVE_STATES:
            raise ValidationError(
                f"job {job_id} is {row.state}: only a queued or running job can be canceled"
            )
        _audit(session, "job.canceled", principal, row)
    moved = move(rt, job_id, JobState.CANCELED, only_from=ACTIVE_STATES, message="canceled")
    rt.jobs.cancel(job_id)
    return moved if moved is not None else job(rt, job_id, principal)


def result(rt: Runtime, job_id: int, principal: Principal) -> dict[str, Any]:
    """A succeeded job's result: the summary, and the stored run or report it is under."""
    found = job(rt, job_id, principal)
    if found.state != JobState.SUCCEEDED:
        why = f": {found.error}" if found.error else ""
        raise NotFound(f"job {job_id} has no result: it is {found.state}{why}", state=found.state)
    with rt.ledger.session(read_only=True) as session:
        summary = find_row(session, job_id).result or {}
    return {
        "job_id": found.id,
        "kind": found.kind,
        "result_kind": found.result_kind,
        "result_id": found.result_id,
        "result": summary,
    }


def resubmit(rt: Runtime, job_id: int, principal: Principal) -> JobInfo:
    """Run a failed, canceled or interrupted job again with its parameters (checked again:
    the strategy or the data may have changed since)."""
    with rt.ledger.session(read_only=True) as session:
        before = info_of(_visible(session, job_id, principal))
    chosen = JobKind(before.kind)
    authorize(principal, PERMISSIONS[chosen])
    if JobState(before.state) not in RESUBMITTABLE_STATES:
        allowed = ", ".join(sorted(RESUBMITTABLE_STATES))
        raise ValidationError(
            f"job {job_id} is {before.state}: only a {allowed.replace(', ', ' or ')} job can "
            "be resubmitted"
        )
    check_parameters(chosen, before.parameters)
    runner = rt.jobs
    moved = move(
        rt,
        job_id,
        JobState.QUEUED,
        only_from=RESUBMITTABLE_STATES,
        progress=0.0,
        message=None,
        error=None,
        result=None,
        result_id=None,
        result_kind=None,
        started_at=None,
        finished_at=None,
        runner=runner.identity,
        attempts=before.attempts + 1,
    )
    if moved is None:
        raise ValidationError(f"job {job_id} was resubmitted meanwhile")
    with rt.ledger.session() as session:
        _audit(session, "job.resubmitted", principal, find_row(session, job_id))
    return _start(rt, moved)


def recover(rt: Runtime) -> list[int]:
    """Mark ``interrupted`` the queued or running jobs whose process is gone: on this host, a
    dead pid; on another, a lease not renewed for ``jobs.lease_seconds`` (a crashed pod never
    comes back under its name). Their ids."""
    own = rt.jobs.identity
    lease, now = rt.settings.jobs.lease_seconds, utcnow()
    active = [state.value for state in ACTIVE_STATES]
    with rt.ledger.session(read_only=True) as session:
        left = session.execute(
            sa.select(JobRow.id, JobRow.runner, JobRow.updated_at).where(JobRow.state.in_(active))
        ).all()
    found = []
    for job_id, runner, renewed in left:
        if runner_alive(runner, own, renewed=renewed, lease=lease, now=now):
            continue
        moved = move(
            rt,
            job_id,
            JobState.INTERRUPTED,
            only_from=ACTIVE_STATES,
            error="the process running the job stopped before it finished: resubmit it",
        )
        if moved is not None:
            found.append(job_id)
    return found


def tend(rt: Runtime) -> list[int]:
    """What an API process does every ``jobs.heartbeat_seconds``: renew the lease of the jobs
    it runs (their rows' ``updated_at``), then ``recover`` those whose process is gone, its own
    host's and any other's. The ids it marked ``interrupted``."""
    runner = rt.jobs
    mine = runner.running()
    if mine:
        with rt.ledger.session() as session:
            session.execute(
                sa.update(JobRow)
                .where(
                    JobRow.id.in_(mine),
                    JobRow.runner == runner.identity,
                    JobRow.state.in_([state.value for state in ACTIVE_STATES]),
                )
                .values(updated_at=utcnow())
            )
    return recover(rt)


def _start(rt: Runtime, info: JobInfo) -> JobInfo:
    """Hand a queued job to the runner; a runner that cannot take it fails the job."""
    try:
        rt.jobs.submit(info.id, info.attempts, info.kind, info.parameters)
    except Exception as error:
        move(rt, info.id, JobState.FAILED, only_from=ACTIVE_STATES, error=one_line(error))
        if isinstance(error, WorkbenchError):
            raise
        raise ConfigError(f"the job workers did not take the job: {one_line(error)}") from error
    return info


def _visible(session: Any, job_id: int, principal: Principal) -> JobRow:
    row = find_row(session, job_id)
    if principal.role is not Role.ADMIN and row.owner != principal.user:
        raise NotFound(f"no job {job_id}: see GET /api/v1/jobs or `workbench jobs list`")
    return row


def _kind(kind: JobKind | str) -> JobKind:
    try:
        return JobKind(kind)
    except ValueError:
        valid = ", ".join(k.value for k in JobKind)
        message = f"kind: unknown job kind {kind!r}; valid: {valid}"
        raise ValidationError(message) from None


def _state(state: str) -> JobState:
    try:
        return JobState(state)
    except ValueError:
        valid = ", ".join(s.value for s in JobState)
        message = f"state: unknown job state {state!r}; valid: {valid}"
        raise ValidationError(message) from None


def _audit(session: Any, kind: str, principal: Principal, row: JobRow, **more: Any) -> None:
    payload = {"job_id": row.id, "job_kind": row.kind, "owner": row.owner, **more}
    append_audit(session, kind=kind, actor=principal.user, payload=payload)
