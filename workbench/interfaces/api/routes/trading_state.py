"""The kill switch: halt, reduce, resume (every account of the ledger unless told one), and
the state each account is in."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from workbench.interfaces.api.deps import API_PREFIX, RuntimeDep, actor_of, require
from workbench.interfaces.api.errors import problem_responses
from workbench.interfaces.api.schemas_trading import (
    HaltInput,
    StateChangePublic,
    TradingStateInput,
    TradingStatePublic,
)
from workbench.model import Permission, to_plain
from workbench.ops import trade
from workbench.ops.auth import Principal

__all__ = ["router"]

router = APIRouter(
    prefix=f"{API_PREFIX}/trading",
    tags=["trading state"],
    responses=problem_responses(401, 403, 422),
)
Operator = Annotated[Principal, Depends(require(Permission.SET_TRADING_STATE))]
Changes = list[StateChangePublic]


def _changes(changes: Sequence[Any]) -> Changes:
    """``ops.trade``'s state changes (each with ``to_dict``) as the answer."""
    return [StateChangePublic.model_validate(to_plain(c.to_dict())) for c in changes]


@router.get(
    "/state",
    response_model=list[TradingStatePublic],
    summary="Each account's trading state",
    dependencies=[Depends(require(Permission.READ_PORTFOLIO))],
)
def state(rt: RuntimeDep) -> list[TradingStatePublic]:
    return [TradingStatePublic.model_validate(s) for s in trade.trading_states(rt)]


@router.post("/halt", response_model=Changes, summary="Kill switch: nothing goes out")
def halt(rt: RuntimeDep, caller: Operator, body: HaltInput | None = None) -> Changes:
    body = body or HaltInput()
    changes = trade.halt(
        rt,
        actor=actor_of(caller),
        reason=body.reason,
        cancel_open=body.cancel_open,
        only_this_account=body.only_this_account,
    )
    return _changes(changes)


@router.post("/reduce", response_model=Changes, summary="Only orders that reduce exposure")
def reduce(rt: RuntimeDep, caller: Operator, body: TradingStateInput | None = None) -> Changes:
    body = body or TradingStateInput()
    changes = trade.reduce(
        rt, actor=actor_of(caller), reason=body.reason, only_this_account=body.only_this_account
    )
    return _changes(changes)


@router.post("/resume", response_model=Changes, summary="Back to active")
def resume(rt: RuntimeDep, caller: Operator, body: TradingStateInput | None = None) -> Changes:
    body = body or TradingStateInput()
    changes = trade.resume(
        rt, actor=actor_of(caller), reason=body.reason, only_this_account=body.only_this_account
    )
    return _changes(changes)
