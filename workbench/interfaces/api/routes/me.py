"""Who the caller is: user, role, how they proved it, and what the role may do."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from workbench.interfaces.api.deps import API_PREFIX, signed_in
from workbench.interfaces.api.errors import problem_responses
from workbench.interfaces.api.schemas_auth import MePublic
from workbench.model import permissions_of
from workbench.ops.auth import Principal

__all__ = ["router"]

router = APIRouter(prefix=API_PREFIX, tags=["authentication"])


@router.get(
    "/me", response_model=MePublic, summary="Who is calling", responses=problem_responses(401)
)
def me(principal: Annotated[Principal, Depends(signed_in())]) -> MePublic:
    allowed = sorted(p.value for p in permissions_of(principal.role))
    return MePublic(
        user=principal.user,
        role=principal.role,
        via=principal.via,
        key_id=principal.key_id,
        permissions=allowed,
    )
