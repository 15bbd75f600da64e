"""The order state machine: every pair of statuses, legal or refused."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from workbench.execution import (
    LEDGER_STATUSES,
    TRANSITIONS,
    IllegalTransition,
    can_transition,
    check_transition,
    ledger_status,
)
from workbench.model import OrderStatus as S

pytestmark = pytest.mark.requirement("EXE-01")

LEGAL = {
    *((S.PENDING_APPROVAL, t) for t in (S.NEW, S.REJECTED, S.CANCELED, S.EXPIRED)),
    (S.NEW, S.SUBMITTED),
    (S.NEW, S.ACCEPTED),
    (S.NEW, S.PARTIALLY_FILLED),
    (S.NEW, S.FILLED),
    (S.NEW, S.CANCELED),
    (S.NEW, S.REJECTED),
    (S.NEW, S.EXPIRED),
    *(
        (S.SUBMITTED, t)
        for t in (
            S.ACCEPTED,
            S.PARTIALLY_FILLED,
            S.FILLED,
            S.CANCELED,
            S.EXPIRED,
            S.REPLACED,
            S.REJECTED,
        )
    ),
    *(
        (S.ACCEPTED, t)
        for t in (S.PARTIALLY_FILLED, S.FILLED, S.CANCELED, S.EXPIRED, S.REPLACED, S.REJECTED)
    ),
    *(
        (S.PARTIALLY_FILLED, t)
        for t in (S.PARTIALLY_FILLED, S.FILLED, S.CANCELED, S.EXPIRED, S.REPLACED)
    ),
}
PAIRS = list(itertools.product(LEDGER_STATUSES, LEDGER_STATUSES))


@pytest.mark.parametrize(("current", "new"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_each_transition_is_legal_exactly_when_listed(current: S, new: S) -> None:
    legal = (current, new) in LEGAL
    assert can_transition(current, new) is legal
    if legal:
        check_transition(current, new)
    else:
        with pytest.raises(IllegalTransition, match=f"from {current} to {new}"):
            check_transition(current, new, order="wb-1")


def test_terminal_statuses_have_no_way_out() -> None:
    for status in LEDGER_STATUSES:
        assert (not TRANSITIONS[status]) is status.is_terminal


def test_the_ledger_keeps_ten_statuses_and_reads_a_venues_passing_ones_as_them() -> None:
    assert len(LEDGER_STATUSES) == 10
    passing = set(S) - set(LEDGER_STATUSES)
    assert {s.value for s in passing} == {
        "held",
        "pending_new",
        "accepted_for_bidding",
        "pending_cancel",
        "pending_replace",
        "done_for_day",
        "stopped",
        "suspended",
        "calculated",
    }
    assert ledger_status(S.NEW) is S.ACCEPTED  # live at the venue
    assert ledger_status(S.PENDING_NEW) is S.SUBMITTED
    for status in passing - {S.PENDING_NEW}:
        assert ledger_status(status) is S.ACCEPTED
        assert ledger_status(status, Decimal(3)) is S.PARTIALLY_FILLED
    for status in LEDGER_STATUSES:
        if status is not S.NEW:
            assert ledger_status(status) is status
    with pytest.raises(IllegalTransition):
        check_transition(S.PENDING_CANCEL, S.CANCELED)  # never a ledger status
