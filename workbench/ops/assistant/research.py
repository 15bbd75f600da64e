"""The assistant's analysis and research tools: indicators, performance, risk, stress,
allocation, the rebalance plan (the drift of the book against targets), grid search and
walk-forward, runs and parity, reports. Each calls the use case the CLI calls and keeps the
key numbers; a generated report is a ``workbench://reports/<id>`` link read in pages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from workbench.model.plain import to_plain
from workbench.ops import allocation, analysis, monitor, parity, portfolio, report, strategy
from workbench.ops.assistant.calls import Answer

if TYPE_CHECKING:
    from workbench.runtime import Runtime

__all__ = [
    "acknowledge",
    "allocate",
    "create_rule",
    "generate_report",
    "indicators",
    "optimize",
    "parity_report",
    "performance",
    "rebalance_plan",
    "risk",
    "runs",
    "stress",
    "walk_forward",
]


def _plain(value: Any) -> Any:
    return to_plain(value.to_dict() if hasattr(value, "to_dict") else value)


def _book(weights: Mapping[str, float] | None, value: float | None) -> portfolio.BookSpec:
    """Hypothetical weights of ``value``, or (with none) the account's book in the ledger."""
    return portfolio.BookSpec(weights=weights, value=value) if weights else portfolio.BookSpec()


def indicators(
    rt: Runtime,
    symbols: Sequence[str],
    name: str,
    params: Mapping[str, object] | None,
    start: date | None,
    end: date | None,
    tail: int,
) -> Answer:
    result = analysis.indicators(rt, symbols, name, params, start=start, end=end, tail=tail)
    values = to_plain(result.values)
    last = {row["symbol"]: row for row in values}
    outputs = ", ".join(result.outputs)
    summary = f"{result.name} {result.params} ({outputs}) over {len(result.symbols)} symbols"
    return Answer(summary, {"last": last, "rows": values})


def performance(
    rt: Runtime,
    symbols: Sequence[str] | None,
    run_id: int | None,
    start: date | None,
    end: date | None,
) -> Answer:
    found = analysis.performance(
        rt, symbols or (), run_id=None if run_id is None else str(run_id), start=start, end=end
    )
    plain = _plain(found)
    keys = ("total_return", "cagr", "sharpe", "max_drawdown")
    brief = {
        subject: {k: figures.get(k) for k in keys}
        for subject, figures in to_plain(found.summaries).items()
    }
    return Answer(f"performance of {', '.join(brief)}: {brief}"[:300], plain)


def risk(rt: Runtime, weights: Mapping[str, float] | None, value: float | None) -> Answer:
    found = portfolio.portfolio_risk(rt, _book(weights, value))
    plain = _plain(found)
    return Answer(f"risk of the {found.book.source} book: VaR, ES, exposure, liquidity", plain)


def stress(rt: Runtime, weights: Mapping[str, float] | None, value: float | None) -> Answer:
    found = portfolio.stress(rt, _book(weights, value))
    worst = min(found.results, key=lambda r: r.pnl, default=None)
    plain = _plain(found)
    name = None if worst is None else f"{worst.scenario} ({worst.pnl:,.0f})"
    return Answer(
        f"{len(found.results)} stress scenarios on equity {found.equity:,.0f}; worst: {name}", plain
    )


def allocate(rt: Runtime, symbols: Sequence[str], method: str, lookback: int | None) -> Answer:
    found = allocation.allocate(rt, symbols, method, lookback=lookback)
    weights = {str(k): float(v) for k, v in found.result.weights.items()}
    shown = ", ".join(f"{k} {v:.1%}" for k, v in weights.items())
    return Answer(f"{method} weights: {shown}"[:300], _plain(found))


def rebalance_plan(
    rt: Runtime, targets: Mapping[str, float] | None, method: str, symbols: Sequence[str] | None
) -> Answer:
    found = allocation.rebalance(
        rt, portfolio.BookSpec(), targets=targets, method=method, symbols=symbols
    )
    plain = _plain(found)
    orders = plain.get("orders") or plain.get("plan", {}).get("orders") or []
    return Answer(
        f"rebalance of the account's book: {len(orders)} trades to reach the targets", plain
    )


def optimize(
    rt: Runtime,
    name: str,
    symbols: Sequence[str],
    grid: Mapping[str, object],
    objective: str,
    start: date | None,
    end: date | None,
) -> Answer:
    found = strategy.optimize(rt, name, symbols, grid, objective=objective, start=start, end=end)
    plain = _plain(found)
    best = plain.get("best") or plain.get("best_params")
    return Answer(f"grid of {name} by {objective}: best {best}"[:300], plain)


def walk_forward(
    rt: Runtime,
    name: str,
    symbols: Sequence[str],
    grid: Mapping[str, object],
    train: int,
    test: int,
    objective: str,
) -> Answer:
    found = strategy.walk_forward(
        rt, name, symbols, grid, train=train, test=test, objective=objective
    )
    plain = _plain(found)
    return Answer(f"walk-forward of {name}: {len(plain.get('windows') or [])} windows", plain)


def runs(rt: Runtime, kind: str | None, limit: int) -> Answer:
    found = strategy.runs(rt, kind=kind, limit=limit)
    return Answer(f"{len(found)} runs, newest first", found)


def parity_report(rt: Runtime, run_id: int) -> Answer:
    found = parity.parity(rt, run_id)
    return Answer(f"parity of run {run_id}: {found.sessions} sessions compared", _plain(found))


def generate_report(rt: Runtime, kind: str, run_id: int | None) -> Answer:
    made = report.generate(rt, kind, fmt="json", run_id=run_id)
    link = f"workbench://reports/{made.id}"
    return Answer(f"{kind} report {made.id} written", made.to_dict(), [link])


def acknowledge(rt: Runtime, alert_id: int, by: str) -> Answer:
    found = monitor.acknowledge_alert(rt, alert_id, by=by)
    return Answer(f"alert {alert_id} acknowledged", found)


def create_rule(
    rt: Runtime,
    name: str,
    kind: str,
    params: Mapping[str, Any],
    scope: str | None,
    severity: str,
    owner: str,
) -> Answer:
    found = monitor.add_rule(
        rt, name=name, kind=kind, params=params, scope=scope, severity=severity, owner=owner
    )
    return Answer(f"alert rule {name} ({kind}) added", found)
