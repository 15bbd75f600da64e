"""Request and answer models of authentication, users and API keys."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from workbench.interfaces.api.schemas import StrictInput, _Public
from workbench.model import Role

__all__ = [
    "ApiKeyPublic",
    "CreatedKeyPublic",
    "KeyCreateInput",
    "KeyRotateInput",
    "LoginInput",
    "MePublic",
    "RefreshInput",
    "RoleInput",
    "TokenPairPublic",
    "UserCreateInput",
    "UserPublic",
]

_SECRET = 1024  # longer than any password, token or key we issue


class LoginInput(StrictInput):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=_SECRET)


class RefreshInput(StrictInput):
    refresh_token: str = Field(min_length=1, max_length=_SECRET, description="wbr_...")


class TokenPairPublic(_Public):
    access_token: str = Field(description="a JWT: send it as Authorization: Bearer <token>")
    refresh_token: str = Field(description="spend it once at /auth/refresh for a new pair")
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int = Field(description="seconds the access token lives")
    refresh_expires_at: str
    session_id: str


class MePublic(_Public):
    user: str
    role: Role
    via: str = Field(description="token (logged in) or key (an API key)")
    key_id: int | None = None
    permissions: list[str]


class UserCreateInput(StrictInput):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=_SECRET)
    role: Role


class RoleInput(StrictInput):
    role: Role


class UserPublic(_Public):
    id: int
    username: str
    role: Role
    active: bool
    created_at: str
    last_login_at: str | None
    locked_until: str | None = None


class KeyCreateInput(StrictInput):
    username: str | None = Field(
        default=None, min_length=1, max_length=64, description="whose key (default: yours)"
    )
    role: Role | None = Field(default=None, description="at most the user's (default: theirs)")
    name: str | None = Field(default=None, min_length=1, max_length=64)
    expires_in_days: float | None = Field(default=None, gt=0, le=3650)


class KeyRotateInput(StrictInput):
    overlap_minutes: float | None = Field(
        default=None, ge=0, le=7 * 24 * 60, description="how long the old key keeps working"
    )


class ApiKeyPublic(_Public):
    id: int
    user: str
    name: str | None
    prefix: str
    role: Role
    created_at: str
    expires_at: str | None
    revoked_at: str | None
    last_used_at: str | None
    status: str = Field(description="active, expired or revoked")


class CreatedKeyPublic(_Public):
    model_config = ConfigDict(extra="ignore", frozen=True)

    key: str = Field(description="the key itself: shown this once, stored nowhere")
    info: ApiKeyPublic
