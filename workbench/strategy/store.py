"""Stored runs: a row in the ledger's ``runs`` table, frames as Parquet under
``<home>/runs/<id>/`` beside a ``run.json`` with what the frames alone do not say.

The row is written first (status ``running``) to get the id that names the folder, then the
files (into a temporary folder renamed into place, so a reader never sees half a run), then the
row is finished with its status, metrics and the folder's path relative to ``<home>`` (so a
copied or moved home keeps working). ``load_run`` rebuilds the same result object a fresh run
returns.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from workbench.core.errors import NotFound
from workbench.core.outputs import FILE_MODE, private_folder
from workbench.strategy.config import BacktestConfig
from workbench.strategy.grid import GridResult
from workbench.strategy.result import BacktestResult, compute_stats
from workbench.strategy.walkforward import WalkForwardResult

if TYPE_CHECKING:
    from workbench.ledger import Ledger

__all__ = ["RUNS_DIR", "StoredResult", "list_runs", "load_run", "save_run"]

RUNS_DIR = "runs"
StoredResult = BacktestResult | GridResult | WalkForwardResult
_KINDS = {BacktestResult: "backtest", GridResult: "optimize", WalkForwardResult: "walk_forward"}


def save_run(
    ledger: Ledger, home: Path, result: StoredResult, *, started_at: datetime | None = None
) -> StoredResult:
    """Persist ``result``; returns it with its ``run_id`` set."""
    from dataclasses import replace

    from workbench.ledger import RunRow

    kind = _KINDS[type(result)]
    meta, frames, metrics = _parts(result)
    with ledger.session() as session:
        row = RunRow(
            kind=kind,
            strategy=result.strategy,
            params=meta.get("params", {}),
            symbols=list(result.symbols),
            status="running",
            started_at=started_at or datetime.now(UTC),
        )
        session.add(row)
        session.flush()
        run_id = int(row.id)
    relative = Path(RUNS_DIR) / str(run_id)
    try:
        header = {"kind": kind, "run_id": run_id, "strategy": result.strategy}
        _write(home / relative, {**header, "symbols": list(result.symbols), **meta}, frames)
    except Exception as exc:
        _finish(ledger, run_id, status="failed", error=f"{type(exc).__name__}: {exc}")
        raise
    _finish(ledger, run_id, status="succeeded", metrics=metrics, path=relative.as_posix())
    return replace(result, run_id=run_id)


def load_run(ledger: Ledger, home: Path, run_id: int) -> StoredResult:
    """The result of a stored run, as the run returned it."""
    from workbench.ledger import RunRow

    with ledger.session(read_only=True) as session:
        row = session.get(RunRow, run_id)
        if row is None:
            raise NotFound(f"no run {run_id} in the ledger")
        status, path, kind = row.status, row.artifact_path, row.kind
    if status != "succeeded" or not path:
        raise NotFound(f"run {run_id} is {status}: it has no stored result")
    folder = Path(path) if Path(path).is_absolute() else home / path
    if not (folder / "run.json").is_file():
        raise NotFound(f"run {run_id}'s files are missing from {folder}")
    meta = json.loads((folder / "run.json").read_text())
    loaders: dict[str, Callable[[Path, dict[str, Any], int], StoredResult]] = {
        "backtest": _load_backtest,
        "optimize": _load_grid,
        "walk_forward": _load_wf,
    }
    if kind not in loaders:
        raise NotFound(f"run {run_id} is a {kind} run, not a strategy result")
    return loaders[kind](folder, meta, run_id)


def list_runs(
    ledger: Ledger,
    *,
    kind: str | Sequence[str] | None = None,
    limit: int = 20,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """The latest runs, newest first: ``limit`` of them after skipping ``offset``; ``kind``
    is one kind or several."""
    import sqlalchemy as sa

    from workbench.ledger import RunRow

    query = sa.select(RunRow).order_by(RunRow.id.desc()).limit(limit).offset(offset)
    if isinstance(kind, str):
        query = query.where(RunRow.kind == kind)
    elif kind is not None:
        query = query.where(RunRow.kind.in_(list(kind)))
    with ledger.session(read_only=True) as session:
        rows = session.scalars(query).all()
        return [
            {
                "run_id": r.id,
                "kind": r.kind,
                "strategy": r.strategy,
                "status": r.status,
                "started_at": r.started_at,
                "symbols": r.symbols,
                "params": r.params,
            }
            for r in rows
        ]


def _finish(
    ledger: Ledger,
    run_id: int,
    *,
    status: str,
    metrics: dict[str, Any] | None = None,
    path: str | None = None,
    error: str | None = None,
) -> None:
    from workbench.ledger import RunRow

    with ledger.session() as session:
        row = session.get(RunRow, run_id)
        assert row is not None
        row.status, row.finished_at = status, datetime.now(UTC)
        row.metrics, row.artifact_path, row.error = metrics, path, error


def _parts(result: StoredResult) -> tuple[dict[str, Any], dict[str, pd.DataFrame], dict[str, Any]]:
    config = result.config.to_dict()
    if isinstance(result, BacktestResult):
        frames = {
            "equity": result.equity.to_frame(),
            "orders": result.orders,
            "trades": result.trades,
            "positions": result.positions,
            "exposure": result.exposure,
            "prices": result.prices,
        }
        if result.benchmark is not None:
            frames["benchmark"] = result.benchmark.to_frame()
        meta: dict[str, Any] = {
            "params": dict(result.params),
            "strategy_kind": result.kind,
            "config": config,
            "warmup_bars": result.warmup_bars,
            "warmup_needed": result.warmup_needed,
        }
        return meta, frames, result.to_dict()["stats"]
    if isinstance(result, GridResult):
        returns = result.returns.set_axis([str(c) for c in result.returns.columns], axis=1)
        summary = result.to_dict()
        meta = {
            "params": result.best_params,
            "config": config,
            **{k: summary[k] for k in ("objective", "maximize", "separate", "chunks")},
            "grid_params": result.grid_params,
            "param_names": result.param_names,
        }
        metrics = {
            k: summary[k] for k in ("objective", "best_value", "combinations", "overfitting")
        }
        return meta, {"table": result.table, "returns": returns}, metrics
    summary = result.to_dict()
    meta = {
        "params": {},
        "config": config,
        "objective": result.objective,
        "anchored": result.anchored,
    }
    metrics = {k: summary[k] for k in ("in_sample_mean", "out_of_sample_mean", "efficiency")}
    frames = {"windows": result.windows, "equity": result.equity.to_frame()}
    return meta, frames, {**metrics, "stats": summary["stats"]}


def _write(folder: Path, meta: dict[str, Any], frames: dict[str, pd.DataFrame]) -> None:
    staging = folder.with_name(f".{folder.name}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    private_folder(staging)
    for name, frame in frames.items():
        frame.to_parquet(staging / f"{name}.parquet")
    (staging / "run.json").write_text(json.dumps(meta, indent=2, default=str))
    for written in staging.iterdir():
        written.chmod(FILE_MODE)
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)


def _read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(folder / f"{name}.parquet")


def _load_backtest(folder: Path, meta: dict[str, Any], run_id: int) -> BacktestResult:
    config = BacktestConfig.from_dict(meta["config"])
    equity = _read(folder, "equity")["equity"]
    exposure, trades = _read(folder, "exposure"), _read(folder, "trades")
    has_benchmark = (folder / "benchmark.parquet").is_file()
    benchmark = _read(folder, "benchmark")["benchmark"] if has_benchmark else None
    return BacktestResult(
        strategy=meta["strategy"],
        kind=meta["strategy_kind"],
        params=meta["params"],
        symbols=list(_read(folder, "positions").columns),
        config=config,
        equity=equity,
        benchmark=benchmark,
        orders=_read(folder, "orders"),
        trades=trades,
        positions=_read(folder, "positions"),
        exposure=exposure,
        prices=_read(folder, "prices"),
        stats=compute_stats(equity, config, exposure, trades, benchmark),
        run_id=run_id,
        warmup_bars=int(meta.get("warmup_bars", 0)),
        warmup_needed=int(meta.get("warmup_needed", 0)),
    )


def _load_grid(folder: Path, meta: dict[str, Any], run_id: int) -> GridResult:
    returns = _read(folder, "returns")
    table = _read(folder, "table")
    return GridResult(
        strategy=meta["strategy"],
        objective=meta["objective"],
        maximize=meta["maximize"],
        grid_params=meta["grid_params"],
        param_names=meta["param_names"],
        table=table,
        returns=returns.set_axis([int(c) for c in returns.columns], axis=1),
        config=BacktestConfig.from_dict(meta["config"]),
        symbols=meta["symbols"],
        separate=meta["separate"],
        chunks=meta["chunks"],
        run_id=run_id,
    )


def _load_wf(folder: Path, meta: dict[str, Any], run_id: int) -> WalkForwardResult:
    return WalkForwardResult(
        strategy=meta["strategy"],
        objective=meta["objective"],
        anchored=meta["anchored"],
        windows=_read(folder, "windows"),
        equity=_read(folder, "equity")["equity"],
        config=BacktestConfig.from_dict(meta["config"]),
        symbols=meta["symbols"],
        run_id=run_id,
    )
