"""Orders through the risk gate and the OMS: preview, submit (idempotent by client order id),
cancel. A refused order is a 422 problem naming the rule, its value, limit and excess."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse

from workbench.interfaces.api.deps import API_PREFIX, RuntimeDep, actor_of, require
from workbench.interfaces.api.errors import problem_responses
from workbench.interfaces.api.schemas import OrderPublic
from workbench.interfaces.api.schemas_trading import (
    OrderInput,
    PreviewInput,
    RiskDecisionPublic,
    SubmittedPublic,
)
from workbench.model import OrderRequest, Permission, to_plain
from workbench.ops import trade
from workbench.ops.auth import Principal

__all__ = ["router"]

router = APIRouter(
    prefix=f"{API_PREFIX}/orders",
    tags=["orders"],
    responses=problem_responses(401, 403, 422),
)
Trader = Annotated[Principal, Depends(require(Permission.TRADE))]


def _request(body: PreviewInput, client_order_id: str | None = None) -> OrderRequest:
    fields = body.model_dump(exclude={"strategy", "client_order_id"})
    return trade.order_request(**fields, client_order_id=client_order_id)


@router.post("/preview", response_model=RiskDecisionPublic, summary="What the risk gate says")
async def preview(rt: RuntimeDep, _: Trader, body: PreviewInput) -> RiskDecisionPublic:
    decision = await trade.preview_kept(rt, _request(body), strategy=body.strategy)
    return RiskDecisionPublic.model_validate(decision.to_dict())


@router.post(
    "",
    response_model=SubmittedPublic,
    status_code=201,
    summary="Submit an order (a known client_order_id answers that order, 200)",
    responses={200: {"model": SubmittedPublic, "description": "already submitted"}},
)
def submit(rt: RuntimeDep, caller: Trader, body: OrderInput) -> JSONResponse:
    request = _request(body, body.client_order_id)
    result = trade.submit(
        rt,
        request,
        actor=actor_of(caller),
        strategy=body.strategy,
        refuse=True,
    )
    answer = SubmittedPublic.model_validate(result.to_dict())
    return JSONResponse(answer.model_dump(), status_code=200 if result.already_submitted else 201)


@router.delete(
    "/{reference}",
    response_model=OrderPublic,
    summary="Cancel an open order, by id or client order id",
    responses=problem_responses(404),
)
def cancel(
    rt: RuntimeDep, caller: Trader, reference: Annotated[str, Path(min_length=1, max_length=128)]
) -> OrderPublic:
    return OrderPublic.model_validate(to_plain(trade.cancel(rt, reference, actor=actor_of(caller))))
