"""A paper or live run as it stands: its orders, fills, equity curve, positions and the audit
chain's status (what ``workbench trade run`` and the daily job print, and reports read)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from workbench.core.errors import NotFound, ValidationError
from workbench.execution import FillView, PositionView
from workbench.ledger import FillRow, OrderRow, PositionRow, RunRow, verify_audit_chain
from workbench.model import OrderStatus

if TYPE_CHECKING:
    from workbench.runtime import Runtime

__all__ = ["TRADING_KINDS", "RunSummary", "run_summary", "trading_runs"]

#: the kinds of run that trade through the execution engine (``workbench trade run``)
TRADING_KINDS = ("paper", "live")


@dataclass(frozen=True)
class RunSummary:
    run_id: int
    kind: str
    strategy: str
    params: dict[str, Any]
    symbols: list[str]
    account: str
    status: str
    start: str | None
    end: str | None
    sessions: int
    initial_equity: Decimal
    final_equity: Decimal
    orders: int
    fills: int
    rejected: int
    positions: list[PositionView] = field(default_factory=list)
    executions: list[FillView] = field(default_factory=list)
    equity: list[list[str]] = field(default_factory=list)
    audit: dict[str, Any] = field(default_factory=dict)

    @property
    def total_return(self) -> float:
        if not self.initial_equity:
            return 0.0
        return float(self.final_equity / self.initial_equity - 1)

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k not in ("positions", "executions")}
        out["initial_equity"], out["final_equity"] = (
            str(self.initial_equity),
            str(self.final_equity),
        )
        out["total_return"] = self.total_return
        out["positions"] = [p.to_dict() for p in self.positions]
        out["executions"] = [f.to_dict() for f in self.executions]
        return out


# -- summaries --------------------------------------------------------------------------------
def trading_runs(
    rt: Runtime, *, kind: str | None = None, limit: int = 20, offset: int = 0
) -> list[dict[str, Any]]:
    """Paper and live runs (or only ``kind``), newest first: id, kind, strategy, status,
    start time, symbols and parameters."""
    from workbench.strategy import list_runs

    if kind is not None and kind not in TRADING_KINDS:
        raise ValidationError(f"a trading run is {' or '.join(TRADING_KINDS)}, not {kind!r}")
    return list_runs(rt.ledger, kind=kind or TRADING_KINDS, limit=limit, offset=offset)


def run_summary(rt: Runtime, run_id: int) -> RunSummary:
    """A paper or live run as it stands: its orders, fills, equity, positions, audit status."""
    with rt.ledger.session(read_only=True) as session:
        run = session.get(RunRow, run_id)
        if run is None or run.kind not in TRADING_KINDS:
            raise NotFound(f"no paper or live run {run_id}: see `workbench strategy results`")
        counts = dict(
            session.execute(
                sa.select(OrderRow.status, sa.func.count())
                .where(OrderRow.run_id == run_id)
                .group_by(OrderRow.status)
            ).all()
        )
        fills = session.scalar(
            sa.select(sa.func.count(FillRow.id))
            .join(OrderRow, FillRow.order_id == OrderRow.id)
            .where(OrderRow.run_id == run_id)
        )
        account = run.params.get("account", "")
        equity = list((run.metrics or {}).get("equity", []))
        audit = verify_audit_chain(session)
        summary_params = dict(run.params)
    positions = _run_positions(rt, run_id)
    first = Decimal(equity[0][1]) if equity else Decimal(0)
    initial = Decimal(str(summary_params.get("initial_equity", first)))
    last = Decimal(equity[-1][1]) if equity else initial
    return RunSummary(
        run_id=run_id,
        kind=run.kind,
        strategy=run.strategy,
        params=dict(summary_params.get("strategy", {})),
        symbols=list(run.symbols),
        account=str(account),
        status=run.status,
        start=summary_params.get("start"),
        end=summary_params.get("end"),
        sessions=len(equity),
        initial_equity=initial,
        final_equity=last,
        orders=sum(counts.values()),
        fills=int(fills or 0),
        rejected=int(counts.get(OrderStatus.REJECTED, 0)),
        positions=positions,
        executions=_run_fills(rt, run_id),
        equity=equity,
        audit={
            "ok": audit.ok,
            "records": audit.records,
            "first_bad_seq": audit.first_bad_seq,
            "problem": audit.problem,
            "head_hash": audit.head_hash,
        },
    )


def _run_fills(rt: Runtime, run_id: int) -> list[FillView]:
    with rt.ledger.session(read_only=True) as session:
        rows = session.execute(
            sa.select(FillRow, OrderRow.client_order_id)
            .join(OrderRow, FillRow.order_id == OrderRow.id)
            .where(OrderRow.run_id == run_id)
            .order_by(FillRow.filled_at, FillRow.id)
        ).all()
        return [FillView.of(fill, cid) for fill, cid in rows]


def _run_positions(rt: Runtime, run_id: int) -> list[PositionView]:
    with rt.ledger.session(read_only=True) as session:
        account_id = session.scalar(
            sa.select(OrderRow.account_id).where(OrderRow.run_id == run_id).limit(1)
        )
        if account_id is None:
            return []
        rows = list(
            session.scalars(
                sa.select(PositionRow)
                .where(PositionRow.account_id == account_id, PositionRow.qty != 0)
                .order_by(PositionRow.symbol)
            )
        )
        closes = _last_closes(rt, [row.symbol for row in rows], session, run_id)
    return [PositionView.of(row, closes.get(row.symbol)) for row in rows]


def _last_closes(rt: Runtime, symbols: list[str], session: Any, run_id: int) -> dict[str, Decimal]:
    if not symbols:
        return {}
    run = session.get(RunRow, run_id)
    end = date.fromisoformat(run.params["end"]) if run and "end" in run.params else None
    frame = rt.data.bars(symbols, None, end)
    last = frame.sort_values("timestamp").groupby("symbol")["close"].last()
    return {str(s): Decimal(str(round(float(p), 6))) for s, p in last.items()}
