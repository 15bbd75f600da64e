"""What a route asks FastAPI for: the one runtime of the process (``RuntimeDep``), who is
calling (``PrincipalDep``: ``ops.auth.authenticate`` on ``Authorization: Bearer <access token
or API key>``) and whether they may (``require(permission)``: ``ops.auth.authorize`` over the
one permission table).

The app holds one ``Runtime`` (thread-safe: docs/architecture.md) from start-up to shutdown;
sync routes and dependencies run on the thread pool and share it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from workbench.core.errors import AuthError
from workbench.model import Permission
from workbench.ops.auth import Principal, authenticate, authorize
from workbench.runtime import Runtime

__all__ = ["API_PREFIX", "PrincipalDep", "RuntimeDep", "get_principal", "get_runtime", "require"]

#: every versioned route lives under it
API_PREFIX = "/api/v1"

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="An access token from login, or an API key (`wbk_...`).",
)


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_principal(
    rt: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise AuthError("no credentials: send Authorization: Bearer <access token or API key>")
    return authenticate(rt, credentials.credentials)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(permission: Permission) -> Callable[[Principal], Principal]:
    """A dependency: the caller, when their role has ``permission``; else 403."""

    def allowed(principal: PrincipalDep) -> Principal:
        authorize(principal, permission)
        return principal

    return allowed
