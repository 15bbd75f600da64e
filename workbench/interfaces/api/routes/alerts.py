"""Alert rules (list, create, delete) and alerts (list, acknowledge, resolve): ``ops.monitor``.
Every change is in the audit chain with the caller as its actor."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query

from workbench.interfaces.api.deps import API_PREFIX, RuntimeDep, actor_of, require
from workbench.interfaces.api.errors import problem_responses
from workbench.interfaces.api.schemas_trading import AlertPublic, AlertRuleInput, AlertRulePublic
from workbench.model import Permission, to_plain
from workbench.ops import monitor
from workbench.ops.auth import Principal

__all__ = ["MAX_ALERTS", "router"]

#: the most alerts one page holds
MAX_ALERTS = 500
router = APIRouter(prefix=API_PREFIX, tags=["alerts"], responses=problem_responses(401, 403, 422))
Manager = Annotated[Principal, Depends(require(Permission.MANAGE_ALERT_RULES))]
Reader = [Depends(require(Permission.READ_PORTFOLIO))]
AlertId = Annotated[int, Path(ge=1, le=2**62)]


@router.get(
    "/alert-rules", response_model=list[AlertRulePublic], summary="Alert rules", dependencies=Reader
)
def list_rules(rt: RuntimeDep) -> list[AlertRulePublic]:
    return [AlertRulePublic.model_validate(r.to_dict()) for r in monitor.list_rules(rt)]


@router.post(
    "/alert-rules", response_model=AlertRulePublic, status_code=201, summary="Add an alert rule"
)
def add_rule(rt: RuntimeDep, caller: Manager, body: AlertRuleInput) -> AlertRulePublic:
    rule = monitor.add_rule(rt, **body.model_dump(), owner=caller.user, actor=actor_of(caller))
    return AlertRulePublic.model_validate(rule.to_dict())


@router.delete(
    "/alert-rules/{name}",
    response_model=AlertRulePublic,
    summary="Remove an alert rule, by name or id (its alerts stay)",
    responses=problem_responses(404),
)
def remove_rule(
    rt: RuntimeDep, caller: Manager, name: Annotated[str, Path(min_length=1, max_length=64)]
) -> AlertRulePublic:
    return AlertRulePublic.model_validate(
        monitor.remove_rule(rt, name, actor=actor_of(caller)).to_dict()
    )


@router.get(
    "/alerts", response_model=list[AlertPublic], summary="Alerts, newest first", dependencies=Reader
)
def list_alerts(
    rt: RuntimeDep,
    state: Literal["open", "acknowledged", "resolved"] | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_ALERTS)] = 50,
) -> list[AlertPublic]:
    found = monitor.list_alerts(rt, state=state, limit=limit)
    return [AlertPublic.model_validate(to_plain(a)) for a in found]


@router.post(
    "/alerts/{alert_id}/ack",
    response_model=AlertPublic,
    summary="Acknowledge an alert",
    responses=problem_responses(404),
)
def acknowledge(rt: RuntimeDep, caller: Manager, alert_id: AlertId) -> AlertPublic:
    alert = monitor.acknowledge_alert(rt, alert_id, by=actor_of(caller))
    return AlertPublic.model_validate(to_plain(alert))


@router.post(
    "/alerts/{alert_id}/resolve",
    response_model=AlertPublic,
    summary="Resolve an alert",
    responses=problem_responses(404),
)
def resolve(rt: RuntimeDep, caller: Manager, alert_id: AlertId) -> AlertPublic:
    alert = monitor.resolve_alert(rt, alert_id, by=actor_of(caller))
    return AlertPublic.model_validate(to_plain(alert))
