"""What a route asks FastAPI for: the one runtime of the process (``RuntimeDep``), who is
calling (``PrincipalDep``: ``ops.auth.authenticate`` on ``Authorization: Bearer <access token
or API key>``) and whether they may (``require(permission)``: ``ops.auth.authorize`` over the
one permission table).

Every ``/api/v1`` route declares who may call it with exactly one of ``require(permission)``,
``signed_in()`` (any role) or ``public()`` (no credential: login, refresh and logout carry theirs
in the body). The declaration is data (``ACCESS_ATTRIBUTE`` on the dependency), which
``rbac.route_permissions`` reads off the app for the docs' table and the RBAC test.

The app holds one ``Runtime`` (thread-safe: docs/architecture.md) from start-up to shutdown;
sync routes run on the thread pool and share it. The dependencies here are ``async``: they do no
I/O on the loop (a credential this process verified lately is answered from memory by
``ops.auth.remembered``; only a ledger read goes to the thread pool), and each sync dependency
would cost a trip through the pool per request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cache
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from workbench.core.errors import AuthError
from workbench.model import Permission
from workbench.ops.auth import Principal, authenticate, authorize, remembered
from workbench.runtime import Runtime

__all__ = [
    "ACCESS_ATTRIBUTE",
    "API_PREFIX",
    "AUTHENTICATED",
    "PUBLIC",
    "PrincipalDep",
    "RuntimeDep",
    "actor_of",
    "get_principal",
    "get_runtime",
    "public",
    "require",
    "signed_in",
]

#: every versioned route lives under it
API_PREFIX = "/api/v1"
#: the attribute of a dependency that declares a route's access: a permission, or one of below
ACCESS_ATTRIBUTE = "workbench_access"
#: any valid credential, whatever its role
AUTHENTICATED = "authenticated"
#: no credential at all (the request body carries what proves the caller)
PUBLIC = "public"

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="An access token from login, or an API key (`wbk_...`).",
)


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_principal(
    rt: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise AuthError("no credentials: send Authorization: Bearer <access token or API key>")
    # the header as sent: HTTPBearer took its scheme off, ops would take off a second one
    presented = f"{credentials.scheme} {credentials.credentials}"
    known = remembered(rt, presented)
    if known is not None:
        return known
    return await run_in_threadpool(authenticate, rt, presented)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def _declared(access: str, dependency: Callable[..., Any]) -> Callable[..., Any]:
    setattr(dependency, ACCESS_ATTRIBUTE, access)
    return dependency


@cache  # one callable per permission: FastAPI then runs it once per request, however declared
def require(permission: Permission) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency: the caller, when their role has ``permission``; else 403."""

    async def allowed(principal: PrincipalDep) -> Principal:
        authorize(principal, permission)
        return principal

    return _declared(Permission(permission).value, allowed)


@cache
def signed_in() -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency: the caller, whatever their role (``/me``)."""

    async def anyone(principal: PrincipalDep) -> Principal:
        return principal

    return _declared(AUTHENTICATED, anyone)


@cache
def public() -> Callable[[], Awaitable[None]]:
    """A dependency that checks nothing: the route needs no credential."""

    async def nobody() -> None:
        return None

    return _declared(PUBLIC, nobody)


def actor_of(principal: Principal) -> str:
    """Who did it, for the audit chain: ``api:<user>``, plus ``:key:<id>`` through an API key."""
    suffix = f":key:{principal.key_id}" if principal.via == "key" else ""
    return f"api:{principal.user}{suffix}"
