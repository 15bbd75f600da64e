"""The registered strategies and their parameters."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from workbench.interfaces.api.deps import API_PREFIX, RuntimeDep, require
from workbench.interfaces.api.errors import problem_responses
from workbench.interfaces.api.schemas import StrategyPublic
from workbench.model import Permission, to_plain
from workbench.ops import strategy

__all__ = ["router"]

router = APIRouter(
    prefix=f"{API_PREFIX}/strategies",
    tags=["strategies"],
    responses=problem_responses(401, 403),
    dependencies=[Depends(require(Permission.RUN_BACKTESTS))],
)


@router.get("", response_model=list[StrategyPublic], summary="Every registered strategy")
def list_strategies(rt: RuntimeDep) -> list[StrategyPublic]:
    return [StrategyPublic.model_validate(to_plain(s)) for s in strategy.strategies(rt)]


@router.get(
    "/{name}",
    response_model=StrategyPublic,
    summary="One strategy",
    responses=problem_responses(404),
)
def show_strategy(rt: RuntimeDep, name: str) -> StrategyPublic:
    return StrategyPublic.model_validate(to_plain(strategy.show(rt, name)))
