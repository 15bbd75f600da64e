"""The ``runs`` row of a paper or live run: created with its audit record, resumed, advanced
after each session (the decision to ``decisions.jsonl``, the cursor and equity to the row) and
finished with its summary figures. Used by ``ops.trade_runs``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.core.errors import NotFound, ValidationError
from workbench.core.outputs import private_file, private_folder
from workbench.execution import EquityPoint, StepResult
from workbench.ledger import RunRow, append_audit
from workbench.model.symbols import normalize_symbols

if TYPE_CHECKING:
    from workbench.runtime import Runtime

__all__ = [
    "finish_run",
    "new_run",
    "record_opening",
    "run_folder",
    "run_row",
    "save_progress",
]


def new_run(
    rt: Runtime,
    kind: str,
    name: str,
    symbols: Sequence[str],
    params: Mapping[str, Any],
    extra: dict[str, Any],
) -> RunRow:
    wanted = normalize_symbols(symbols)
    with rt.ledger.session() as session:
        row = RunRow(
            kind=kind,
            strategy=name,
            params={"strategy": dict(params), **extra},
            symbols=wanted,
            status="running",
            started_at=datetime.now(UTC),
        )
        session.add(row)
        session.flush()
        account = f"paper-run-{row.id}" if kind == "paper" else rt.account_name
        row.params = {**row.params, "account": account}
        row.artifact_path = str(Path("runs") / str(row.id))
        # the configuration a run trades under is part of its record: strategy, parameters
        # and the risk limits in force when it started
        limits = rt.settings.risk.for_strategy(name)
        append_audit(
            session,
            kind="run.started",
            actor="runner",
            payload={
                "run_id": row.id,
                "kind": kind,
                "strategy": name,
                "params": dict(params),
                "symbols": wanted,
                "account": account,
                "env": rt.settings.env,
                "risk_limits": limits.model_dump(mode="json"),
            },
        )
        return row


def run_row(rt: Runtime, run_id: int, *, kind: str) -> RunRow:
    with rt.ledger.session() as session:
        row = session.get(RunRow, run_id)
        if row is None or row.kind != kind:
            raise NotFound(f"no {kind} run {run_id} to resume")
        if row.status == "succeeded":
            raise ValidationError(f"run {run_id} already finished: nothing to resume")
        row.status, row.error, row.finished_at = "running", None, None
        return row


def run_folder(rt: Runtime, run_id: int) -> Path:
    folder = private_folder(rt.settings.home / "runs" / str(run_id))
    private_file(folder / "decisions.jsonl")
    return folder


def save_progress(
    rt: Runtime,
    run_id: int,
    folder: Path,
    decided: date,
    step: StepResult,
    point: EquityPoint | None,
) -> None:
    """The step's decision goes to ``decisions.jsonl`` (parity reads it) and the cursor and
    equity to the run row, so a stopped run resumes after the last session it finished."""
    with (folder / "decisions.jsonl").open("a") as handle:
        handle.write(json.dumps({**step.to_dict(), "session": str(decided)}) + "\n")
    with rt.ledger.session() as session:
        row = session.get(RunRow, run_id)
        assert row is not None
        metrics = dict(row.metrics or {})
        if point is not None:
            equity = [e for e in metrics.get("equity", []) if e[0] != point.session.isoformat()]
            metrics["equity"] = [*equity, point.to_list()]
            row.params = {**row.params, "cursor": point.session.isoformat()}
        row.metrics = metrics


def record_opening(rt: Runtime, run_id: int, equity: Decimal) -> None:
    """The equity the run started from (once: a resumed run keeps the first)."""
    with rt.ledger.session() as session:
        row = session.get(RunRow, run_id)
        assert row is not None
        if "initial_equity" not in row.params:
            row.params = {**row.params, "initial_equity": str(equity)}


def finish_run(rt: Runtime, run_id: int, status: str, *, error: str | None = None) -> None:
    with rt.ledger.session() as session:
        row = session.get(RunRow, run_id)
        if row is None:
            return
        row.status, row.error, row.finished_at = status, error, datetime.now(UTC)
        equity = (row.metrics or {}).get("equity", [])
        if equity:
            first = Decimal(str(row.params.get("initial_equity", equity[0][1])))
            last = Decimal(equity[-1][1])
            row.metrics = {
                **(row.metrics or {}),
                "initial_equity": str(first),
                "final_equity": str(last),
                "total_return": float(last / first - 1) if first else 0.0,
            }
