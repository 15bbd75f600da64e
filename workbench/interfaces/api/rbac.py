"""The one RBAC table of the API, read off the app: each route's method, path and the access
its dependencies declare (``deps.require(permission)``, ``deps.signed_in()``,
``deps.public()``), with the roles that pass it.

``route_permissions(app)`` is what docs/api.md's routes table is generated from and what the RBAC
test walks; a route that declares nothing (outside ``UNDECLARED_ALLOWED``: health, metrics and
the docs) is listed with ``access=None``, which that test refuses."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from workbench.interfaces.api.deps import ACCESS_ATTRIBUTE, AUTHENTICATED, PUBLIC
from workbench.model import Permission, Role, can

__all__ = [
    "UNDECLARED_ALLOWED",
    "RouteAccess",
    "allowed_roles",
    "document_access",
    "route_permissions",
    "routes_markdown",
]

#: paths that answer anyone and declare nothing: liveness, readiness, metrics, the docs
UNDECLARED_ALLOWED = frozenset({"/healthz", "/readyz", "/metrics", "/docs", "/openapi.json"})


@dataclass(frozen=True)
class RouteAccess:
    method: str
    path: str
    #: a permission's name, ``authenticated``, ``public``, or None when the route declares none
    access: str | None
    summary: str = ""


def route_permissions(app: FastAPI) -> list[RouteAccess]:
    """Every HTTP route of the app (one row per method), in path order."""
    rows = []
    for route in iter_route_contexts(app.routes):  # included routers' routes, as served
        if not isinstance(route.original_route, APIRoute):
            continue  # the OpenAPI document, static assets, WebSockets (they authenticate in-band)
        declared = sorted(set(_declarations(route.dependant)))
        access = declared[0] if len(declared) == 1 else None
        for method in sorted(route.methods or ()):
            if method == "HEAD":
                continue
            rows.append(RouteAccess(method, str(route.path), access, route.summary or ""))
    return sorted(rows, key=lambda r: (r.path, r.method))


def _declarations(dependant: Dependant) -> Iterator[str]:
    for sub in dependant.dependencies:
        access = getattr(sub.call, ACCESS_ATTRIBUTE, None)
        if access is not None:
            yield str(access)
        yield from _declarations(sub)


def allowed_roles(access: str | None) -> list[Role]:
    """The roles whose valid credential passes ``access`` (none for ``public``: no credential
    is needed at all)."""
    if access is None or access == PUBLIC:
        return []
    if access == AUTHENTICATED:
        return list(Role)
    return [role for role in Role if can(role, Permission(access))]


def routes_markdown(app: FastAPI) -> str:
    """The routes table docs/api.md carries between its ``api-routes`` markers."""
    lines = ["| method | path | access | roles | summary |", "|---|---|---|---|---|"]
    for row in route_permissions(app):
        if not row.path.startswith("/api/"):
            continue
        if row.access == PUBLIC:
            roles = "anyone (no credential)"
        else:
            roles = ", ".join(r.value for r in allowed_roles(row.access)) or "-"
        access = f"`{row.access}`" if row.access else "**none declared**"
        lines.append(f"| {row.method} | `{row.path}` | {access} | {roles} | {row.summary} |")
    return "\n".join(lines)


def document_access(app: FastAPI) -> None:
    """Put each operation's access into the OpenAPI document: ``x-access`` (the permission,
    ``authenticated`` or ``public``) and ``x-roles`` (the roles that pass it)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()
        for row in route_permissions(app):
            operation = schema.get("paths", {}).get(row.path, {}).get(row.method.lower())
            if operation is None or row.access is None:
                continue
            operation["x-access"] = row.access
            operation["x-roles"] = [role.value for role in allowed_roles(row.access)]
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
