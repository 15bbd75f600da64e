"""The order state machine: every pair of statuses, legal or refused."""

from __future__ import annotations

import itertools

import pytest

from workbench.execution import TRANSITIONS, IllegalTransition, can_transition, check_transition
from workbench.model import OrderStatus as S

LEGAL = {
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
PAIRS = list(itertools.product(S, S))


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
    for status in S:
        assert (not TRANSITIONS[status]) is status.is_terminal


def test_the_table_covers_every_status() -> None:
    assert set(TRANSITIONS) == set(S)
