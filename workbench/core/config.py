"""Settings: defaults < ``deploy/config/<env>.yaml`` < environment (``WB_...``, nested with ``__``).

``WB_ENV`` picks the YAML file (development, staging or production). Secrets are ``SecretStr``
and come only from the environment, or from a file the environment names with a ``_FILE``
suffix (``WB_API__JWT_SECRET_FILE=/run/secrets/jwt``); a secret found in YAML is a ConfigError.

The sections' models (``api``, ``jobs``, ``risk``...) are in ``workbench.core.settings_sections``;
this module assembles them into ``Settings``, loads them and describes what is wrong.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from workbench.core.actor_limits import ActorLimits, ActorScope
from workbench.core.errors import ConfigError
from workbench.core.settings_sections import (
    DEFAULT_JWT_SECRET,
    AlpacaSettings,
    ApiSettings,
    DataSettings,
    JobSettings,
    McpSettings,
    RateLimitSettings,
    RiskLimits,
    RiskSettings,
    SecretsSettings,
    WebSocketSettings,
)

__all__ = [
    "DEFAULT_JWT_SECRET",
    "ENVIRONMENTS",
    "ActorLimits",
    "ActorScope",
    "AlpacaSettings",
    "ApiSettings",
    "DataSettings",
    "JobSettings",
    "McpSettings",
    "RateLimitSettings",
    "RiskLimits",
    "RiskSettings",
    "SecretsSettings",
    "Settings",
    "WebSocketSettings",
    "config_dir",
    "load_settings",
    "secret_fields",
]

ENVIRONMENTS = ("development", "staging", "production")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="WB_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    env: Literal["development", "staging", "production"] = "development"
    home: Path = Path("~/.workbench")
    ledger_url: SecretStr | None = None
    redis_url: SecretStr | None = None
    #: Redis keys and pub/sub channels begin with it: processes that share it share rate-limit
    #: buckets and events (one deployment per prefix on a Redis)
    redis_prefix: str = Field(default="workbench", pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    broker: Literal["paper", "alpaca"] = "paper"
    debug: bool = False
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "console"] | None = None
    alpaca: AlpacaSettings = AlpacaSettings()
    api: ApiSettings = ApiSettings()
    data: DataSettings = DataSettings()
    mcp: McpSettings = McpSettings()
    jobs: JobSettings = JobSettings()
    risk: RiskSettings = RiskSettings()
    secrets: SecretsSettings = SecretsSettings()

    @field_validator("home")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        return value.expanduser()

    @property
    def lake_dir(self) -> Path:
        return self.home / "lake"

    @property
    def lake_location(self) -> Path | str:
        """``data.lake_url`` when set (a folder or ``s3://...``), else ``lake_dir``."""
        url = self.data.lake_url
        if url is None:
            return self.lake_dir
        return url if url.startswith("s3://") else Path(url).expanduser()

    @property
    def ledger_dsn(self) -> str:
        if self.ledger_url is not None:
            return self.ledger_url.get_secret_value()
        return f"sqlite:///{self.home / 'ledger.db'}"

    @property
    def ledger_is_sqlite(self) -> bool:
        return self.ledger_dsn.startswith("sqlite")

    @property
    def effective_log_format(self) -> Literal["json", "console"]:
        if self.log_format is not None:
            return self.log_format
        return "json" if self.env == "production" else "console"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            _SecretFileSource(settings_cls),
            env_settings,
            _YamlSource(settings_cls),
        )


def secret_fields() -> list[str]:
    """Dotted names of every secret setting, for masking and for the YAML refusal."""
    names = []
    for name, info in Settings.model_fields.items():
        if _is_secret(info.annotation):
            names.append(name)
        sub = info.annotation
        if isinstance(sub, type) and issubclass(sub, BaseModel):
            names.extend(
                f"{name}.{inner}"
                for inner, inner_info in sub.model_fields.items()
                if _is_secret(inner_info.annotation)
            )
    return names


def _is_secret(annotation: Any) -> bool:
    return "SecretStr" in repr(annotation)


def config_dir() -> Path | None:
    """Where the per-environment YAML files live: ``WB_CONFIG_DIR``, else the project's."""
    explicit = os.environ.get("WB_CONFIG_DIR")
    if explicit:
        return Path(explicit)
    for candidate in (Path(__file__).resolve().parents[2], Path.cwd()):
        folder = candidate / "deploy" / "config"
        if folder.is_dir():
            return folder
    return None


def _selected_env() -> str:
    return os.environ.get("WB_ENV", "development")


class _YamlSource(PydanticBaseSettingsSource):
    """``deploy/config/<env>.yaml``; refuses secrets, which belong in the environment."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # pragma: no cover - __call__ is used instead

    def __call__(self) -> dict[str, Any]:
        folder = config_dir()
        env = _selected_env()
        if folder is None or env not in ENVIRONMENTS:
            return {}
        path = folder / f"{env}.yaml"
        if not path.exists():
            return {}
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML: {exc}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: expected a mapping of settings at the top level")
        from workbench.core.config_versions import upgrade_document

        data = upgrade_document(data, path)
        found = [name for name in secret_fields() if _dig(data, name) is not None]
        if found:
            raise ConfigError(
                f"{path}: secrets are not allowed in YAML ({', '.join(found)}); "
                "set them in the environment, e.g. WB_" + found[0].upper().replace(".", "__")
            )
        return data


class _SecretFileSource(PydanticBaseSettingsSource):
    """``WB_<SECRET>_FILE`` names a file holding the secret (Docker and Kubernetes secrets)."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # pragma: no cover - __call__ is used instead

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in secret_fields():
            variable = "WB_" + name.upper().replace(".", "__") + "_FILE"
            path = os.environ.get(variable)
            if not path:
                continue
            try:
                secret = Path(path).read_text().strip()
            except OSError as exc:
                raise ConfigError(
                    f"{variable} names {path}, which cannot be read: {exc.strerror}"
                ) from None
            _plant(values, name, secret)
        return values


def _dig(data: dict[str, Any], dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _plant(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


def load_settings(**overrides: Any) -> Settings:
    """Build settings, turning pydantic's errors into a ConfigError with one line per problem."""
    env = overrides.get("env", _selected_env())
    if env not in ENVIRONMENTS:
        raise ConfigError(
            f"unknown environment {env!r}: expected one of {', '.join(ENVIRONMENTS)}",
            problems=[f"env: unknown environment {env!r}"],
        )
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = [_describe(error) for error in exc.errors()]
        raise ConfigError("invalid settings: " + "; ".join(problems), problems=problems) from None


def _describe(error: Any) -> str:
    location = ".".join(str(part) for part in error["loc"])
    variable = "WB_" + "__".join(str(part) for part in error["loc"]).upper()
    given = error.get("input")
    # a section's own check (a lease against its heartbeat) names its values in its message
    whole_section = isinstance(given, dict)
    shown = "" if _is_secret_location(location) or whole_section else f" (got {given!r})"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{location} ({variable}): {message}{shown}"


def _is_secret_location(location: str) -> bool:
    return location in secret_fields()
