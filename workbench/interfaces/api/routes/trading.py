"""The configured account as the ledger keeps it: account, positions, orders, fills."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from workbench.interfaces.api.deps import API_PREFIX, RuntimeDep, require
from workbench.interfaces.api.errors import problem_responses
from workbench.interfaces.api.schemas import (
    AccountPublic,
    FillPublic,
    OrderPublic,
    PositionPublic,
)
from workbench.model import Permission, to_plain
from workbench.ops import trade
from workbench.ops.kept_reads import KEPT, kept

__all__ = ["MAX_PAGE", "router"]

#: the most orders or fills one page holds
MAX_PAGE = 500
router = APIRouter(
    prefix=API_PREFIX,
    tags=["trading"],
    responses=problem_responses(401, 403, 422),
    dependencies=[Depends(require(Permission.READ_PORTFOLIO))],
)
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"at most {MAX_PAGE}")]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


@router.get("/account", response_model=AccountPublic, summary=f"Cash, equity, P&L{KEPT}")
async def account(rt: RuntimeDep) -> AccountPublic:
    def read() -> AccountPublic:
        return AccountPublic.model_validate(to_plain(trade.account(rt)))

    return await kept(rt, "account", "account", read)


@router.get("/positions", response_model=list[PositionPublic], summary=f"Open positions{KEPT}")
async def positions(rt: RuntimeDep) -> list[PositionPublic]:
    def read() -> list[PositionPublic]:
        return [PositionPublic.model_validate(to_plain(p)) for p in trade.positions(rt)]

    return await kept(rt, "account", "positions", read)


@router.get("/orders", response_model=list[OrderPublic], summary="Orders, newest first")
def orders(
    rt: RuntimeDep,
    status: Annotated[str, Query(max_length=40, description="open, closed, all, or one")] = "all",
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[OrderPublic]:
    found = trade.orders(rt, status=status, limit=limit, offset=offset)
    return [OrderPublic.model_validate(to_plain(o)) for o in found]


@router.get(
    "/orders/{reference}",
    response_model=OrderPublic,
    summary="One order, by id or client order id",
    responses=problem_responses(404),
)
def order(
    rt: RuntimeDep, reference: Annotated[str, Path(min_length=1, max_length=128)]
) -> OrderPublic:
    return OrderPublic.model_validate(to_plain(trade.order(rt, reference)))


@router.get("/fills", response_model=list[FillPublic], summary="Fills, oldest first")
def fills(rt: RuntimeDep, limit: Limit = 100, offset: Offset = 0) -> list[FillPublic]:
    return [
        FillPublic.model_validate(to_plain(f)) for f in trade.fills(rt, limit=limit, offset=offset)
    ]
