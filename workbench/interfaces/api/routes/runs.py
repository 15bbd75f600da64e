"""Trading runs (paper and live): the list, a run's summary, and its parity with the backtest
of the same strategy over the same bars (``workbench trade run`` / ``trade parity``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from workbench.interfaces.api.deps import API_PREFIX, RuntimeDep, require
from workbench.interfaces.api.errors import problem_responses
from workbench.interfaces.api.params import ListLimit, Offset, RecordId
from workbench.interfaces.api.schemas_runs import ParityPublic, RunPublic, RunSummaryPublic
from workbench.model import Permission, to_plain
from workbench.ops import parity, run_summary

__all__ = ["router"]

router = APIRouter(
    prefix=f"{API_PREFIX}/runs",
    tags=["runs"],
    responses=problem_responses(401, 403, 422),
    dependencies=[Depends(require(Permission.READ_PORTFOLIO))],
)


class TradingKind(StrEnum):
    PAPER = "paper"
    LIVE = "live"


@router.get("", response_model=list[RunPublic], summary="Paper and live runs, newest first")
def list_runs(
    rt: RuntimeDep, kind: TradingKind | None = None, limit: ListLimit = 50, offset: Offset = 0
) -> list[RunPublic]:
    found = run_summary.trading_runs(
        rt, kind=None if kind is None else kind.value, limit=limit, offset=offset
    )
    return [RunPublic.model_validate(to_plain(run)) for run in found]


@router.get(
    "/{run_id}",
    response_model=RunSummaryPublic,
    summary="A run as it stands: orders, fills, equity, positions, audit",
    responses=problem_responses(404),
)
def show_run(rt: RuntimeDep, run_id: RecordId) -> RunSummaryPublic:
    return RunSummaryPublic.model_validate(to_plain(run_summary.run_summary(rt, run_id).to_dict()))


@router.get(
    "/{run_id}/parity",
    response_model=ParityPublic,
    summary="The run against its backtest: trades, equity and what explains the gap",
    responses=problem_responses(404),
)
def run_parity(
    rt: RuntimeDep,
    run_id: RecordId,
    slippage: Annotated[
        float | None, Query(ge=0, le=0.1, description="backtest slippage; default: matched")
    ] = None,
) -> ParityPublic:
    report = parity.parity(rt, run_id, slippage=slippage)
    return ParityPublic.model_validate(to_plain(report.to_dict()))
