"""The job state machine: what each state may become, and what it may not."""

from __future__ import annotations

import pytest

from workbench.core.errors import ValidationError
from workbench.model import JobState
from workbench.model.jobs import (
    ACTIVE_STATES,
    FINISHED_STATES,
    RESUBMITTABLE_STATES,
    check_transition,
)

ALLOWED = {
    ("queued", "running"),
    ("queued", "canceled"),
    ("queued", "failed"),
    ("queued", "interrupted"),
    ("running", "succeeded"),
    ("running", "failed"),
    ("running", "canceled"),
    ("running", "interrupted"),
    ("failed", "queued"),
    ("canceled", "queued"),
    ("interrupted", "queued"),
}


@pytest.mark.parametrize("before", list(JobState))
@pytest.mark.parametrize("after", list(JobState))
def test_every_pair_of_states_is_allowed_or_refused_by_name(
    before: JobState, after: JobState
) -> None:
    if (before.value, after.value) in ALLOWED:
        assert check_transition(before, after) is after
    else:
        with pytest.raises(ValidationError) as refused:
            check_transition(before.value, after.value)
        assert f"a {before} job cannot become {after}" in str(refused.value)


def test_succeeded_is_final_and_says_so() -> None:
    with pytest.raises(ValidationError, match="nothing: it is final"):
        check_transition("succeeded", "queued")


def test_the_groups_of_states_partition_them() -> None:
    assert set(JobState) == ACTIVE_STATES | FINISHED_STATES
    assert not ACTIVE_STATES & FINISHED_STATES
    assert FINISHED_STATES - {JobState.SUCCEEDED} == RESUBMITTABLE_STATES


def test_an_unknown_state_is_refused() -> None:
    with pytest.raises(ValueError):
        check_transition("queued", "paused")
