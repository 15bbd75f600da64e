"""Orders held for a trader's approval (an AI assistant's, with ``risk.actors.mcp.
require_approval``): list them, approve one (the risk gate checks it again, then it is sent),
reject one with a reason. A role with the ``trade`` permission only; the acting user is the
audit chain's actor (``api:<user>``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path
from pydantic import BaseModel, ConfigDict, Field

from workbench.interfaces.api.deps import API_PREFIX, RuntimeDep, require
from workbench.interfaces.api.errors import problem_responses
from workbench.interfaces.api.schemas import OrderPublic, StrictInput
from workbench.model import Permission, to_plain
from workbench.ops import approvals
from workbench.ops.auth import Principal

__all__ = ["ApprovalPublic", "HeldOrderPublic", "RejectInput", "router"]

router = APIRouter(
    prefix=API_PREFIX,
    tags=["trading"],
    responses=problem_responses(401, 403, 422),
)
Trader = Annotated[Principal, Depends(require(Permission.TRADE))]
Reference = Annotated[str, Path(min_length=1, max_length=128, description="id or client id")]


class HeldOrderPublic(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    order: OrderPublic
    requested_by: str | None = Field(description="the actor that placed it, e.g. mcp:alice")
    placed_at: str | None
    expires_at: str = Field(description="after this it ends expired, never sent")
    measured_notional: str | None


class ApprovalPublic(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    order: OrderPublic
    risk: dict[str, Any] | None = Field(description="the gate's decision at approval")
    already_submitted: bool
    held: bool
    message: str | None


class RejectInput(StrictInput):
    reason: str = Field(min_length=1, max_length=500, description="why, for the audit chain")


@router.get(
    "/orders/held", response_model=list[HeldOrderPublic], summary="Orders held for approval"
)
def held(rt: RuntimeDep, principal: Trader) -> list[HeldOrderPublic]:
    return [HeldOrderPublic.model_validate(h.to_dict()) for h in approvals.held(rt)]


@router.post(
    "/orders/{reference}/approve",
    response_model=ApprovalPublic,
    summary="Approve a held order: the gate checks it again, then it is sent",
    responses=problem_responses(404),
)
def approve(rt: RuntimeDep, principal: Trader, reference: Reference) -> ApprovalPublic:
    result = approvals.approve(rt, reference, actor=f"api:{principal.user}")
    return ApprovalPublic.model_validate(to_plain(result.to_dict()))


@router.post(
    "/orders/{reference}/reject",
    response_model=OrderPublic,
    summary="Reject a held order; it is never sent",
    responses=problem_responses(404),
)
def reject(
    rt: RuntimeDep, principal: Trader, reference: Reference, body: Annotated[RejectInput, Body()]
) -> OrderPublic:
    view = approvals.reject(rt, reference, actor=f"api:{principal.user}", reason=body.reason)
    return OrderPublic.model_validate(to_plain(view))
