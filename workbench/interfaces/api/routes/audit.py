"""The audit chain: verify it end to end, and read it filtered, a page at a time (admins)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from workbench.interfaces.api.deps import API_PREFIX, RuntimeDep, require
from workbench.interfaces.api.errors import problem_responses
from workbench.interfaces.api.schemas_trading import AuditPagePublic, AuditVerificationPublic
from workbench.model import Permission, to_plain
from workbench.ops import audit

__all__ = ["MAX_RECORDS", "router"]

#: the most records one page holds
MAX_RECORDS = 500
router = APIRouter(
    prefix=f"{API_PREFIX}/audit",
    tags=["audit"],
    responses=problem_responses(401, 403, 422),
    dependencies=[Depends(require(Permission.MANAGE_CONFIG))],
)


@router.get("/verify", response_model=AuditVerificationPublic, summary="Check the hash chain")
def verify(rt: RuntimeDep) -> AuditVerificationPublic:
    return AuditVerificationPublic.model_validate(to_plain(audit.verify(rt)))


@router.get("/records", response_model=AuditPagePublic, summary="Records, newest first")
def records(
    rt: RuntimeDep,
    kind: Annotated[str | None, Query(max_length=64, description="a prefix: order")] = None,
    actor: Annotated[str | None, Query(max_length=200, description="api:alice")] = None,
    start: date | None = None,
    end: date | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_RECORDS)] = 100,
    before: Annotated[int | None, Query(ge=1, description="the cursor: next_before")] = None,
) -> AuditPagePublic:
    found = audit.records(
        rt, kind=kind, actor=actor, start=start, end=end, limit=limit, before=before
    )
    cursor = found[-1]["seq"] if len(found) == limit else None
    return AuditPagePublic.model_validate({"records": found, "next_before": cursor})
