"""One builder per report kind: gather the inputs from the ledger, the lake and stored runs
(``workbench.reporting.inputs``, and the portfolio and allocation use cases), then hand them to
``workbench.reporting``'s builders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Final

import pandas as pd

from workbench.core.errors import DataError, NotFound, ValidationError
from workbench.reporting import (
    HoldingsInput,
    LedgerFilter,
    PerformanceInput,
    Report,
    Section,
    Table,
    alerts_report,
    alerts_section,
    execution_report,
    execution_sections,
    holdings_report,
    holdings_sections,
    ledger_frame,
    performance_report,
    performance_sections,
    quality_report,
    quality_section,
    risk_report_model,
)
from workbench.reporting.inputs import (
    AccountRef,
    RunInfo,
    account_performance,
    benchmark_returns,
    execution_input,
    find_account,
    find_run,
    ledger_cash,
    position_marks,
)

if TYPE_CHECKING:
    from workbench.analysis import LimitCheck
    from workbench.runtime import Runtime

__all__ = ["BUILDERS", "KINDS", "Request", "check_kind"]

KINDS: Final = ("performance", "risk", "holdings", "execution", "alerts", "quality", "daily")
_ALERT_COLUMNS = [
    "id", "raised_at", "severity", "state", "scope", "message", "acknowledged_at", "resolved_at",
]  # fmt: skip


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValidationError(f"unknown report kind {kind!r}; valid: {', '.join(KINDS)}")
    return kind


@dataclass(frozen=True)
class Request:
    rt: Runtime
    params: dict[str, Any]
    run: RunInfo | None
    start: date | None
    end: date | None
    account: str | None
    extra_tables: tuple[Table, ...]
    extra_notes: tuple[str, ...]
    limits: tuple[LimitCheck, ...] = ()

    @property
    def run_id(self) -> int | None:
        return None if self.run is None else self.run.id

    def book_account(self) -> AccountRef:
        return find_account(self.rt.ledger, self.account, run_id=self.run_id)

    @property
    def period(self) -> tuple[date | None, date | None]:
        """The dates asked for; a run's own span (its ``start``/``end`` parameters) fills in
        what was not asked, so a finished run is not marked to market for ever after."""
        params = {} if self.run is None else self.run.params
        return self.start or _day(params.get("start")), self.end or _day(params.get("end"))

    def where(self, account: AccountRef | None = None) -> LedgerFilter:
        start, end = self.period
        return LedgerFilter(
            start=start,
            end=end,
            account_id=None if account is None else account.id,
            run_id=self.run_id,
        )


def _performance(ask: Request) -> Report:
    return performance_report(_performance_input(ask), params=ask.params)


def _performance_input(ask: Request) -> PerformanceInput:
    rt, run = ask.rt, ask.run
    if run is not None and run.kind in _STORED_RUNS:
        return _stored_run_input(ask, run)
    account = ask.book_account()
    subject = f"account {account.name}"
    if run is not None:
        subject = f"{run.kind} run {run.id} ({run.strategy})"
    return account_performance(rt.ledger, rt.data, account, ask.where(), subject=subject)


def _stored_run_input(ask: Request, run: RunInfo) -> PerformanceInput:
    from workbench.analysis import session_dates
    from workbench.ops import strategy
    from workbench.strategy import BacktestResult, GridResult

    result = strategy.results(ask.rt, run.id)
    if isinstance(result, GridResult):
        raise ValidationError(
            f"run {run.id} is an optimisation (a grid of portfolios); a performance report "
            "reads one backtest or walk-forward run: backtest the parameters you chose"
        )
    returns = result.returns.copy()
    returns.index = session_dates(pd.DatetimeIndex(returns.index))
    returns = _cut(returns, ask.start, ask.end, f"run {run.id}")
    name, reference = benchmark_returns(ask.rt.data, pd.DatetimeIndex(returns.index))
    extra: dict[str, Any] = {}
    if isinstance(result, BacktestResult):
        exposure = result.exposure.set_axis(session_dates(pd.DatetimeIndex(result.exposure.index)))
        closed = result.trades.loc[result.trades["status"] == "closed", "pnl"].astype(float)
        extra = {
            "exposure": exposure["gross"].loc[returns.index],
            "turnover": exposure["turnover"].loc[returns.index],
            "trade_pnl": closed if len(closed) else None,
        }
    equity = result.config.initial_cash * (1.0 + result.returns).cumprod()
    before = equity.set_axis(session_dates(pd.DatetimeIndex(equity.index))).shift(1)
    start_equity = before.fillna(result.config.initial_cash).loc[returns.index[0]]
    return PerformanceInput(
        subject=f"{run.kind} run {run.id} ({run.strategy})",
        returns=returns.rename(f"run {run.id}"),
        initial_equity=float(start_equity),
        benchmark_name=name,
        benchmark=reference,
        **extra,
    )


def _risk(ask: Request) -> Report:
    from workbench.ops.portfolio import portfolio_risk

    spec, book, end = _book_spec(ask)
    # the start stays as asked: VaR wants a long history even for a short run
    risk = portfolio_risk(ask.rt, spec, start=ask.start, end=end)
    return risk_report_model(
        risk.report, book=book, as_of=risk.book.as_of, limits=ask.limits, params=ask.params
    )


def _book_spec(ask: Request) -> tuple[Any, str, date | None]:
    """The book to measure, its name, and the last day it is valued on."""
    from workbench.ops import strategy
    from workbench.ops.portfolio import BookSpec
    from workbench.strategy import BacktestResult

    run = ask.run
    if run is not None and run.kind == "backtest":
        result = strategy.results(ask.rt, run.id)
        if not isinstance(result, BacktestResult):
            raise DataError(f"run {run.id} is recorded as a backtest but holds no backtest result")
        held = result.positions.iloc[-1]
        values = (held * result.prices.iloc[-1]).fillna(0.0)
        cash = result.final_equity - float(values.sum())
        quantities = {str(s): float(q) for s, q in held.items() if q}
        last = pd.Timestamp(result.equity.index[-1]).date()
        spec = BookSpec(quantities=quantities, cash=cash)
        return spec, f"backtest run {run.id} final book", ask.end or last
    account = ask.book_account()
    return BookSpec(account=account.name), f"account {account.name}", ask.period[1]


def _holdings(ask: Request) -> Report:
    return holdings_report(_holdings_input(ask), params=ask.params)


def _holdings_input(ask: Request) -> HoldingsInput:
    from workbench.ops.allocation import rebalance
    from workbench.ops.analysis import symbol_table
    from workbench.ops.portfolio import BookSpec

    account = ask.book_account()
    end = ask.period[1]
    positions, as_of = position_marks(ask.rt.ledger, ask.rt.data, account, end)
    cash = ledger_cash(ask.rt.ledger, account, until=end)
    sectors = symbol_table().set_index("symbol")["sector"]
    positions["sector"] = positions["symbol"].map(sectors).fillna("unknown")
    given, source = _targets(ask)
    plan = targets = None
    if len(positions) or given:
        planned = rebalance(ask.rt, BookSpec(account=account.name), targets=given)
        plan, targets = planned.plan, planned.targets
    return HoldingsInput(
        account.name, as_of, positions, cash, targets=targets, plan=plan, notes=(source,)
    )


def _targets(ask: Request) -> tuple[dict[str, float] | None, str]:
    """The target weights of the named run, else of the latest paper run, else none (the
    rebalance then weighs the held symbols equally)."""
    from workbench.strategy import list_runs

    run = ask.run
    if run is None:
        latest = list_runs(ask.rt.ledger, kind="paper", limit=1)
        run = find_run(ask.rt.ledger, latest[0]["run_id"]) if latest else None
    targets = None if run is None else run.params.get("targets")
    if run is None or not isinstance(targets, dict) or not targets:
        return None, "Targets: the held symbols weighted equally (no run names targets)."
    weights = {str(symbol): float(weight) for symbol, weight in targets.items()}
    return weights, f"Targets: those of {run.kind} run {run.id} ({run.strategy})."


def _execution(ask: Request) -> Report:
    account = None if ask.run is not None else ask.book_account()
    data = execution_input(ask.rt.ledger, ask.rt.data, ask.where(account), **_extra(ask))
    if data.orders.empty:
        start, end = ask.period
        span = f"{start or 'the start'} .. {end or 'the end'}"
        scope = f"account {account.name}" if account is not None else f"run {ask.run_id}"
        raise NotFound(f"{scope} has no orders in {span}")
    title = f"Execution: run {ask.run_id}" if ask.run is not None else "Execution"
    return execution_report(data, title=title, params=ask.params)


def _extra(ask: Request) -> dict[str, Any]:
    return {"extra_tables": ask.extra_tables, "extra_notes": ask.extra_notes}


def _alerts(ask: Request) -> Report:
    start, end = ask.period
    frame = ledger_frame(ask.rt.ledger, "alerts", LedgerFilter(start=start, end=end))
    span = f"{start or 'the start'} to {end or 'now'}"
    return alerts_report(frame.loc[:, _ALERT_COLUMNS], period=span, params=ask.params)


def _quality(ask: Request) -> Report:
    return quality_report(_quality_reports(ask.rt), params=ask.params)


def _quality_reports(rt: Runtime) -> list[Any]:
    return [rt.data.quality(dataset) for dataset in rt.data.datasets()]


def _daily(ask: Request) -> Report:
    """The latest paper session unless a run is named; a part that has nothing to show says so
    instead of failing the whole report."""
    from workbench.strategy import list_runs

    run = ask.run
    if run is None:
        latest = list_runs(ask.rt.ledger, kind="paper", limit=1)
        run = find_run(ask.rt.ledger, latest[0]["run_id"]) if latest else None
    today = Request(ask.rt, ask.params, run, ask.start, ask.end, ask.account, (), ())
    parts: list[tuple[str, Callable[[], tuple[Section, ...]]]] = [
        ("Performance", lambda: performance_sections(_performance_input(today))),
        ("Holdings", lambda: holdings_sections(_holdings_input(today))),
        ("Execution", lambda: _daily_execution(today, ask)),
    ]
    sections: list[Section] = []
    for title, part in parts:
        try:
            sections += part()
        except NotFound as missing:
            sections.append(Section(title.lower(), title, notes=(missing.message,)))
    sections.append(quality_section(_quality_reports(ask.rt)))
    window = LedgerFilter(start=today.period[0], end=today.period[1])
    alerts = ledger_frame(ask.rt.ledger, "alerts", window).loc[:, _ALERT_COLUMNS]
    sections.append(alerts_section(alerts))
    session = "no paper session yet" if run is None else f"paper run {run.id} ({run.strategy})"
    return Report(
        kind="daily",
        title="Daily report",
        subtitle=session,
        generated_at=datetime.now(UTC),
        sections=tuple(sections),
        params=ask.params if run is None else {**ask.params, "run_id": run.id},
    )


def _daily_execution(today: Request, ask: Request) -> tuple[Section, ...]:
    account = None if today.run is not None else today.book_account()
    data = execution_input(ask.rt.ledger, ask.rt.data, today.where(account), **_extra(ask))
    if data.orders.empty:
        raise NotFound("no orders in the session")
    return execution_sections(data)


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _cut(
    returns: pd.Series[float], start: date | None, end: date | None, subject: str
) -> pd.Series[float]:
    index = pd.DatetimeIndex(returns.index)
    keep = (index >= pd.Timestamp(start or index[0])) & (index <= pd.Timestamp(end or index[-1]))
    if int(keep.sum()) < 2:
        span = f"{start or 'the start'} .. {end or 'the end'}"
        raise NotFound(f"{subject} has {int(keep.sum())} return(s) in {span}; need at least 2")
    return returns.loc[keep]


_STORED_RUNS = ("backtest", "walk_forward", "optimize")
BUILDERS: dict[str, Callable[[Request], Report]] = {
    "performance": _performance,
    "risk": _risk,
    "holdings": _holdings,
    "execution": _execution,
    "alerts": _alerts,
    "quality": _quality,
    "daily": _daily,
}
