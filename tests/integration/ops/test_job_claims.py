"""Which run of a job's task may take its row: the queued attempt, and Dask's rerun of that
attempt after the worker running it died (the row still ``running``); never a canceled or
interrupted job, nor an attempt a resubmission has replaced."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from workbench.ledger import JobRow
from workbench.model import JobState
from workbench.ops.jobs._work import _claim
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("INT-04", "STR-05")


@pytest.mark.parametrize(
    ("state", "attempts", "taken"),
    [
        (JobState.QUEUED, 1, True),
        (JobState.RUNNING, 1, True),  # the rerun after a dead worker: it starts again
        (JobState.RUNNING, 2, False),  # resubmitted since: attempt 2 owns the row
        (JobState.CANCELED, 1, False),
        (JobState.INTERRUPTED, 1, False),
        (JobState.SUCCEEDED, 1, False),
    ],
)
def test_a_claim_takes_only_its_own_live_attempt(
    wb_home: Path, state: JobState, attempts: int, taken: bool
) -> None:
    with Runtime.from_settings() as rt:
        with rt.ledger.session() as session:
            row = JobRow(
                kind="backtest",
                owner="cli:test",
                parameters={},
                state=state.value,
                progress=0.5,
                runner="here",
                attempts=attempts,
            )
            session.add(row)
            session.flush()
            job_id = row.id
        assert _claim(rt, job_id, attempt=1) is taken
        with rt.ledger.session(read_only=True) as session:
            after = session.scalars(sa.select(JobRow).where(JobRow.id == job_id)).one()
        assert after.state == (JobState.RUNNING.value if taken else state.value)
        assert after.progress == (0.0 if taken else 0.5)
