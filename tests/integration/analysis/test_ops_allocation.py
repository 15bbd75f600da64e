"""``workbench.ops.allocation`` on the bundled sample: target weights over a lookback window
and rebalance plans from cash, quantities or the ledger."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from workbench.analysis import WeightConstraints
from workbench.core.errors import DataError, NotFound, ValidationError
from workbench.model import OrderSide
from workbench.ops.allocation import allocate, rebalance
from workbench.ops.portfolio import BookSpec
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("ANA-06")

SYMBOLS = ["AAPL", "MSFT", "XOM", "JPM", "JNJ"]


def test_inverse_volatility_over_the_lookback_matches_numpy(
    rt: Runtime, closes: pd.DataFrame
) -> None:
    report = allocate(rt, SYMBOLS, "inverse_volatility", lookback=126)
    history = closes.loc[:, SYMBOLS].dropna()
    returns = (history / history.shift(1) - 1).dropna().tail(126)
    inverse = 1 / returns.std(ddof=1)
    expected = inverse / inverse.sum()
    assert report.result.observations == 126
    assert report.end == date(2018, 2, 7) and report.start == returns.index[0].date()
    np.testing.assert_allclose(report.result.weights[SYMBOLS], expected[SYMBOLS], rtol=1e-6)
    assert report.result.risk_share.sum() == pytest.approx(1.0)
    frame = report.frame()
    assert frame.loc["XOM", "sector"] == "Energy"
    assert list(frame.columns) == ["sector", "weight", "risk_share"]


def test_hrp_under_weight_and_sector_caps(rt: Runtime) -> None:
    rules = WeightConstraints(max_weight=0.3, max_sector_weight=0.35)
    symbols = ["AAPL", "MSFT", "GOOGL", "XOM", "JPM", "JNJ"]
    steps: list[str] = []
    report = allocate(
        rt,
        symbols,
        "hrp",
        constraints=rules,
        progress=lambda done, total, label: steps.append(label),
    )
    weights = report.result.weights
    assert weights.sum() == pytest.approx(1.0)
    assert (weights <= 0.3 + 1e-9).all()
    assert weights[["AAPL", "MSFT", "GOOGL"]].sum() <= 0.35 + 1e-9
    assert steps == ["reading prices", "allocating (hrp)", "weights ready"]
    document = json.loads(json.dumps(report.to_dict()))
    assert document["method"] == "hrp" and document["constraints"]["max_weight"] == 0.3
    assert [row["symbol"] for row in document["weights"]] == symbols


def test_user_weights_and_a_dated_window(rt: Runtime) -> None:
    report = allocate(
        rt,
        ["AAPL", "MSFT"],
        "user",
        user_weights={"aapl": 0.25, "msft": 0.75},
        lookback=None,
        start=date(2015, 1, 1),
        end=date(2015, 12, 31),
    )
    assert report.result.weights.to_dict() == {"AAPL": 0.25, "MSFT": 0.75}
    assert report.start == date(2015, 1, 5) and report.end == date(2015, 12, 31)
    assert report.result.observations == 251


def test_allocation_bad_input(rt: Runtime) -> None:
    with pytest.raises(ValidationError, match="unknown allocation method 'best'"):
        allocate(rt, SYMBOLS, "best")
    with pytest.raises(ValidationError, match="lookback"):
        allocate(rt, SYMBOLS, "hrp", lookback=1)
    with pytest.raises(NotFound, match="NOSUCH"):
        allocate(rt, ["AAPL", "NOSUCH"], "hrp")
    with pytest.raises(DataError, match="0 daily return"):  # SPY's 2020 bars meet no AAPL bar
        allocate(rt, ["AAPL", "SPY"], "equal_weight", start=date(2017, 12, 29))
    with pytest.raises(ValidationError, match="cannot sum to 1"):
        allocate(rt, SYMBOLS, "equal_weight", constraints=WeightConstraints(max_weight=0.1))


def test_rebalance_cash_into_targets(rt: Runtime, closes: pd.DataFrame) -> None:
    spec = BookSpec(quantities={}, cash=100_000)
    report = rebalance(rt, spec, targets={"aapl": 0.5, "xom": 0.25}, cost_bps=10)
    last = closes.loc["2018-02-07"]
    orders = {order.symbol: order for order in report.plan.orders}
    assert orders["AAPL"].side == OrderSide.BUY
    assert orders["AAPL"].qty == Decimal(int(50_000 / last["AAPL"]))
    assert orders["XOM"].qty == Decimal(int(25_000 / last["XOM"]))
    assert report.allocation is None
    assert report.prices.to_dict() == pytest.approx({"AAPL": last["AAPL"], "XOM": last["XOM"]})
    document = json.loads(json.dumps(report.to_dict()))
    assert document["submitted"] is False
    assert document["book"]["source"] == "quantities" and document["book"]["as_of"] is None
    assert {o["symbol"] for o in document["orders"]} == {"AAPL", "XOM"}
    assert Decimal(document["est_costs"]) > 0


def test_rebalance_held_symbols_to_equal_weight(rt: Runtime, closes: pd.DataFrame) -> None:
    spec = BookSpec(quantities={"AAPL": 300, "MSFT": 10}, cash=1_000)
    report = rebalance(rt, spec, method="equal_weight", min_trade_value=100)
    assert report.allocation is not None
    assert report.targets.to_dict() == pytest.approx({"AAPL": 0.5, "MSFT": 0.5})
    sides = {order.symbol: order.side for order in report.plan.orders}
    assert sides == {"AAPL": OrderSide.SELL, "MSFT": OrderSide.BUY}
    assert report.plan.orders[0].side == OrderSide.SELL  # sells free the cash first


def test_rebalance_the_ledger_book_into_an_allocation(own_rt: Runtime, put_holdings) -> None:
    put_holdings(own_rt, {"AAPL": "100", "GE": "50"}, ("5000",))
    report = rebalance(own_rt, BookSpec(), method="inverse_volatility", symbols=["AAPL", "XOM"])
    sides = {order.symbol: order.side for order in report.plan.orders}
    assert sides["GE"] == OrderSide.SELL
    assert next(o for o in report.plan.orders if o.symbol == "GE").qty == Decimal(50)
    assert sides["XOM"] == OrderSide.BUY
    assert report.book.source == "ledger"


def test_rebalance_bad_input(rt: Runtime, own_rt: Runtime) -> None:
    with pytest.raises(ValidationError, match="must not exceed 1"):
        rebalance(rt, BookSpec(quantities={}, cash=1_000), targets={"AAPL": 0.7, "MSFT": 0.6})
    with pytest.raises(NotFound, match="the ledger has no accounts"):
        rebalance(own_rt, BookSpec(), targets={"AAPL": 1.0})
    with pytest.raises(ValidationError, match="cash only needs targets, or symbols"):
        rebalance(rt, BookSpec(quantities={}, cash=1_000), method="hrp")
    with pytest.raises(DataError, match="equity"):
        rebalance(rt, BookSpec(quantities={}, cash=0), targets={"AAPL": 1.0})
