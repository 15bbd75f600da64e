"""Average cost, realised P&L and cash of fills, longs and shorts, across zero."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from workbench.execution import PositionState, apply_fill, cash_effect
from workbench.model import OrderSide

pytestmark = pytest.mark.requirement("EXE-04")

BUY, SELL = OrderSide.BUY, OrderSide.SELL


def test_adding_to_a_long_moves_the_average_to_the_weighted_mean() -> None:
    state = apply_fill(PositionState(), BUY, D(10), D(100))
    state = apply_fill(state, BUY, D(30), D(120))
    assert state == PositionState(D(40), D(115), D(0))


def test_reducing_a_long_realises_against_the_average_and_keeps_it() -> None:
    state = apply_fill(PositionState(D(40), D(115)), SELL, D(10), D(130))
    assert state == PositionState(D(30), D(115), D(150))


def test_closing_flat_resets_the_average() -> None:
    state = apply_fill(PositionState(D(5), D(10)), SELL, D(5), D(8))
    assert state == PositionState(D(0), D(0), D(-10))


def test_crossing_zero_closes_the_long_and_opens_a_short_at_the_fill_price() -> None:
    state = apply_fill(PositionState(D(10), D(100)), SELL, D(15), D(110))
    assert state == PositionState(D(-5), D(110), D(100))


def test_a_short_gains_when_bought_back_cheaper() -> None:
    state = apply_fill(PositionState(), SELL, D(10), D(50))
    state = apply_fill(state, SELL, D(10), D(40))
    assert state.qty == D(-20) and state.avg_price == D(45)
    state = apply_fill(state, BUY, D(20), D(30))
    assert state == PositionState(D(0), D(0), D(300))


def test_fees_are_realised_losses_and_leave_cash() -> None:
    state = apply_fill(PositionState(), BUY, D(10), D(100), fee=D("1.5"))
    assert state.realized == D("-1.5")
    assert cash_effect(BUY, D(10), D(100), D("1.5")) == D("-1001.5")
    assert cash_effect(SELL, D(10), D(100), D("1.5")) == D("998.5")


def test_unrealised_pl_and_value_at_a_price() -> None:
    state = PositionState(D(-5), D(110))
    assert state.unrealized(D(100)) == D(50)
    assert state.market_value(D(100)) == D(-500)


@pytest.mark.parametrize("fills", [[(BUY, 3, "10.01"), (BUY, 7, "10.02"), (SELL, 10, "10.5")]])
def test_round_trip_realises_exactly_the_cash_made(fills: list[tuple[OrderSide, int, str]]) -> None:
    state, cash = PositionState(), D(0)
    for side, qty, price in fills:
        state = apply_fill(state, side, D(qty), D(price))
        cash += cash_effect(side, D(qty), D(price))
    assert state.qty == 0
    assert state.realized == cash
