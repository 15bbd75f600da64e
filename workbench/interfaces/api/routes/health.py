"""Liveness, readiness and Prometheus figures: no credentials, nothing of an account."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from workbench.interfaces.api.deps import RuntimeDep
from workbench.interfaces.api.schemas import HealthPublic, ReadinessPublic
from workbench.model import to_plain
from workbench.ops import monitor

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthPublic, summary="The process answers")
def healthz() -> HealthPublic:
    return HealthPublic()


@router.get(
    "/readyz",
    response_model=ReadinessPublic,
    summary="Whether the stores and the broker answer",
    responses={503: {"model": ReadinessPublic, "description": "a required check failed"}},
)
def readyz(rt: RuntimeDep, request: Request) -> JSONResponse:
    state = request.app.state
    readiness = monitor.readiness(rt, fanout=state.hub, limits=state.limiter, job_workers=True)
    body = ReadinessPublic.model_validate(to_plain(readiness))
    return JSONResponse(body.model_dump(), status_code=200 if readiness.ready else 503)


@router.get("/metrics", summary="Prometheus figures", response_class=Response)
def metrics(rt: RuntimeDep, request: Request) -> Response:
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    text = monitor.metrics_text(rt) + generate_latest(request.app.state.metrics)
    return Response(text, media_type=CONTENT_TYPE_LATEST)
