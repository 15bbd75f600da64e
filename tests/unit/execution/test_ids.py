"""Client order ids: deterministic for a decision, unique by hand, within Alpaca's limit."""

from __future__ import annotations

from datetime import datetime

import pytest

from workbench.execution import decision_client_order_id, new_client_order_id

pytestmark = pytest.mark.requirement("EXE-02")

AT = datetime(2018, 1, 10)


def _id(**change: str) -> str:
    fields = {
        "account": "paper",
        "strategy": "momentum_rotation",
        "run_key": "7",
        "symbol": "BRK.B",
        "side": "buy",
        **change,
    }
    return decision_client_order_id(decided_at=AT, **fields)


def test_the_same_decision_gives_the_same_id() -> None:
    assert _id() == _id()
    assert _id().startswith("wb-momentumrotation-201801100000-BRKB-b-")


def test_any_part_of_the_decision_changes_the_id() -> None:
    ids = {_id(), _id(account="alpaca"), _id(run_key="8"), _id(symbol="AAPL"), _id(side="sell")}
    assert len(ids) == 5


def test_ids_fit_alpaca_and_hand_ids_do_not_repeat() -> None:
    assert len(_id(strategy="x" * 200)) <= 128
    assert len({new_client_order_id() for _ in range(1000)}) == 1000
