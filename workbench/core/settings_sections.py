"""The sections of the settings (``api``, ``jobs``, ``risk``...): each a pydantic model with its
defaults and its own checks. ``workbench.core.config`` assembles them into ``Settings`` and
loads them from YAML and the environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import NoDecode

from workbench.core.actor_limits import (
    ACTOR_KIND,
    ActorLimits,
    ActorScope,
    actor_kind,
    default_actor_limits,
)
from workbench.core.errors import ConfigError
from workbench.core.symbol_lists import clean_symbols, symbols_from_text

__all__ = [
    "DEFAULT_JWT_SECRET",
    "AlpacaSettings",
    "ApiSettings",
    "DataSettings",
    "JobSettings",
    "McpSettings",
    "RateLimitSettings",
    "RiskLimits",
    "RiskSettings",
    "SecretsSettings",
    "WebSocketSettings",
]

# refused in production (and where api.jwt_secret is required): a development default only
DEFAULT_JWT_SECRET = "insecure-development-secret-change-me"  # noqa: S105  # nosec B105


class AlpacaSettings(BaseModel):
    api_key: SecretStr | None = None
    secret_key: SecretStr | None = None
    url: str = "https://paper-api.alpaca.markets"
    data_url: str = "https://data.alpaca.markets"
    stream_url: str | None = None
    trading_stream_url: str | None = None
    feed: Literal["iex", "sip"] = "iex"

    @property
    def has_keys(self) -> bool:
        return self.api_key is not None and self.secret_key is not None


class RateLimitSettings(BaseModel):
    """Token buckets (docs/api.md, rate limits): each refills at its rate up to its burst; a
    request takes one token from every bucket it counts against, or is refused with 429."""

    enabled: bool = True
    #: every request from one client address (``X-Forwarded-For`` only behind a trusted proxy)
    address_per_second: float = Field(default=100, gt=0)
    address_burst: int = Field(default=400, ge=1)
    #: every request of one user (access token) or of one API key
    principal_per_second: float = Field(default=50, gt=0)
    principal_burst: int = Field(default=200, ge=1)
    #: ``POST /api/v1/auth/login`` per client address: stricter, against password guessing
    login_per_minute: float = Field(default=10, gt=0)
    login_burst: int = Field(default=20, ge=1)


class WebSocketSettings(BaseModel):
    """``/ws`` (docs/api.md, the WebSocket protocol)."""

    #: a connection not authenticated this long after opening is closed (1008)
    auth_timeout_seconds: float = Field(default=10, gt=0, le=300)
    #: the server sends ``{"type": "ping"}`` this often
    heartbeat_seconds: float = Field(default=20, gt=0, le=3600)
    #: a connection that sent nothing (no pong, no message) this long is closed (1001)
    idle_timeout_seconds: float = Field(default=60, gt=0, le=24 * 3600)
    #: messages waiting for one client; a client this far behind is dropped (1013)
    send_queue: int = Field(default=256, ge=1, le=100_000)
    #: a client message longer than this is refused
    max_message_bytes: int = Field(default=16_384, ge=256, le=1 << 20)
    #: open connections one API process serves; more are refused (1013)
    max_connections: int = Field(default=1000, ge=1)
    #: client messages per second (burst 4x) before they are refused
    messages_per_second: float = Field(default=20, gt=0)

    @model_validator(mode="after")
    def _idle_outlives_heartbeat(self) -> WebSocketSettings:
        if self.idle_timeout_seconds <= self.heartbeat_seconds:
            raise ValueError("idle_timeout_seconds must be longer than heartbeat_seconds")
        return self


class ApiSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    replicas: int = Field(default=1, ge=1)
    #: the default stands for "not configured": development then keeps a generated secret in
    #: ``<home>/secrets/jwt``; every other environment refuses to issue tokens
    jwt_secret: SecretStr = SecretStr(DEFAULT_JWT_SECRET)
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    jwt_issuer: str = Field(default="workbench", min_length=1, max_length=200)
    jwt_audience: str = Field(default="workbench-api", min_length=1, max_length=200)
    access_ttl_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_ttl_days: float = Field(default=7, gt=0, le=366)
    #: this many failed logins in a row lock the user out for ``lockout_minutes``
    lockout_threshold: int = Field(default=5, ge=1, le=1000)
    lockout_minutes: float = Field(default=15, gt=0, le=7 * 24 * 60)
    #: after ``keys rotate`` the old key keeps working this long, then refuses
    key_rotation_overlap_minutes: float = Field(default=60, ge=0, le=30 * 24 * 60)
    #: how long a process trusts what it last read of a credential (its key, user and session
    #: rows) before reading the ledger again; a revocation in the same process holds at once,
    #: one made by another process within this many seconds. 0 reads the ledger every request
    credential_cache_seconds: float = Field(default=5, ge=0, le=300)
    #: how long the answer to a hot read (positions, the account, the latest bars, the risk
    #: gate's view of the account for a preview) is kept for every caller; an event of this
    #: process, or of another through Redis, that changes it drops it at once
    #: (``ops.kept_reads``). 0 reads the ledger and the lake on every request
    read_cache_seconds: float = Field(default=1, ge=0, le=60)
    #: origins a browser may call the API from (CORS); none by default
    cors_origins: list[str] = Field(default_factory=list)
    #: ``Host`` headers the API answers (a guard against DNS rebinding); ``*`` allows any
    trusted_hosts: list[str] = Field(default_factory=lambda: ["127.0.0.1", "localhost", "[::1]"])
    #: a request body larger than this is refused with 413
    max_body_bytes: int = Field(default=1 << 20, ge=1024, le=1 << 30)
    rate_limit: RateLimitSettings = RateLimitSettings()
    ws: WebSocketSettings = WebSocketSettings()

    @model_validator(mode="after")
    def _refresh_outlives_access(self) -> ApiSettings:
        if self.refresh_ttl_days * 24 * 60 <= self.access_ttl_minutes:
            raise ValueError("refresh_ttl_days must be longer than access_ttl_minutes")
        return self


class McpSettings(BaseModel):
    """The MCP face (AI assistants): read-only unless ``trading_enabled``."""

    #: list the trading and state-changing tools (to callers whose role allows them)
    trading_enabled: bool = False
    #: the API key ``workbench serve mcp`` (stdio) acts with; required in production
    api_key: SecretStr | None = None
    #: no tool answer is longer than this many characters, whatever was asked
    max_answer_chars: int = Field(default=8000, ge=1000, le=1_000_000)
    #: how long an order preview's confirmation token can be spent
    confirmation_ttl_seconds: float = Field(default=120, gt=0, le=3600)


class SecretsSettings(BaseModel):
    """The key broker keys are sealed under in the ledger (workbench.core.sealing); made by
    ``workbench secrets new-key``. In development a key is generated and kept under
    ``<home>/secrets/sealing`` when none is set; staging and production need it set."""

    key: SecretStr | None = None
    #: comma-separated keys of earlier rotations, still opened until ``workbench secrets reseal``
    previous_keys: SecretStr | None = None


class JobSettings(BaseModel):
    """Where jobs (backtests, grids, walk-forwards, reports) run: a Dask ``LocalCluster`` of
    ``workers`` processes this process starts on first use, or the cluster whose scheduler is
    at ``scheduler`` (``tcp://host:8786``; its workers need the workbench installed and the same
    home and ledger)."""

    scheduler: str | None = Field(default=None, pattern=r"^(tcp|tls|inproc|ucx)://\S+$")
    workers: int = Field(default=1, ge=1, le=64)
    threads_per_worker: int = Field(default=1, ge=1, le=64)
    #: how often an API process renews the lease of the jobs it runs (their rows'
    #: ``updated_at``) and looks for jobs whose process is gone
    heartbeat_seconds: float = Field(default=15, gt=0, le=600)
    #: a job of another host whose lease was not renewed for this long is ``interrupted`` (its
    #: process is gone: a crashed pod, a lost host); a job of this host is judged by its pid
    lease_seconds: float = Field(default=90, gt=0, le=24 * 3600)

    @model_validator(mode="after")
    def _lease_outlives_heartbeats(self) -> JobSettings:
        if self.lease_seconds < 3 * self.heartbeat_seconds:
            raise ValueError(
                f"jobs.lease_seconds ({self.lease_seconds:g}) must be at least three "
                f"heartbeats (jobs.heartbeat_seconds is {self.heartbeat_seconds:g}): one late "
                "heartbeat must not interrupt a job that is still running"
            )
        return self


class DataSettings(BaseModel):
    #: the venue history (``data fetch``) and live market data (``monitor watch --stream``)
    #: come from, whichever venue ``broker`` trades on
    source: str = "alpaca"
    validation_policy: Literal["reject", "drop", "warn"] = "reject"
    calendar: str = "XNYS"
    #: a close-to-close move larger than this share is reported as a suspicious jump
    jump_threshold: float = Field(default=0.25, gt=0)
    #: where the market-data lake is: None for ``<home>/lake``, another folder, or an object
    #: store ``s3://bucket/prefix`` that several nodes share (credentials from the standard
    #: AWS_* variables)
    lake_url: str | None = None

    @field_validator("lake_url")
    @classmethod
    def _known_lake_scheme(cls, url: str | None) -> str | None:
        if url is None or not url.strip():
            return None
        url = url.strip()
        if "://" in url and not url.startswith("s3://"):
            raise ValueError(f"expected a folder or s3://bucket/prefix, got {url}")
        if url.startswith("s3://") and not url.removeprefix("s3://").split("/")[0]:
            raise ValueError(f"expected s3://bucket/prefix, got {url}")
        return url


class RiskLimits(BaseModel):
    """The pre-trade risk gate's limits (docs/risk.md). None switches a rule off; money is in
    the account's currency, fractions are plain numbers (0.25 is 25 %)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_order_notional: Decimal | None = Field(default=Decimal(1_000_000), gt=0)
    max_position_notional: Decimal | None = Field(default=None, gt=0)
    max_position_weight: float | None = Field(default=1.0, gt=0)
    max_gross_exposure: Decimal | None = Field(default=None, gt=0)
    max_leverage: float | None = Field(default=2.0, gt=0)
    #: a loss since the session's start of this much or more lets only reducing orders out
    daily_loss_limit: Decimal | None = Field(default=None, gt=0)
    max_orders_per_minute: int | None = Field(default=600, ge=1)
    #: a list, or in the environment a JSON list or comma-separated text
    restricted_symbols: Annotated[list[str], NoDecode] = Field(default_factory=list)
    #: a limit or stop price further than this fraction from the last price is a fat finger
    price_band: float | None = Field(default=0.10, gt=0)
    check_buying_power: bool = True
    allow_short: bool = False
    market_hours: Literal["regular", "extended", "any"] = "regular"

    @field_validator("restricted_symbols", mode="before")
    @classmethod
    def _split_symbols(cls, symbols: Any) -> Any:
        return symbols_from_text(symbols)

    @field_validator("restricted_symbols")
    @classmethod
    def _upper_case_symbols(cls, symbols: list[str]) -> list[str]:
        return clean_symbols(symbols, "a restricted symbol")

    def merged(self, overrides: Mapping[str, Any]) -> RiskLimits:
        """These limits with ``overrides`` replacing the fields they name (a strategy's own)."""
        unknown = sorted(set(overrides) - set(RiskLimits.model_fields))
        if unknown:
            raise ConfigError(
                f"unknown risk limit {', '.join(map(repr, unknown))}: "
                f"expected one of {', '.join(RiskLimits.model_fields)}"
            )
        try:
            return RiskLimits.model_validate({**self.model_dump(), **overrides})
        except ValidationError as exc:
            problems = [_describe_plain(error) for error in exc.errors()]
            raise ConfigError("invalid risk limits: " + "; ".join(problems), problems) from None


class RiskSettings(BaseModel):
    """Limits for every order, per-strategy overrides of some of them, and limits on the
    orders of one kind of actor (``actors.mcp``: an AI assistant's) on top of both."""

    model_config = ConfigDict(extra="forbid")

    limits: RiskLimits = RiskLimits()
    #: strategy name -> {limit field: value}; each override is checked at load
    strategies: dict[str, dict[str, Any]] = Field(default_factory=dict)
    #: actor kind (what stands before the colon of ``mcp:alice``) -> its limits
    actors: dict[str, ActorLimits] = Field(default_factory=default_actor_limits)

    @field_validator("actors")
    @classmethod
    def _check_actor_kinds(cls, actors: dict[str, ActorLimits]) -> dict[str, ActorLimits]:
        bad = sorted(kind for kind in actors if not ACTOR_KIND.match(kind))
        if bad:
            raise ValueError(
                f"actor kind {', '.join(map(repr, bad))} is not a lower-case name such as "
                "'mcp' (the part of an actor before its colon)"
            )
        return actors

    @field_validator("strategies")
    @classmethod
    def _check_overrides(
        cls, strategies: dict[str, dict[str, Any]], info: ValidationInfo
    ) -> dict[str, dict[str, Any]]:
        base = info.data.get("limits", RiskLimits())
        problems = []
        for name, overrides in strategies.items():
            try:
                base.merged(overrides)
            except ConfigError as error:
                problems.append(f"strategy {name!r}: {error.message}")
        if problems:
            # a ValueError, so load_settings lists it with the other problems
            raise ValueError("; ".join(problems))
        return strategies

    def for_strategy(self, name: str | None) -> RiskLimits:
        """The limits a strategy trades under: the base, with its overrides if it has any."""
        overrides = self.strategies.get(name) if name is not None else None
        return self.limits.merged(overrides) if overrides else self.limits

    def for_actor(self, actor: str | None) -> ActorScope | None:
        """The limits of the actor's kind, or None when its kind has none configured."""
        kind = actor_kind(actor)
        if kind is None or kind not in self.actors:
            return None
        return ActorScope(kind, self.actors[kind])


def _describe_plain(error: Any) -> str:
    location = ".".join(str(part) for part in error["loc"])
    return f"{location}: {error['msg']} (got {error.get('input')!r})"
