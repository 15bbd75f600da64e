"""Users and API keys (admins): ``ops.users`` and ``ops.keys``. A new or rotated key is in
the answer once and stored nowhere; a key's role is never above its user's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from workbench.interfaces.api.deps import API_PREFIX, RuntimeDep, actor_of, require
from workbench.interfaces.api.errors import problem_responses
from workbench.interfaces.api.schemas_auth import (
    ApiKeyPublic,
    CreatedKeyPublic,
    KeyCreateInput,
    KeyRotateInput,
    RoleInput,
    UserCreateInput,
    UserPublic,
)
from workbench.model import Permission, to_plain
from workbench.ops import keys, users
from workbench.ops.auth import Principal

__all__ = ["router"]

router = APIRouter(prefix=API_PREFIX, tags=["users and keys"])
_ERRORS = problem_responses(401, 403, 404, 422)
Admin = Annotated[Principal, Depends(require(Permission.MANAGE_USERS))]
KeyAdmin = Annotated[Principal, Depends(require(Permission.MANAGE_API_KEYS))]
Username = Annotated[str, Path(min_length=1, max_length=64)]
KeyRef = Annotated[str, Path(min_length=1, max_length=64, description="id or prefix wbk_...")]


def _user(info: object) -> UserPublic:
    return UserPublic.model_validate(to_plain(info))


@router.get("/users", response_model=list[UserPublic], summary="Users", responses=_ERRORS)
def list_users(rt: RuntimeDep, _: Admin) -> list[UserPublic]:
    return [_user(u) for u in users.list_users(rt)]


@router.post(
    "/users", response_model=UserPublic, status_code=201, summary="Add a user", responses=_ERRORS
)
def add_user(rt: RuntimeDep, caller: Admin, body: UserCreateInput) -> UserPublic:
    added = users.add(rt, body.username, body.password, role=body.role, actor=actor_of(caller))
    return _user(added)


@router.post(
    "/users/{username}/disable", response_model=UserPublic, summary="Disable", responses=_ERRORS
)
def disable_user(rt: RuntimeDep, caller: Admin, username: Username) -> UserPublic:
    return _user(users.disable(rt, username, actor=actor_of(caller)))


@router.post(
    "/users/{username}/enable", response_model=UserPublic, summary="Enable", responses=_ERRORS
)
def enable_user(rt: RuntimeDep, caller: Admin, username: Username) -> UserPublic:
    return _user(users.enable(rt, username, actor=actor_of(caller)))


@router.post(
    "/users/{username}/role", response_model=UserPublic, summary="Set the role", responses=_ERRORS
)
def set_role(rt: RuntimeDep, caller: Admin, username: Username, body: RoleInput) -> UserPublic:
    return _user(users.set_role(rt, username, body.role, actor=actor_of(caller)))


@router.get("/keys", response_model=list[ApiKeyPublic], summary="API keys", responses=_ERRORS)
def list_keys(
    rt: RuntimeDep, _: KeyAdmin, user: Annotated[str | None, Query(max_length=64)] = None
) -> list[ApiKeyPublic]:
    return [ApiKeyPublic.model_validate(to_plain(k)) for k in keys.list_keys(rt, username=user)]


@router.post(
    "/keys",
    response_model=CreatedKeyPublic,
    status_code=201,
    summary="Create a key (shown once)",
    responses=_ERRORS,
)
def create_key(rt: RuntimeDep, caller: KeyAdmin, body: KeyCreateInput) -> CreatedKeyPublic:
    created = keys.create(
        rt,
        username=body.username or caller.user,
        actor=actor_of(caller),
        role=body.role,
        name=body.name,
        expires_in_days=body.expires_in_days,
    )
    return CreatedKeyPublic.model_validate(to_plain(created))


@router.post(
    "/keys/{key}/revoke", response_model=ApiKeyPublic, summary="Revoke a key", responses=_ERRORS
)
def revoke_key(rt: RuntimeDep, caller: KeyAdmin, key: KeyRef) -> ApiKeyPublic:
    return ApiKeyPublic.model_validate(to_plain(keys.revoke(rt, key, actor=actor_of(caller))))


@router.post(
    "/keys/{key}/rotate",
    response_model=CreatedKeyPublic,
    summary="A new key; the old one works for the overlap",
    responses=_ERRORS,
)
def rotate_key(
    rt: RuntimeDep, caller: KeyAdmin, key: KeyRef, body: KeyRotateInput | None = None
) -> CreatedKeyPublic:
    overlap = body.overlap_minutes if body else None
    rotated = keys.rotate(rt, key, actor=actor_of(caller), overlap_minutes=overlap)
    return CreatedKeyPublic.model_validate(to_plain(rotated))
