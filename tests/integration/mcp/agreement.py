"""What each read tool answered, checked against ``workbench.ops`` called directly on the same
home with the same arguments (``check_agreement``). An answer cut to size keeps the first items
of its lists: those are compared, in order."""

from __future__ import annotations

from typing import Any

import pytest

from workbench.model import to_plain
from workbench.ops import (
    allocation,
    analysis,
    audit,
    data,
    monitor,
    portfolio,
    report,
    strategy,
    trade,
)
from workbench.runtime import Runtime

__all__ = ["check_agreement"]

BOOK = {"SPY": 0.4, "AAPL": 0.3, "MSFT": 0.3}


def _prefix(answered: list[Any], direct: list[Any]) -> None:
    assert answered, "the answer kept no item"
    assert answered == direct[: len(answered)]


def check_agreement(rt: Runtime, got: dict[str, Any], walk: dict[str, Any]) -> None:
    _market(rt, got)
    _strategies(rt, got, walk)
    _book(rt, got)
    _analysis(rt, got)
    _records(rt, got)


def _market(rt: Runtime, got: dict[str, Any]) -> None:
    _prefix(got["market_coverage"]["data"], to_plain(data.coverage(rt)))
    _prefix(got["market_latest"]["data"], to_plain(data.latest(rt, None)))
    quality = to_plain(data.quality(rt, symbols=None))
    answered = got["market_quality"]["data"]
    assert (answered["rows_in"], answered["rows_accepted"]) == (
        quality["rows_in"],
        quality["rows_accepted"],
    )
    rules = [(i["rule"], i["count"]) for i in quality["issues"]]
    _prefix([(i["rule"], i["count"]) for i in answered["issues"]], rules)


def _strategies(rt: Runtime, got: dict[str, Any], walk: dict[str, Any]) -> None:
    names = [s["name"] for s in strategy.strategies(rt)]
    assert [s["name"] for s in got["strategy_list"]["data"]] == names
    assert got["strategy_show"]["data"] == to_plain(strategy.show(rt, "sma_crossover"))
    backtest = got["strategy_backtest"]["data"]
    stored = to_plain(strategy.results(rt, backtest["run_id"]).to_dict())
    for key in ("final_equity", "trades", "orders"):
        assert backtest[key] == stored[key] == got["strategy_results"]["data"][key], key
    assert backtest["stats"]["sharpe"] == pytest.approx(stored["stats"]["sharpe"])
    assert walk["page"]["rows_total"] == backtest["trades"]

    # a grid and a walk-forward are the dearest calls: their stored runs, read back through
    # ops, stand for running them again
    answered = got["strategy_optimize"]["data"]
    best = to_plain(strategy.results(rt, answered["run_id"]).to_dict())
    assert answered["best_params"] == best["best_params"]
    assert answered["best_value"] == pytest.approx(best["best_value"])
    assert answered["combinations"] == best["combinations"] == 6
    answered = got["strategy_walk_forward"]["data"]
    walked = to_plain(strategy.results(rt, answered["run_id"]).to_dict())
    for key in ("in_sample_mean", "out_of_sample_mean", "final_equity"):
        assert answered[key] == pytest.approx(walked[key]), key

    runs = got["runs_list"]["data"]
    stored_runs = strategy.runs(rt, limit=500)
    newest = runs[0]["run_id"]
    direct = [(r["run_id"], r["kind"]) for r in stored_runs if r["run_id"] <= newest]
    assert [(r["run_id"], r["kind"]) for r in runs] == direct
    assert {"backtest", "optimize", "walk_forward"} <= {kind for _, kind in direct}


def _book(rt: Runtime, got: dict[str, Any]) -> None:
    assert got["portfolio_account"]["data"] == to_plain(trade.account(rt).to_dict())
    assert got["portfolio_positions"]["data"] == to_plain(trade.positions(rt))
    assert got["orders_list"]["data"] == to_plain(trade.orders(rt, status="all", limit=500))
    assert got["alerts_list"]["data"] == to_plain(monitor.list_alerts(rt, limit=500))
    targets = {"SPY": 0.5, "AAPL": 0.5}
    plan = to_plain(allocation.rebalance(rt, portfolio.BookSpec(), targets=targets).to_dict())
    answered = got["portfolio_rebalance_plan"]["data"]
    assert answered["orders"] == plan["orders"] and answered["drift"] == plan["drift"]
    assert answered["est_cash_after"] == plan["est_cash_after"]


def _analysis(rt: Runtime, got: dict[str, Any]) -> None:
    found = analysis.indicators(rt, ["SPY", "AAPL", "MSFT"], "rsi", None, tail=250)
    rows = to_plain(found.values)
    last = {row["symbol"]: row for row in rows}
    assert got["analysis_indicators"]["data"]["last"] == last
    _prefix(got["analysis_indicators"]["data"]["rows"], rows)

    symbols = ["SPY", "AAPL", "MSFT", "GOOGL"]
    summaries = to_plain(analysis.performance(rt, symbols).summaries)
    for result in got["analysis_performance"]["data"]["results"]:
        direct = summaries[result["subject"]]
        for key in ("total_return", "cagr", "sharpe", "max_drawdown"):
            assert result["summary"][key] == pytest.approx(direct[key]), (result["subject"], key)

    book = portfolio.BookSpec(weights=BOOK)
    risk = to_plain(portfolio.portfolio_risk(rt, book).to_dict())
    answered = got["analysis_risk"]["data"]
    assert answered["market_values"] == pytest.approx(risk["market_values"])
    for key in ("var", "expected_shortfall", "volatility"):
        assert answered["portfolio"][key] == pytest.approx(risk["portfolio"][key]), key
    stress = {
        s["scenario"]: s["pnl"] for s in to_plain(portfolio.stress(rt, book).to_dict())["scenarios"]
    }
    answered_stress = got["analysis_stress"]["data"]["scenarios"]
    assert answered_stress
    for scenario in answered_stress:
        assert scenario["pnl"] == pytest.approx(stress[scenario["scenario"]]), scenario["scenario"]

    weights = allocation.allocate(rt, ["SPY", "AAPL", "MSFT"], "min_variance").to_dict()
    assert got["analysis_allocation"]["data"]["weights"] == to_plain(weights["weights"])


def _records(rt: Runtime, got: dict[str, Any]) -> None:
    verified = got["audit_verify"]["data"]
    chain = audit.records(rt, limit=10_000)
    by_seq = {r["seq"]: r for r in chain}
    assert verified["ok"] and by_seq[verified["records"]]["hash"] == verified["head_hash"]
    answered = got["audit_query"]["data"]
    newest = answered[0]["seq"]
    direct = [(r["seq"], r["kind"], r["hash"]) for r in chain if r["seq"] <= newest]
    _prefix([(r["seq"], r["kind"], r["hash"]) for r in answered], direct)

    made = got["reports_generate"]["data"]
    stored = next(r for r in report.reports(rt, limit=100) if r.id == made["id"])
    assert (made["kind"], made["path"]) == ("holdings", str(stored.path))
