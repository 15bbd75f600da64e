"""``workbench.ops.portfolio`` on the bundled sample: books from weights, quantities or the
ledger, the full risk report and stress tests, checked against numpy on the bundled file."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from workbench.analysis import HistoricalScenario, Shock
from workbench.core.errors import NotFound, ValidationError
from workbench.ops.portfolio import BookSpec, load_book, portfolio_risk, stress
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("ANA-06")

LAST = pd.Timestamp("2018-02-07")


def test_a_book_of_weights_is_worth_its_value(rt: Runtime, closes: pd.DataFrame) -> None:
    book = load_book(rt, BookSpec(weights={"aapl": 0.5, "XOM": 0.3}, value=200_000))
    assert book.source == "weights" and book.as_of == date(2018, 2, 7)
    assert float(book.held["AAPL"]) == pytest.approx(100_000 / closes.at[LAST, "AAPL"])
    assert float(book.held["XOM"]) == pytest.approx(60_000 / closes.at[LAST, "XOM"])
    assert book.cash == pytest.approx(Decimal(40_000))
    assert book.market_values.to_dict() == pytest.approx({"AAPL": 100_000, "XOM": 60_000})


def test_a_book_as_of_an_earlier_day(rt: Runtime, closes: pd.DataFrame) -> None:
    book = load_book(rt, BookSpec(quantities={"MSFT": 10}, cash=5), end=date(2016, 6, 30))
    assert book.as_of == date(2016, 6, 30)
    assert book.market_values["MSFT"] == pytest.approx(10 * closes.at["2016-06-30", "MSFT"])


def test_books_that_make_no_sense(rt: Runtime) -> None:
    with pytest.raises(ValidationError, match="not both"):
        load_book(rt, BookSpec(weights={"AAPL": 1.0}, quantities={"AAPL": 1}))
    with pytest.raises(ValidationError, match="value goes with weights"):
        load_book(rt, BookSpec(quantities={"AAPL": 1}, value=10))
    with pytest.raises(ValidationError, match="cash goes with quantities"):
        load_book(rt, BookSpec(weights={"AAPL": 1.0}, cash=10))
    with pytest.raises(ValidationError, match="no positions"):
        load_book(rt, BookSpec(quantities={"AAPL": 0}))
    with pytest.raises(ValidationError, match="value must be positive"):
        load_book(rt, BookSpec(weights={"AAPL": 1.0}, value=-1))
    with pytest.raises(NotFound, match="NOSUCH"):
        load_book(rt, BookSpec(quantities={"NOSUCH": 1}))


def test_risk_report_of_a_book_matches_numpy(rt: Runtime, closes: pd.DataFrame) -> None:
    weights = {"AAPL": 0.4, "MSFT": 0.3, "XOM": 0.2}
    steps: list[str] = []
    result = portfolio_risk(
        rt,
        BookSpec(weights=weights, value=1_000_000),
        method="historical",
        progress=lambda done, total, label: steps.append(label),
    )
    report = result.report
    assert steps[0] == "reading the book and prices" and steps[-1] == "risk report ready"
    assert report.equity == pytest.approx(1_000_000)
    assert list(report.var.index) == [("historical", 0.95), ("historical", 0.99)]
    # what today's book would have returned each day, as a share of equity
    history = closes.loc[:, list(weights)].dropna()
    daily = (history / history.shift(1) - 1).dropna().to_numpy()
    book = daily @ (np.array(list(weights.values())) * 1_000_000) / 1_000_000
    cutoff = np.quantile(book, 0.05)
    row = report.var.loc[("historical", 0.95)]
    assert row["var"] == pytest.approx(-cutoff, rel=1e-9)
    assert row["var_amount"] == pytest.approx(-cutoff * 1_000_000, rel=1e-9)
    positions = report.portfolio.positions
    assert positions["component_var"].sum() == pytest.approx(report.portfolio.var, rel=1e-9)
    sectors = report.exposure.by_sector
    assert sectors is not None
    assert sectors.loc["Information Technology", "gross"] == pytest.approx(700_000)
    assert report.liquidity is not None and set(report.liquidity.index) == set(weights)
    assert [s.scenario for s in report.stress][-1] == "every symbol -10%"
    assert report.stress[-1].pnl == pytest.approx(-90_000)


def test_risk_report_to_dict_is_plain_json(rt: Runtime) -> None:
    spec = BookSpec(quantities={"AAPL": 100, "JPM": -50}, cash=10_000)
    document = json.loads(json.dumps(portfolio_risk(rt, spec, confidences=[0.99]).to_dict()))
    assert document["book"] == {
        "source": "quantities",
        "as_of": "2018-02-07",
        "cash": "10000",
        "quantities": {"AAPL": "100", "JPM": "-50"},
    }
    assert {row["method"] for row in document["var"]} == {
        "historical",
        "parametric",
        "cornish_fisher",
        "monte_carlo",
    }
    assert {row["confidence"] for row in document["var"]} == {0.99}
    assert document["exposure"]["short"] < 0
    assert len(document["stress"]) == 4


def test_the_ledger_book(own_rt: Runtime, put_holdings) -> None:
    with pytest.raises(NotFound, match="the ledger has no accounts"):
        portfolio_risk(own_rt, BookSpec())
    put_holdings(own_rt, {"AAPL": "10", "MSFT": "-5.5", "XOM": "0"}, ("1000.25", "-200"))
    book = load_book(own_rt, BookSpec())
    assert book.source == "ledger"
    assert book.held == {"AAPL": Decimal("10"), "MSFT": Decimal("-5.5")}
    assert book.cash == Decimal("800.25")
    report = portfolio_risk(own_rt, BookSpec(), method="parametric").report
    assert report.equity == pytest.approx(10 * 159.54 - 5.5 * 89.61 + 800.25)


def test_ledger_accounts_must_be_told_apart(own_rt: Runtime, put_holdings) -> None:
    put_holdings(own_rt, {"AAPL": "10"}, ("100",), account="alpha")
    put_holdings(own_rt, {}, ("100",), account="beta")
    with pytest.raises(ValidationError, match="alpha, beta: pick one with --account"):
        load_book(own_rt, BookSpec())
    assert load_book(own_rt, BookSpec(account="alpha")).held == {"AAPL": Decimal(10)}
    with pytest.raises(ValidationError, match="ledger account 'beta' holds no positions"):
        load_book(own_rt, BookSpec(account="beta"))
    assert load_book(own_rt, BookSpec(account="beta"), cash_only=True).cash == Decimal(100)
    with pytest.raises(NotFound, match="no ledger account 'gamma'"):
        load_book(own_rt, BookSpec(account="gamma"))


def test_stress_replays_windows_and_applies_shocks(rt: Runtime, closes: pd.DataFrame) -> None:
    spec = BookSpec(quantities={"AAPL": 100, "XOM": -40}, cash=50_000)
    report = stress(rt, spec)
    values = {"AAPL": 100 * closes.at[LAST, "AAPL"], "XOM": -40 * closes.at[LAST, "XOM"]}
    assert report.equity == pytest.approx(sum(values.values()) + 50_000)
    brexit = next(r for r in report.results if r.scenario == "Brexit vote")
    moves = closes.loc["2016-06-24", ["AAPL", "XOM"]] / closes.loc["2016-06-23", ["AAPL", "XOM"]]
    assert brexit.pnl == pytest.approx(sum(values[s] * (moves[s] - 1) for s in values))
    assert report.results[-1].pnl == pytest.approx(-0.1 * sum(values.values()))
    assert list(report.table().index)[:3] == [
        "August 2015 flash crash",
        "Brexit vote",
        "February 2018 volatility shock",
    ]


def test_stress_with_own_windows_and_shocks(rt: Runtime, closes: pd.DataFrame) -> None:
    spec = BookSpec(weights={"AAPL": 0.5, "XOM": 0.5}, value=100_000)
    windows = [
        HistoricalScenario("Jan 2016", date(2016, 1, 4), date(2016, 1, 29)),
        HistoricalScenario("before the data", date(2000, 1, 3), date(2000, 1, 31)),
    ]
    shock = Shock("oil", everything=-0.05, sectors={"Energy": -0.2})
    report = stress(rt, spec, windows=windows, shocks=[shock])
    january, early, oil = report.results
    move = closes.loc["2016-01-29", ["AAPL", "XOM"]] / closes.loc["2015-12-31", ["AAPL", "XOM"]]
    assert january.pnl == pytest.approx(50_000 * float((move - 1).sum()))
    assert early.available is False and "does not cover" in early.note
    assert oil.pnl == pytest.approx(50_000 * -0.05 + 50_000 * -0.2)
    document = json.loads(json.dumps(report.to_dict()))
    assert [s["scenario"] for s in document["scenarios"]] == ["Jan 2016", "before the data", "oil"]
    with pytest.raises(ValidationError, match="no position is in sector"):
        stress(rt, spec, shocks=[Shock("x", sectors={"Utilities": -0.1})])
