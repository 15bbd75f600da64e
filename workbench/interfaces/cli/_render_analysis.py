"""Rich renderings of ``workbench analyze`` results for people (``--json`` bypasses them).

Kept free of pandas at import time: the results arrive already computed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from rich.table import Table

from workbench.interfaces.cli import _render
from workbench.interfaces.cli._common import console

__all__ = [
    "allocation",
    "indicator_list",
    "indicator_values",
    "performance",
    "portfolio_risk",
    "rebalance",
    "stress",
    "symbol_var",
]


def _table(
    title: str, columns: Sequence[str], rows: Iterable[Sequence[str]], *, left: int = 1
) -> None:
    """Cells already formatted; the first ``left`` columns are labels, the rest figures."""
    view = Table(title=title, title_justify="left")
    for position, column in enumerate(columns):
        view.add_column(column, justify="left" if position < left else "right")
    for row in rows:
        view.add_row(*row)
    console.print(view)


def _finite(value: Any) -> bool:
    return value is not None and math.isfinite(float(value))


def _num(value: Any) -> str:
    return f"{float(value):.2f}" if _finite(value) else ""


def _pct(value: Any) -> str:
    return f"{float(value):.2%}" if _finite(value) else ""


def _day(value: Any) -> str:
    return "" if value is None or value != value else f"{value:%Y-%m-%d}"  # NaT != NaT


def _money(value: Any) -> str:
    return f"{float(value):,.2f}" if _finite(value) else ""


def indicator_list(specs: list[Any]) -> None:
    rows = [
        (
            s.name,
            s.group,
            ",".join(s.inputs),
            ",".join(f"{p.name}={p.default:g}" for p in s.parameters),
            ",".join(s.outputs),
        )
        for s in specs
    ]
    columns = ["name", "group", "inputs", "params", "outputs"]
    _table(f"{len(rows)} indicators", columns, rows, left=len(columns))


def indicator_values(result: Any) -> None:
    columns = ["symbol", "timestamp", *result.outputs]
    rows = list(result.values[columns].itertuples(index=False))
    params = ",".join(f"{key}={value:g}" for key, value in result.params.items())
    _render.table(f"{result.name}({params})", columns, rows)


_FIGURES = (
    ("total return", "total_return", _pct),
    ("CAGR", "cagr", _pct),
    ("volatility", "annual_volatility", _pct),
    ("Sharpe", "sharpe", _num),
    ("Sortino", "sortino", _num),
    ("Calmar", "calmar", _num),
    ("max drawdown", "max_drawdown", _pct),
    ("best day", "best_period", _pct),
    ("worst day", "worst_period", _pct),
)


def performance(report: Any) -> None:
    subjects = list(report.summaries)
    rows: list[tuple[str, ...]] = [
        ("period", *(f"{_day(s.start)}..{_day(s.end)}" for s in report.summaries.values()))
    ]
    for label, field, form in _FIGURES:
        values = [getattr(s, field) for s in report.summaries.values()]
        rows.append((label, *(form(v) for v in values)))
    if report.benchmark is not None:
        for label in ("beta", "alpha", "correlation", "information_ratio"):
            values = [getattr(s.benchmark, label) for s in report.summaries.values()]
            form = _pct if label == "alpha" else _num
            rows.append((f"{label} vs {report.benchmark}", *(form(v) for v in values)))
    title = "Performance (buy and hold)" if report.basis == "buy_and_hold" else "Performance"
    _table(title, ["figure", *subjects], rows)
    for subject, table in report.drawdowns.items():
        episodes = [
            (_day(r.peak), _day(r.trough), _day(r.recovery), _pct(r.depth))
            for r in table.itertuples()
        ]
        columns = ["peak", "trough", "recovery", "depth"]
        _table(f"{subject}: deepest drawdowns", columns, episodes, left=0)


def _var_rows(frame: Any) -> list[tuple[str, ...]]:
    return [
        (
            str(method),
            f"{conf:.1%}",
            _pct(r.var),
            _pct(r.expected_shortfall),
            _money(r.var_amount),
            _money(r.expected_shortfall_amount),
        )
        for (method, conf), r in zip(frame.index, frame.itertuples(index=False), strict=True)
    ]


_VAR_COLUMNS = ["method", "confidence", "VaR", "ES", "VaR amount", "ES amount"]


def symbol_var(report: Any) -> None:
    title = f"{report.symbol} VaR / ES, {report.horizon}-day, {report.observations} returns"
    _table(f"{title} {report.start}..{report.end}", _VAR_COLUMNS, _var_rows(report.table))


def portfolio_risk(full: Any) -> None:
    report = full.report
    console.print(f"[bold]Equity[/] {_money(report.equity)}  as of {full.book.as_of}")
    _table("VaR / ES of the book", _VAR_COLUMNS, _var_rows(report.var))
    decomposition = report.portfolio.positions
    rows = [
        (str(s), _money(r.market_value), _money(r.component_var), _pct(r.share))
        for s, r in zip(decomposition.index, decomposition.itertuples(), strict=True)
    ]
    title = f"Delta-normal VaR {_money(report.portfolio.var)} at {report.portfolio.confidence:.0%}"
    _table(title, ["symbol", "market value", "component VaR", "share"], rows)
    sectors = report.exposure.by_sector
    if sectors is not None:
        lines = [(str(s), _money(r.gross), _pct(r.net_fraction)) for s, r in sectors.iterrows()]
        _table("Exposure by sector", ["sector", "gross", "net of equity"], lines)
    from workbench.ops.portfolio import stress_table

    stress(stress_table(report.stress), report.equity)


def stress(table: Any, equity: float) -> None:
    """One row per scenario; the descriptions are in --json, the gaps listed below."""
    rows = [
        (
            str(name),
            _window(r.start, r.end) if r.kind == "historical" else "shock",
            _money(r.pnl) if r.available else "not covered",
            _pct(r.pnl_fraction),
        )
        for name, r in zip(table.index, table.itertuples(), strict=True)
    ]
    columns = ["scenario", "window", "P&L", "of equity"]
    _table(f"Stress tests (equity {_money(equity)})", columns, rows, left=2)
    for name, r in zip(table.index, table.itertuples(), strict=True):
        if r.missing:
            console.print(f"  [yellow]{name}[/]: no prices for {r.missing}, left out")


def _window(start: Any, end: Any) -> str:
    return _day(start) if start == end else f"{_day(start)}..{_day(end)}"


def allocation(report: Any) -> None:
    frame = report.frame()
    rows = [
        (str(s), str(r.sector), _pct(r.weight), _pct(r.risk_share)) for s, r in frame.iterrows()
    ]
    title = f"{report.result.method} weights from {report.start}..{report.end}"
    _table(title, ["symbol", "sector", "weight", "risk share"], rows, left=2)
    for note in report.result.notes:
        console.print(f"  [yellow]note[/] {note}")


def rebalance(report: Any) -> None:
    plan = report.plan
    rows = [
        (o.symbol, o.side.value, str(o.qty), str(o.est_price), _money(o.value)) for o in plan.orders
    ]
    columns = ["symbol", "side", "qty", "price", "value"]
    _table("Planned orders (not submitted)", columns, rows, left=2)
    console.print(
        f"equity {_money(plan.equity)}  cash {_money(plan.cash)} -> {_money(plan.est_cash_after)}"
        f"  costs {_money(plan.est_costs)}  turnover {_pct(plan.turnover)}"
    )
    if plan.skipped:
        console.print(f"  [yellow]skipped[/] (under --min-trade): {', '.join(plan.skipped)}")
