"""Stored strategy results (backtests, optimisations, walk-forwards): the list, one result, and
a backtest's trades and orders a page at a time (``workbench strategy results``). Included
before ``routes.strategies``, whose ``/strategies/{name}`` would otherwise take ``runs``."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from workbench.interfaces.api.deps import API_PREFIX, RuntimeDep, require
from workbench.interfaces.api.errors import problem_responses
from workbench.interfaces.api.params import ListLimit, Offset, RecordId
from workbench.interfaces.api.schemas_runs import (
    RunPublic,
    RunRecordsPublic,
    StrategyResultPublic,
)
from workbench.model import Permission, to_plain
from workbench.ops import strategy

__all__ = ["MAX_RECORDS", "router"]

#: the most trades or orders one page holds
MAX_RECORDS = 1000
router = APIRouter(
    prefix=f"{API_PREFIX}/strategies/runs",
    tags=["strategies"],
    responses=problem_responses(401, 403, 422),
    dependencies=[Depends(require(Permission.RUN_BACKTESTS))],
)


class ResultKind(StrEnum):
    BACKTEST = "backtest"
    OPTIMIZE = "optimize"
    WALK_FORWARD = "walk_forward"


class RecordTable(StrEnum):
    TRADES = "trades"
    ORDERS = "orders"


@router.get("", response_model=list[RunPublic], summary="Stored results, newest first")
def list_runs(
    rt: RuntimeDep, kind: ResultKind | None = None, limit: ListLimit = 50, offset: Offset = 0
) -> list[RunPublic]:
    kinds = strategy.RESULT_KINDS if kind is None else kind.value
    found = strategy.runs(rt, kind=kinds, limit=limit, offset=offset)
    return [RunPublic.model_validate(to_plain(run)) for run in found]


@router.get(
    "/{run_id}",
    response_model=StrategyResultPublic,
    summary="One stored result",
    responses=problem_responses(404),
)
def show_run(rt: RuntimeDep, run_id: RecordId) -> StrategyResultPublic:
    return StrategyResultPublic.model_validate(to_plain(strategy.results(rt, run_id).to_dict()))


@router.get(
    "/{run_id}/{table}",
    response_model=RunRecordsPublic,
    summary="A page of a backtest's trades or orders, in time order",
    responses=problem_responses(404),
)
def run_records(
    rt: RuntimeDep,
    run_id: RecordId,
    table: RecordTable,
    limit: Annotated[int, Query(ge=1, le=MAX_RECORDS, description=f"at most {MAX_RECORDS}")] = 100,
    offset: Offset = 0,
) -> RunRecordsPublic:
    page = strategy.run_records(rt, run_id, table.value, limit=limit, offset=offset)
    return RunRecordsPublic.model_validate(to_plain(page))
