"""Log in, refresh, log out (``ops.auth``): no credential in the header, the body carries it."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from workbench.interfaces.api.deps import API_PREFIX, RuntimeDep, public
from workbench.interfaces.api.errors import problem_responses
from workbench.interfaces.api.schemas_auth import LoginInput, RefreshInput, TokenPairPublic
from workbench.model import to_plain
from workbench.ops import auth

__all__ = ["router"]

router = APIRouter(
    prefix=f"{API_PREFIX}/auth",
    tags=["authentication"],
    dependencies=[Depends(public())],
    responses=problem_responses(401, 422),
)


@router.post("/login", response_model=TokenPairPublic, summary="Log in")
def login(rt: RuntimeDep, body: LoginInput, request: Request) -> TokenPairPublic:
    # the address uvicorn resolved (X-Forwarded-For only from a trusted proxy: --behind-proxy)
    client = request.client.host if request.client is not None else None
    pair = auth.login(rt, body.username, body.password, client=client)
    return TokenPairPublic.model_validate(to_plain(pair))


@router.post(
    "/refresh",
    response_model=TokenPairPublic,
    summary="Spend a refresh token for a new pair (a reused one revokes the session)",
)
def refresh(rt: RuntimeDep, body: RefreshInput) -> TokenPairPublic:
    return TokenPairPublic.model_validate(to_plain(auth.refresh(rt, body.refresh_token)))


@router.post("/logout", status_code=204, summary="End the session of a refresh token")
def logout(rt: RuntimeDep, body: RefreshInput) -> Response:
    auth.logout(rt, body.refresh_token)
    return Response(status_code=204)
