"""The ``jobs`` rows: what a job is (``JobInfo``), moving one between states under the state
machine of ``workbench.model.jobs``, and the event each move publishes on the bus."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from workbench.core.errors import NotFound
from workbench.core.topics import JOB
from workbench.ledger import JobRow
from workbench.ledger.sqltypes import utcnow
from workbench.model import JobState
from workbench.model.jobs import check_transition

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from workbench.runtime import Runtime

__all__ = ["JobInfo", "find_row", "info_of", "move", "publish", "runner_alive", "this_host"]


@dataclass(frozen=True)
class JobInfo:
    id: int
    kind: str
    owner: str
    state: str
    progress: float
    message: str | None
    parameters: dict[str, Any]
    result_id: int | None
    result_kind: str | None
    error: str | None
    attempts: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        from workbench.model import to_plain

        plain: dict[str, Any] = to_plain(self)
        return plain


def info_of(row: JobRow) -> JobInfo:
    return JobInfo(
        id=row.id,
        kind=row.kind,
        owner=row.owner,
        state=row.state,
        progress=row.progress,
        message=row.message,
        parameters=dict(row.parameters),
        result_id=row.result_id,
        result_kind=row.result_kind,
        error=row.error,
        attempts=row.attempts,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


def find_row(session: Session, job_id: int, *, lock: bool = False) -> JobRow:
    query = sa.select(JobRow).where(JobRow.id == job_id)
    row = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if row is None:
        raise NotFound(f"no job {job_id}: see GET /api/v1/jobs or `workbench jobs list`")
    return row


def move(
    rt: Runtime,
    job_id: int,
    new: JobState,
    *,
    only_from: frozenset[JobState] | None = None,
    **fields: Any,
) -> JobInfo | None:
    """Move job ``job_id`` to ``new`` (setting ``fields``) and publish it; None, and nothing
    changed, when it is not in ``only_from`` (a race lost: the job moved on meanwhile). A move
    the state machine forbids is a ``ValidationError``."""
    with rt.ledger.session() as session:
        row = find_row(session, job_id, lock=True)
        previous = JobState(row.state)
        if only_from is not None and previous not in only_from:
            return None
        check_transition(previous, new)
        now = utcnow()
        row.state, row.updated_at = new.value, now
        if new is not JobState.QUEUED and new is not JobState.RUNNING:
            row.finished_at = now
        for name, value in fields.items():
            setattr(row, name, value)
        session.flush()
        info = info_of(row)
    publish(rt, info, previous)
    return info


def publish(rt: Runtime, info: JobInfo, previous: JobState | str) -> None:
    rt.bus.publish(
        JOB,
        {
            "job_id": info.id,
            "kind": info.kind,
            "owner": info.owner,
            "state": info.state,
            "previous": str(previous),
            "progress": info.progress,
            "message": info.message,
            "result_id": info.result_id,
            "error": info.error,
            "at": utcnow().isoformat(),
        },
    )


def this_host() -> str:
    return socket.gethostname()


def runner_alive(
    runner: str | None,
    own: str,
    *,
    renewed: datetime | None = None,
    lease: float | None = None,
    now: datetime | None = None,
) -> bool:
    """Whether the process named ``runner`` (``host:pid:token``) may still be running a job:
    itself, or another live process on this host, or a process elsewhere that renewed the job's
    lease (``renewed``, its row's ``updated_at``) less than ``lease`` seconds before ``now``
    (without a ``lease``, any process elsewhere: this one cannot see it). A dead process's pid,
    or this process's own pid under an older token (a restarted container is pid 1 again), has
    nothing running."""
    if runner is None:
        return False
    if runner == own:
        return True
    host, _, rest = runner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != this_host():
        if lease is None:
            return True
        return renewed is not None and ((now or utcnow()) - renewed).total_seconds() < lease
    if not (pid_text.isascii() and pid_text.isdigit()) or int(pid_text) == os.getpid():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
