"""Jobs: long work (a backtest, a grid, a walk-forward, a report) run away from the caller.

A job moves through one state machine::

    queued ──► running ──► succeeded
      │           ├──────► failed
      │           ├──────► canceled
      │           └──────► interrupted   (its process stopped before it finished)
      └──► canceled | failed | interrupted

    failed | canceled | interrupted ──► queued   (resubmitted: the same parameters again)

``succeeded`` is final. Every other change is refused with a ``ValidationError`` that says what
the job is and what it cannot become.
"""

from __future__ import annotations

from enum import StrEnum

from workbench.core.errors import ValidationError

__all__ = [
    "ACTIVE_STATES",
    "FINISHED_STATES",
    "RESUBMITTABLE_STATES",
    "JobKind",
    "JobState",
    "check_transition",
]


class JobKind(StrEnum):
    BACKTEST = "backtest"
    OPTIMIZE = "optimize"
    WALK_FORWARD = "walk_forward"
    REPORT = "report"


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"
    INTERRUPTED = "interrupted"


#: waiting for a worker or on one
ACTIVE_STATES = frozenset({JobState.QUEUED, JobState.RUNNING})
#: nothing runs any more
FINISHED_STATES = frozenset(set(JobState) - ACTIVE_STATES)
#: what ``resubmit`` runs again
RESUBMITTABLE_STATES = frozenset({JobState.FAILED, JobState.CANCELED, JobState.INTERRUPTED})

_ENDINGS = frozenset({JobState.FAILED, JobState.CANCELED, JobState.INTERRUPTED})
_NEXT: dict[JobState, frozenset[JobState]] = {
    JobState.QUEUED: _ENDINGS | {JobState.RUNNING},
    JobState.RUNNING: _ENDINGS | {JobState.SUCCEEDED},
    JobState.SUCCEEDED: frozenset(),
    JobState.FAILED: frozenset({JobState.QUEUED}),
    JobState.CANCELED: frozenset({JobState.QUEUED}),
    JobState.INTERRUPTED: frozenset({JobState.QUEUED}),
}


def check_transition(current: JobState | str, new: JobState | str) -> JobState:
    """``new`` as a ``JobState`` when a job in ``current`` may move to it; else a
    ``ValidationError`` naming both."""
    before, after = JobState(current), JobState(new)
    if after not in _NEXT[before]:
        allowed = ", ".join(sorted(_NEXT[before])) or "nothing: it is final"
        raise ValidationError(f"a {before} job cannot become {after} (it may become {allowed})")
    return after
