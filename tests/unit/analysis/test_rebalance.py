"""Rebalance plans: hand-worked books, and a real 60-name book that the plan takes to its
targets within the drift band.

Tolerance: whole shares leave each weight within one share's value of its target, so the
bound checked is band + price / equity (+1e-9).
"""

from __future__ import annotations

import json
from decimal import Decimal

import pandas as pd
import pytest

from workbench.analysis import plan_rebalance, price_returns, target_weights
from workbench.core.errors import DataError, NotFound, ValidationError
from workbench.model import OrderRequest, OrderSide, Position

pytestmark = pytest.mark.requirement("ANA-05")

PRICES = {"A": 100.0, "B": 50.0, "C": 300.0}


def _apply(plan, positions: dict[str, Decimal]) -> dict[str, Decimal]:
    after = dict(positions)
    for order in plan.orders:
        signed = order.qty if order.side == OrderSide.BUY else -order.qty
        after[order.symbol] = after.get(order.symbol, Decimal(0)) + signed
    return after


def test_hand_worked_plan() -> None:
    # equity 10 * 100 + 1000 cash = 2000; A is on target, B needs 1000 / 50 = 20 shares
    plan = plan_rebalance(
        positions={"A": 10}, cash=1000, prices=PRICES, targets={"A": 0.5, "B": 0.5}
    )
    (order,) = plan.orders
    assert (order.symbol, order.side, order.qty) == ("B", OrderSide.BUY, Decimal(20))
    assert (order.est_price, order.value) == (Decimal("50.0000"), Decimal("1000.00"))
    assert plan.equity == Decimal("2000.00") and plan.est_cash_after == Decimal(0)
    assert plan.turnover == pytest.approx(0.5)
    request = order.to_request(client_order_id="rebalance-1")
    assert isinstance(request, OrderRequest) and request.qty == Decimal(20)
    json.dumps(plan.to_dict())


def test_drift_band_leaves_small_drifts_alone() -> None:
    # A is 52 % against a 50 % target: inside a 5 % band, so only B trades
    plan = plan_rebalance(
        positions={"A": 13},
        cash=1200,
        prices=PRICES,
        targets={"A": 0.5, "B": 0.5},
        drift_band=0.05,
    )
    assert [order.symbol for order in plan.orders] == ["B"]
    drift = plan.drift_frame()
    assert drift.loc["A", "drift"] == pytest.approx(0.02) and not drift.loc["A", "traded"]


def test_whole_and_fractional_shares() -> None:
    whole = plan_rebalance(positions={}, cash=1000, prices=PRICES, targets={"C": 1.0})
    assert whole.orders[0].qty == Decimal(3)
    fractional = plan_rebalance(
        positions={}, cash=1000, prices=PRICES, targets={"C": 1.0}, fractional=True
    )
    assert fractional.orders[0].qty == Decimal("3.333333")


def test_cash_buffer_and_costs() -> None:
    plan = plan_rebalance(
        positions={}, cash=10_000, prices=PRICES, targets={"A": 1.0}, cash_buffer=0.05
    )
    assert plan.orders[0].qty == Decimal(95)
    # 100 bps of costs on a fully invested target: the buy is scaled to what cash allows
    costly = plan_rebalance(
        positions={}, cash=10_000, prices=PRICES, targets={"A": 1.0}, cost_bps=100
    )
    assert costly.orders[0].qty == Decimal(99)
    assert costly.est_costs == Decimal("99.00") and costly.est_cash_after >= 0


def test_full_exit_sells_exactly_what_is_held() -> None:
    plan = plan_rebalance(
        positions={"A": Decimal("10.5")}, cash=0, prices=PRICES, targets={"B": 1.0}
    )
    sell, buy = plan.orders  # sells come first
    assert (sell.side, sell.qty) == (OrderSide.SELL, Decimal("10.5"))
    assert (buy.side, buy.qty) == (OrderSide.BUY, Decimal(21))


def test_small_trades_are_skipped() -> None:
    plan = plan_rebalance(
        positions={"A": 10, "B": 19},
        cash=50,
        prices=PRICES,
        targets={"A": 0.5, "B": 0.5},
        min_trade_value=100,
    )
    assert plan.orders == () and plan.skipped == ("B",)
    assert not plan.drift_frame().loc["B", "traded"]


def test_model_positions_and_shorts() -> None:
    positions = [Position("A", Decimal(10), Decimal(90))]
    plan = plan_rebalance(positions=positions, cash=1000, prices=PRICES, targets={"B": -0.1})
    by_symbol = {order.symbol: order for order in plan.orders}
    assert by_symbol["A"].side == OrderSide.SELL and by_symbol["A"].qty == Decimal(10)
    assert by_symbol["B"].side == OrderSide.SELL and by_symbol["B"].qty == Decimal(4)


def test_a_real_book_reaches_its_targets(close: pd.DataFrame) -> None:
    prices = close.iloc[-1]
    positions = {symbol: Decimal(100) for symbol in close.columns[:40]}
    targets = target_weights(price_returns(close), "inverse_volatility").weights
    band = 0.002
    plan = plan_rebalance(
        positions=positions, cash=250_000, prices=prices, targets=targets, drift_band=band
    )
    after = _apply(plan, positions)
    equity = float(plan.est_cash_after) + sum(float(q) * prices[s] for s, q in after.items())
    assert equity == pytest.approx(float(plan.equity), rel=1e-9)  # no costs: value is kept
    for symbol, target in targets.items():
        weight = float(after.get(symbol, 0)) * prices[symbol] / equity
        assert abs(weight - target) <= band + prices[symbol] / equity + 1e-9, symbol
    assert plan.est_cash_after >= 0


def test_bad_plans() -> None:
    with pytest.raises(NotFound, match="no latest price"):
        plan_rebalance(positions={"Z": 1}, cash=10, prices=PRICES, targets={"A": 1.0})
    with pytest.raises(ValidationError, match="must not exceed 1"):
        plan_rebalance(positions={}, cash=10, prices=PRICES, targets={"A": 0.7, "B": 0.7})
    with pytest.raises(DataError, match="equity"):
        plan_rebalance(positions={}, cash=0, prices=PRICES, targets={"A": 1.0})
    with pytest.raises(ValidationError, match="cash_buffer"):
        plan_rebalance(positions={}, cash=10, prices=PRICES, targets={"A": 1}, cash_buffer=1)
    with pytest.raises(DataError, match="positive"):
        plan_rebalance(positions={}, cash=10, prices={"A": 0.0}, targets={"A": 1.0})
