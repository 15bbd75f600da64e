"""The analysis routes answer what their ops function returns for the same parameters, and
refuse what is out of bounds with a 422 naming the field."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from workbench.model import to_plain
from workbench.ops import allocation, analysis, portfolio
from workbench.runtime import Runtime

pytestmark = pytest.mark.requirement("INT-03")

BASE = "/api/v1/analysis"
BOOK = {"weights": {"AAPL": 0.5, "MSFT": 0.3}, "value": 100_000}


def test_the_indicator_catalog_pages_and_values_equal_ops(
    client: TestClient, runtime: Runtime
) -> None:
    every = analysis.indicator_list()
    first = client.get(f"{BASE}/indicators", params={"limit": 3}).json()
    second = client.get(f"{BASE}/indicators", params={"limit": 3, "offset": 3}).json()
    assert first["total"] == len(every) > 6
    assert first["indicators"] + second["indicators"] == [s.to_dict() for s in every[:6]]
    assert client.get(f"{BASE}/indicators", params={"limit": 201}).status_code == 422
    values = client.get(
        f"{BASE}/indicators/RSI",
        params={"symbols": "aapl,MSFT", "params": "timeperiod=10", "tail": 4},
    )
    assert values.status_code == 200, values.text
    expected = analysis.indicators(runtime, ["AAPL", "MSFT"], "RSI", {"timeperiod": "10"}, tail=4)
    assert values.json() == to_plain(expected.to_dict())
    assert len(values.json()["rows"]) == 8
    unknown = client.get(f"{BASE}/indicators/NOPE", params={"symbols": "AAPL"})
    assert unknown.status_code in (404, 422) and "NOPE" in unknown.json()["detail"]


def test_performance_and_a_symbols_var_equal_ops(client: TestClient, runtime: Runtime) -> None:
    window = {"start": "2017-01-01", "end": "2017-12-31"}
    got = client.get(f"{BASE}/performance", params={"symbols": "AAPL", **window}).json()
    report = analysis.performance(runtime, ["AAPL"], start=date(2017, 1, 1), end=date(2017, 12, 31))
    assert got == to_plain(report.to_dict())
    neither = client.get(f"{BASE}/performance")
    assert neither.status_code == 422 and "symbols or a run id" in neither.json()["detail"]
    params = {"confidence": [0.9, 0.975], "method": "historical", "horizon": 5, "value": 1000}
    var = client.get(f"{BASE}/risk/msft", params=params).json()
    expected = analysis.symbol_var(
        runtime, "MSFT", confidences=[0.9, 0.975], method="historical", horizon=5, value=1000
    )
    assert var == to_plain(expected.to_dict())
    assert len(var["var"]) == 2


def test_out_of_bounds_parameters_are_422_naming_the_field(client: TestClient) -> None:
    def field(response: object) -> str:
        body = response.json()  # type: ignore[attr-defined]
        assert response.status_code == 422, body  # type: ignore[attr-defined]
        return str(body["errors"][0]["field"]) if "errors" in body else str(body["detail"])

    assert field(client.get(f"{BASE}/risk/AAPL", params={"confidence": 1.5})).startswith(
        "query.confidence"
    )
    assert field(client.get(f"{BASE}/risk/AAPL", params={"method": "guess"})) == "query.method"
    assert field(client.get(f"{BASE}/risk/AAPL", params={"horizon": 0})) == "query.horizon"
    many = ",".join(f"S{i}" for i in range(51))
    assert "at most 50 symbols" in field(client.get(f"{BASE}/allocation", params={"symbols": many}))
    bad = client.get(f"{BASE}/allocation", params={"symbols": "AAPL", "method": "astrology"})
    assert field(bad) == "query.method"
    both = {"book": {"weights": {"AAPL": 1}, "quantities": {"AAPL": 1}}}
    assert field(client.post(f"{BASE}/risk", json=both)) == "body.book"
    unknown = {"book": BOOK, "leverage": 3}
    assert field(client.post(f"{BASE}/risk", json=unknown)) == "body.leverage"


def test_a_books_risk_and_stress_equal_ops(client: TestClient, runtime: Runtime) -> None:
    spec = portfolio.BookSpec(weights=BOOK["weights"], value=100_000)  # type: ignore[arg-type]
    body = {"book": BOOK, "confidences": [0.95], "method": "parametric", "lookback": 250}
    risk = client.post(f"{BASE}/risk", json=body)
    assert risk.status_code == 200, risk.text
    expected = portfolio.portfolio_risk(
        runtime, spec, confidences=[0.95], method="parametric", lookback=250
    )
    assert risk.json() == to_plain(expected.to_dict())
    shock = {"book": BOOK, "shock": -0.2, "symbol_shocks": {"AAPL": -0.5}}
    stressed = client.post(f"{BASE}/stress", json=shock)
    assert stressed.status_code == 200, stressed.text
    moves = portfolio.Shock("your shock", everything=-0.2, symbols={"AAPL": -0.5})
    assert stressed.json() == to_plain(portfolio.stress(runtime, spec, shocks=[moves]).to_dict())


def test_allocation_and_a_rebalance_plan_that_sends_nothing(
    client: TestClient, runtime: Runtime
) -> None:
    params = {"symbols": "AAPL,MSFT,JPM", "method": "min_variance", "max_weight": 0.6}
    got = client.get(f"{BASE}/allocation", params=params).json()
    expected = allocation.allocate(
        runtime,
        ["AAPL", "MSFT", "JPM"],
        "min_variance",
        constraints=allocation.WeightConstraints(max_weight=0.6),
    )
    assert got == to_plain(expected.to_dict())
    body = {"book": {"quantities": {"AAPL": 10}, "cash": 50_000}, "targets": {"MSFT": 0.5}}
    plan = client.post(f"{BASE}/rebalance", json=body)
    assert plan.status_code == 200, plan.text
    assert plan.json()["submitted"] is False
    assert {o["symbol"] for o in plan.json()["orders"]} == {"AAPL", "MSFT"}
    assert client.get("/api/v1/orders").json() == []
    weights_book = {"book": BOOK, "targets": {"MSFT": 0.5}}
    assert client.post(f"{BASE}/rebalance", json=weights_book).status_code == 422


@pytest.mark.slow  # skfolio and its solver load on first use
def test_the_frontier_equals_ops(client: TestClient, runtime: Runtime) -> None:
    curve = client.get(f"{BASE}/frontier", params={"symbols": "AAPL,MSFT,JPM", "points": 5})
    assert curve.status_code == 200, curve.text
    traced = allocation.frontier(runtime, ["AAPL", "MSFT", "JPM"], points=5)
    assert curve.json()["points"] == to_plain(traced.points)
    assert curve.json()["weights"] == to_plain(traced.weights)
    assert (
        client.get(f"{BASE}/frontier", params={"symbols": "AAPL", "points": 101}).status_code == 422
    )


def test_a_viewer_may_not_run_analysis(client: TestClient, runtime: Runtime) -> None:
    from tests.integration.api.conftest import key_for

    client.headers["Authorization"] = f"Bearer {key_for(runtime, 'viewer')}"
    assert client.get(f"{BASE}/indicators").status_code == 403
    assert client.post(f"{BASE}/stress", json={"book": BOOK}).status_code == 403
